/**
 * One GET of the stream endpoint: records status, headers and the arrival time and read index
 * of every event and comment, and closes the stream itself at the terminal event, when only
 * heartbeats keep coming, or when the observation window ends. Redirects are followed here, as
 * a browser's fetch does, so each hop is recorded.
 */
import type { Transform } from 'node:stream';
import { createBrotliDecompress, createGunzip, createInflate } from 'node:zlib';
import type { Dispatcher } from 'undici';
import type { AttemptEnd, StreamAttempt } from '../model.js';
import { heartbeatTypes, isEventStream } from '../wire.js';
import { abortReason, dispatch, withHeaderDefaults, withUserinfo, type HttpCall } from './http.js';
import { toNetError } from './net-error.js';
import { proxyFor, responseProtocol } from './network.js';
import type { ProbeOptions } from './options.js';
import { redactHeaders, redactUrl } from './redact.js';
import { SseReader, type ReadResult } from './sse-reader.js';
import { onAbort } from './sleep.js';
import type { StepInput } from './steps.js';

const PREVIEW_BYTES = 2048;
/**
 * After the terminal event the body is read this much longer (ms): a server that ends the stream
 * then keeps the connection reusable; one that never ends it is cut off.
 */
const DRAIN_MS = 50;
/** One abort reason for every stop the client decides on: a fresh error per run costs a stack trace. */
const STOPPED = Object.assign(new Error('stream closed by ssedoctor'), { code: 'SSEDOCTOR_STOPPED' });

export interface AttachRequest {
  url: string;
  /** `url` as reports show it, when the caller has it already (see redact.ts); made here otherwise. */
  shownUrl?: string;
  attempt: number;
  /** End of the observation window, ms since T0. */
  deadlineMs: number;
  dispatcher: Dispatcher;
  /** Clock: ms since T0. */
  since: () => number;
  /** `identity`, or the browser's list (then the body is decoded). */
  acceptEncoding: string;
  options: Pick<
    ProbeOptions,
    'headers' | 'terminalEvent' | 'heartbeatEvents' | 'idleHeartbeats' | 'maxEventBytes' | 'maxRecords' | 'previewChars' | 'signal' | 'maxRedirects' | 'http2' | 'proxy'
  >;
  /** Reports each step as it happens (live output); times are added by the caller. */
  emit?: ((step: StepInput) => void) | undefined;
}

/** The headers as sent, including the Basic credentials a URL's userinfo becomes (for live output). */
function shownHeaders(url: string, headers: Record<string, string>): Record<string, string> {
  try {
    return withUserinfo(new URL(url), headers);
  } catch {
    return headers;
  }
}

/** The stream request's own headers per Accept-Encoding (a load uses one or two). */
const streamHeaderSets = new Map<string, Readonly<Record<string, string>>>();
function streamHeaders(acceptEncoding: string): Readonly<Record<string, string>> {
  let h = streamHeaderSets.get(acceptEncoding);
  if (!h) {
    if (streamHeaderSets.size >= 16) streamHeaderSets.clear();
    streamHeaderSets.set(acceptEncoding, (h = { accept: 'text/event-stream', 'cache-control': 'no-cache', 'accept-encoding': acceptEncoding }));
  }
  return h;
}

/** Statuses a browser's fetch follows (WHATWG Fetch "redirect status"). */
const REDIRECT_STATUSES = new Set([301, 302, 303, 307, 308]);

/** Request headers fetch drops when a redirect leaves the origin (Fetch §4.4 step 13). */
const CROSS_ORIGIN_DROPPED = /^(authorization|cookie|proxy-authorization)$/i;

/** A streaming decoder for a Content-Encoding, or undefined for identity (and unknown codings). */
function decompressor(encoding: string | undefined): Transform | undefined {
  switch (encoding?.trim().toLowerCase()) {
    case 'gzip':
    case 'x-gzip':
      return createGunzip();
    case 'deflate':
      return createInflate();
    case 'br':
      return createBrotliDecompress();
    default:
      return undefined;
  }
}

/** Opens the stream and watches it; never rejects for transport or HTTP failures. */
export function attach(req: AttachRequest): Promise<StreamAttempt> {
  const { options, since } = req;
  // Optional calls: without live output the steps (and their header copies) are never built.
  const emit = req.emit;
  const attempt: StreamAttempt = {
    attempt: req.attempt,
    url: req.shownUrl ?? redactUrl(req.url),
    acceptEncoding: req.acceptEncoding,
    requestedMs: since(),
    reads: 0,
    bytes: 0,
    records: [],
    recordsDropped: 0,
    counts: {},
    warnings: [],
  };
  const proxy = proxyFor(req.url, options.proxy);
  if (proxy) attempt.proxy = redactUrl(proxy);
  const requestHeaders = withHeaderDefaults(streamHeaders(req.acceptEncoding), options.headers);
  emit?.({ kind: 'stream-requested', attempt: req.attempt, url: attempt.url, headers: redactHeaders(shownHeaders(req.url, requestHeaders)) });
  if (options.signal?.aborted) {
    emit?.({ kind: 'end', attempt: req.attempt, end: 'interrupted', reads: 0, bytes: 0 });
    return Promise.resolve({ ...attempt, end: 'interrupted' });
  }

  return new Promise((resolve) => {
    let stopReason: AttemptEnd | undefined;
    let reader: SseReader | undefined;
    let preview: Buffer[] | undefined; // set when the answer is not a stream: keep a little, then hang up
    let previewBytes = 0;
    let idleHeartbeats = 0;
    let drain: NodeJS.Timeout | undefined;
    let inflater: Transform | undefined; // set when the stream came compressed
    /** Set when the current answer is a redirect being followed: the next hop's URL. */
    let nextHop: string | undefined;
    /** URLs of the redirect chain so far (loop check); made at the first redirect, as most streams have none. */
    let visited: Set<string> | undefined;
    let call: HttpCall;
    const heartbeats = heartbeatTypes(options.heartbeatEvents);

    /** Records why the attempt ends; `abort` also tears the request down now. */
    const stop = (reason: AttemptEnd, abort = true): void => {
      stopReason ??= reason;
      if (abort) call.abort(STOPPED);
    };
    let unlinkOuter: (() => void) | undefined;
    const observe = setTimeout(() => stop('observe'), Math.max(0, req.deadlineMs - since()));
    let finished = false;
    const finish = (end: AttemptEnd): void => {
      if (finished) return;
      finished = true;
      clearTimeout(observe);
      clearTimeout(drain);
      inflater?.destroy();
      unlinkOuter?.();
      if (preview) attempt.bodyPreview = Buffer.concat(preview).toString('utf8').slice(0, PREVIEW_BYTES);
      attempt.endMs ??= since();
      attempt.end = end;
      emit?.({
        kind: 'end',
        attempt: req.attempt,
        end,
        ...(attempt.status !== undefined ? { status: attempt.status } : {}),
        ...(attempt.error ? { error: attempt.error } : {}),
        ...(attempt.bodyPreview !== undefined ? { body: attempt.bodyPreview } : {}),
        reads: attempt.reads,
        bytes: attempt.bytes,
      });
      resolve(attempt);
    };

    /** Takes what one read completed; returns how the attempt ends, if it does. */
    const take = (result: ReadResult, atMs: number, read: number): AttemptEnd | undefined => {
      if (result.retryMs !== undefined) attempt.retryMs = result.retryMs;
      for (const w of result.warnings) if (attempt.warnings.length < 20) attempt.warnings.push(w);
      let end: AttemptEnd | undefined;
      for (const r of result.records) {
        attempt.counts[r.type] = (attempt.counts[r.type] ?? 0) + 1;
        r.atMs = atMs;
        r.read = read;
        if (attempt.records.length < options.maxRecords) attempt.records.push(r);
        else attempt.recordsDropped++;
        emit?.({ kind: 'record', attempt: req.attempt, record: r });
        if (r.kind !== 'event' || end) continue;
        if (r.type === options.terminalEvent) end = 'terminal';
        else if (!heartbeats.has(r.type)) idleHeartbeats = 0;
        else if (++idleHeartbeats >= options.idleHeartbeats) end = 'idle';
      }
      return result.oversized ? 'oversized' : end;
    };

    /** Parses decoded body bytes that arrived at `atMs` (the last network read's index). */
    const onBytes = (bytes: Buffer, atMs: number): void => {
      if (!reader || stopReason) return; // draining after the end: see DRAIN_MS
      const end = take(reader.feed(bytes), atMs, attempt.reads - 1);
      if (!end) return;
      attempt.endMs = atMs;
      if (end === 'oversized') return stop(end); // never keep reading a flood
      stop(end, false);
      drain = setTimeout(() => call.abort(STOPPED), DRAIN_MS);
    };
    const endOfStream = (): void => {
      if (stopReason) return finish(stopReason);
      if (reader) {
        const last = reader.end();
        take(last, since(), attempt.reads);
        if (last.pendingChars > 0) attempt.pendingBytes = last.pendingChars;
      }
      finish('eof');
    };

    /**
     * Decides on a 3xx: follow it (returns the next URL) or end on it. A URL seen before is a
     * loop and ends at once; past `maxRedirects` hops the chain ends too, as fetch's "network
     * error" would, but here as the HTTP answer it is, with its status, headers and body.
     */
    const redirectTarget = (status: number, location: string | undefined, from: string): string | undefined => {
      const atMs = since();
      const hops = (attempt.redirects ??= []);
      let next: URL | undefined;
      try {
        next = location ? new URL(location, from) : undefined;
      } catch {
        next = undefined;
      }
      const shown = next ? redactUrl(next.href) : location ?? '';
      hops.push({ status, location: shown, atMs });
      visited ??= new Set([new URL(req.url).href]);
      const stopWhy = !next ? 'no-location' : visited.has(next.href) ? 'loop' : hops.length > options.maxRedirects ? 'limit' : undefined;
      emit?.({ kind: 'redirect', attempt: req.attempt, status, location: shown, ...(stopWhy ? { stop: stopWhy } : {}) });
      if (stopWhy || !next) return undefined;
      visited.add(next.href);
      return next.href;
    };

    /** One request of the chain: the first URL, then each redirect's target. */
    const request = (url: string, headers: Record<string, string>): void => {
      nextHop = undefined;
      call = dispatch(req.dispatcher, url, { method: 'GET', headers }, {
        head({ status, headers: raw, statusText }) {
          const h = redactHeaders(raw);
          if (REDIRECT_STATUSES.has(status)) {
            const location = typeof raw.location === 'string' ? raw.location : undefined;
            nextHop = redirectTarget(status, location, url);
            if (nextHop) {
              call.abort(STOPPED); // the redirect's own body is not needed
              return;
            }
          }
          attempt.headersMs = since();
          attempt.status = status;
          attempt.protocol = responseProtocol(statusText, options.http2);
          attempt.headers = h;
          emit?.({ kind: 'head', attempt: req.attempt, status, headers: h, protocol: attempt.protocol });
          if (status === 200 && isEventStream(h['content-type'])) {
            reader = new SseReader({ maxBufferSize: options.maxEventBytes, previewChars: options.previewChars });
            inflater = decompressor(h['content-encoding']);
            inflater?.on('data', (bytes: Buffer) => onBytes(bytes, since()));
            inflater?.on('error', (err: Error) => {
              attempt.error = toNetError(err);
              stop('error');
            });
          } else {
            preview = []; // not a stream (404 detail, proxy page, JSON, a redirect not followed...): it may never end
          }
        },
        data(chunk) {
          if (nextHop) return;
          const atMs = since();
          if (attempt.firstByteMs === undefined) {
            attempt.firstByteMs = atMs;
            emit?.({ kind: 'first-byte', attempt: req.attempt });
          }
          attempt.lastByteMs = atMs;
          attempt.bytes += chunk.length;
          if (preview) {
            preview.push(chunk);
            previewBytes += chunk.length;
            if (previewBytes >= PREVIEW_BYTES) stop('rejected');
            return;
          }
          attempt.reads++;
          if (inflater) inflater.write(chunk);
          else onBytes(chunk, atMs);
        },
        end() {
          if (nextHop && !stopReason) return follow(url, nextHop, headers);
          if (preview) return finish('rejected');
          if (stopReason) return finish(stopReason);
          if (!inflater) return endOfStream();
          inflater.once('end', endOfStream);
          inflater.end();
        },
        error(err) {
          if (stopReason) return finish(stopReason);
          if (nextHop) return follow(url, nextHop, headers);
          attempt.error = toNetError(err);
          finish('error');
        },
      });
    };
    /** Starts the next hop; credentials stay behind when it leaves the origin, as fetch does. */
    const follow = (from: string, to: string, headers: Record<string, string>): void => {
      const sameOrigin = new URL(from).origin === new URL(to).origin;
      const next = sameOrigin ? headers : Object.fromEntries(Object.entries(headers).filter(([k]) => !CROSS_ORIGIN_DROPPED.test(k)));
      request(to, next);
    };

    request(req.url, requestHeaders);
    // Not when the request ended while being made (a header the client refuses): nothing would unlink it.
    if (options.signal && !finished) {
      const outer = options.signal;
      unlinkOuter = onAbort(outer, () => {
        stopReason ??= 'interrupted';
        call.abort(abortReason(outer));
      });
    }
  });
}
