/**
 * HTTP exchanges on undici's dispatch API. Callbacks instead of body streams: no Readable, no
 * async iterator and no AbortController per request, which is most of a run's client CPU under
 * load and most of a stream's memory when ten thousand are open.
 */
import type { ConnectionWaitAware } from './browser-connections.js';
import type { Dispatcher } from 'undici';
import { H1Agent } from './h1-transport.js';
import { onAbort } from './sleep.js';

/** The response head. Header names are lower-case. */
export interface HttpHead {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  /** The reason phrase; undici gives HTTP/2 responses an empty one (see network.ts responseProtocol). */
  statusText?: string;
}

/** Receives one exchange. Exactly one of `end` or `error` is called, after `head` when a head came. */
export interface HttpSink {
  /** The request waited this long (ms) for a free connection before it was sent (`--browser-tabs`). */
  connectionWait?(waitedMs: number): void;
  head(head: HttpHead): void;
  data(chunk: Buffer): void;
  end(): void;
  error(err: Error): void;
}

export interface HttpRequest {
  method: 'GET' | 'POST';
  headers: Record<string, string>;
  body?: string;
}

/** A running exchange. */
export interface HttpCall {
  /** Tears the exchange down; `sink.error(reason)` follows unless it already ended. */
  abort(reason: Error): void;
}

/** Starts a request; transport failures arrive at `sink.error`, never as a throw. */
export function dispatch(dispatcher: Dispatcher, url: string, req: HttpRequest, sink: HttpSink): HttpCall {
  const lean = H1Agent.unwrapped(dispatcher);
  if (lean) {
    try {
      const { origin, path, headers } = requestTarget(url, req.headers);
      const call = lean.send(origin, path, headers === req.headers ? req : { ...req, headers }, sink);
      if (call) return call;
    } catch {
      // an invalid URL: the general path below reports it
    }
  }
  let controller: Dispatcher.DispatchController | undefined;
  let pendingAbort: Error | undefined;
  let settled = false;
  const fail = (err: Error): void => {
    if (settled) return;
    settled = true;
    sink.error(err);
  };
  try {
    const { origin, path, headers } = requestTarget(url, req.headers);
    const handler: Dispatcher.DispatchHandler & ConnectionWaitAware = {
      onRequestStart(c) {
        controller = c;
        if (pendingAbort) c.abort(pendingAbort);
      },
      // Called by browser-connections.ts when the request leaves its queue (not part of undici's interface).
      onConnectionWait(waitedMs: number) {
        sink.connectionWait?.(waitedMs);
      },
      onResponseStart(c, status, headers, statusText) {
        // undici keeps the raw header Buffers on the controller for the whole exchange (≈ 2 KiB
        // per open stream); only the parsed copy is read, so they go now.
        (c as { rawHeaders?: unknown }).rawHeaders = null;
        if (status >= 200) sink.head({ status, headers, statusText });
      },
      onResponseData(_c, chunk) {
        if (!settled) sink.data(chunk);
      },
      onResponseEnd() {
        if (settled) return;
        settled = true;
        sink.end();
      },
      onResponseError(_c, err) {
        fail(err);
      },
    };
    dispatcher.dispatch({ origin, path, method: req.method, headers, body: req.body }, handler);
  } catch (err) {
    fail(err as Error); // invalid URL or header: reported like a transport error
  }
  return {
    abort(reason) {
      if (settled) return;
      if (controller) controller.abort(reason);
      else pendingAbort = reason;
    },
  };
}

/**
 * A URL already in the form the WHATWG parser writes (lower-case scheme and host, no userinfo, no
 * fragment, no default port, a path of characters it leaves as they are, no dot segments): what the probe's own
 * joined URLs and redirect targets always are. Splitting it by hand gives what `new URL` would.
 */
const SERIALISED = /^(https?:\/\/(?:[a-z0-9.-]+|\[[0-9a-f:.]+\])(?::\d{1,5})?)(\/[A-Za-z0-9\-._~!$&()*+,;=:@%/?]*)$/;

/**
 * Origin, path (with query) and request headers for `url`. Load runs make two requests a run: a
 * URL parse each was a measurable share of a run's CPU, so serialised URLs are split by hand.
 */
export function requestTarget(url: string, headers: Record<string, string>): { origin: string; path: string; headers: Record<string, string> } {
  const m = url.includes('/.') ? null : SERIALISED.exec(url);
  // A default port (or a zero-padded one) is dropped by the parser: left to it.
  if (m && !/:(?:80|443|0\d*)$/.test(m[1]!)) return { origin: m[1]!, path: m[2]!, headers };
  const u = new URL(url);
  return { origin: u.origin, path: `${u.pathname}${u.search}`, headers: withUserinfo(u, headers) };
}

/**
 * Credentials in the URL (`https://user:pw@host`) become Basic authentication, as curl sends
 * them; an explicit Authorization header wins. (undici would otherwise drop them silently.)
 */
export function withUserinfo(u: URL, headers: Record<string, string>): Record<string, string> {
  if (!u.username && !u.password) return headers;
  if (Object.keys(headers).some((k) => k.toLowerCase() === 'authorization')) return headers;
  const basic = Buffer.from(`${decodeURIComponent(u.username)}:${decodeURIComponent(u.password)}`).toString('base64');
  return { ...headers, authorization: `Basic ${basic}` };
}

/**
 * `{ ...defaults, ...headers }`, made once per pair of objects (callers must not change it): a load sends the same
 * headers thousands of times, and a fresh object per request was garbage, and a miss for what a
 * transport derives from it once per object (h1-transport.ts).
 */
export function withHeaderDefaults(defaults: Readonly<Record<string, string>>, headers: Readonly<Record<string, string>>): Readonly<Record<string, string>> {
  let byHeaders = mergedHeaders.get(defaults);
  if (!byHeaders) mergedHeaders.set(defaults, (byHeaders = new WeakMap()));
  let merged = byHeaders.get(headers);
  if (!merged) byHeaders.set(headers, (merged = { ...defaults, ...headers }));
  return merged;
}
const mergedHeaders = new WeakMap<object, WeakMap<object, Readonly<Record<string, string>>>>();

/** A small whole response: status, headers and up to `limit` bytes of body text. */
export interface SmallResponse extends HttpHead {
  body: string;
  /** When the head arrived, on the caller's clock. */
  headAt: number;
}

/** Sends a request and collects the answer; rejects on transport failure or when `signal` aborts. */
export function fetchSmall(
  dispatcher: Dispatcher,
  url: string,
  req: HttpRequest,
  options: { limit: number; clock: () => number; signal?: AbortSignal },
): Promise<SmallResponse> {
  const { limit, clock, signal } = options;
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let head: HttpHead | undefined;
    let headAt = 0;
    let unlink: (() => void) | undefined;
    let done = false; // the call may end while being made (a header the client refuses)
    const call = dispatch(dispatcher, url, req, {
      head: (h) => {
        head = h;
        headAt = clock();
      },
      data: (chunk) => {
        if (size < limit) chunks.push(chunk.subarray(0, limit - size)); // the rest is drained, not kept
        size += chunk.length;
      },
      end: () => {
        done = true;
        unlink?.();
        const body = chunks.length === 1 ? chunks[0]!.toString('utf8') : Buffer.concat(chunks).toString('utf8');
        resolve({ status: head!.status, headers: head!.headers, statusText: head!.statusText, headAt, body });
      },
      error: (err) => {
        done = true;
        unlink?.();
        reject(err);
      },
    });
    if (done) return;
    if (signal?.aborted) call.abort(abortReason(signal));
    else if (signal) unlink = onAbort(signal, () => call.abort(abortReason(signal)));
  });
}

/** An abort error carrying the stable code the classifier looks for. */
export function abortReason(signal?: AbortSignal): Error {
  const reason = signal?.reason;
  if (reason instanceof Error && (reason as { code?: string }).code) return reason;
  return Object.assign(new Error('aborted'), { name: 'AbortError', code: 'ABORT_ERR' });
}
