/**
 * The watcher of one stream request (attach.ts makes one per attempt): the request's sink, which
 * records the answer, follows redirects hop by hop as fetch does, parses the events, and ends the
 * attempt at the terminal event, on idle heartbeats, at the window's end or on an outer abort.
 */
import type { Transform } from 'node:stream';
import { createBrotliDecompress, createGunzip, createInflate } from 'node:zlib';
import type { AttemptEnd, StreamAttempt } from '../model.js';
import { heartbeatTypes, isEventStream } from '../wire.js';
import type { AttachRequest } from './attach.js';
import { abortReason, dispatch, type HttpCall, type HttpHead, type HttpSink } from './http.js';
import { toNetError } from './net-error.js';
import { responseProtocol } from './network.js';
import { redactHeaders, redactUrl } from './redact.js';
import { SseReader, type ReadResult } from './sse-reader.js';
import { stopWaiting, waitAbort } from './sleep.js';

const PREVIEW_BYTES = 2048;
/**
 * After the terminal event the body is read this much longer (ms): a server that ends the stream
 * then keeps the connection reusable; one that never ends it is cut off.
 */
const DRAIN_MS = 50;
/** One abort reason for every stop the client decides on: a fresh error per run costs a stack trace. */
const STOPPED = Object.assign(new Error('stream closed by ssedoctor'), { code: 'SSEDOCTOR_STOPPED' });

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

/**
 * One stream being watched. A class rather than closures: a load holds tens of thousands of these
 * open for minutes, and fourteen closures with their shared context cost ≈ 1 KiB per stream more
 * than one object. It is its own request's sink; each hop of a redirect chain starts only after
 * the previous hop's call has ended, so callbacks always belong to the current hop.
 */
export class StreamWatch implements HttpSink {
  private stopReason: AttemptEnd | undefined;
  private reader: SseReader | undefined;
  /** Set when the answer is not a stream: keep a little, then hang up. */
  private preview: Buffer[] | undefined;
  private previewBytes = 0;
  private idleHeartbeats = 0;
  private drain: NodeJS.Timeout | undefined;
  /** Set when the stream came compressed. */
  private inflater: Transform | undefined;
  /** Set when the current answer is a redirect being followed: the next hop's URL. */
  private nextHop: string | undefined;
  /** URLs of the redirect chain so far (loop check); made at the first redirect, as most streams have none. */
  private visited: Set<string> | undefined;
  private call!: HttpCall;
  /** The current hop's URL and request headers. */
  private url: string;
  private headers!: Record<string, string>;
  private readonly heartbeats: ReadonlySet<string>;
  private readonly observe: NodeJS.Timeout;
  /** This watch's slot on the outer signal (see sleep.ts waitAbort), once it waits there. */
  private outerSlot = -1;
  private finished = false;

  constructor(
    private readonly req: AttachRequest,
    private readonly attempt: StreamAttempt,
    private readonly resolve: (a: StreamAttempt) => void,
  ) {
    this.url = req.url;
    this.heartbeats = heartbeatTypes(req.options.heartbeatEvents);
    this.observe = setTimeout(stopObserving, Math.max(0, req.deadlineMs - req.since()), this);
  }

  start(headers: Record<string, string>): void {
    this.request(this.req.url, headers);
    const outer = this.req.options.signal;
    // Not when the request ended while being made (a header the client refuses): nothing would free the slot.
    if (outer && !this.finished) this.outerSlot = waitAbort(outer, this);
  }

  /** The outer signal (a Ctrl-C, the load's cut-off) aborted. */
  onSignalAbort(): void {
    this.stopReason ??= 'interrupted';
    this.call.abort(abortReason(this.req.options.signal!));
  }

  /** Records why the attempt ends; `abort` also tears the request down now. */
  stop(reason: AttemptEnd, abort = true): void {
    this.stopReason ??= reason;
    if (abort) this.hangUp();
  }

  hangUp(): void {
    this.call.abort(STOPPED);
  }

  private finish(end: AttemptEnd): void {
    if (this.finished) return;
    this.finished = true;
    const { attempt, req } = this;
    clearTimeout(this.observe);
    clearTimeout(this.drain);
    this.inflater?.destroy();
    if (this.outerSlot >= 0) stopWaiting(req.options.signal!, this.outerSlot, this);
    if (this.preview) attempt.bodyPreview = Buffer.concat(this.preview).toString('utf8').slice(0, PREVIEW_BYTES);
    attempt.endMs ??= req.since();
    attempt.end = end;
    req.emit?.({
      kind: 'end',
      attempt: req.attempt,
      end,
      ...(attempt.status !== undefined ? { status: attempt.status } : {}),
      ...(attempt.error ? { error: attempt.error } : {}),
      ...(attempt.bodyPreview !== undefined ? { body: attempt.bodyPreview } : {}),
      reads: attempt.reads,
      bytes: attempt.bytes,
    });
    this.resolve(attempt);
  }

  /** Takes what one read completed; returns how the attempt ends, if it does. */
  private take(result: ReadResult, atMs: number, read: number): AttemptEnd | undefined {
    const { attempt, req } = this;
    const options = req.options;
    if (result.retryMs !== undefined) attempt.retryMs = result.retryMs;
    for (const w of result.warnings) if (attempt.warnings.length < 20) attempt.warnings.push(w);
    let end: AttemptEnd | undefined;
    for (const r of result.records) {
      attempt.counts[r.type] = (attempt.counts[r.type] ?? 0) + 1;
      r.atMs = atMs;
      r.read = read;
      if (attempt.records.length < options.maxRecords) attempt.records.push(r);
      else attempt.recordsDropped++;
      req.emit?.({ kind: 'record', attempt: req.attempt, record: r });
      if (r.kind !== 'event' || end) continue;
      if (r.type === options.terminalEvent) end = 'terminal';
      else if (!this.heartbeats.has(r.type)) this.idleHeartbeats = 0;
      else if (++this.idleHeartbeats >= options.idleHeartbeats) end = 'idle';
    }
    return result.oversized ? 'oversized' : end;
  }

  /** Parses decoded body bytes that arrived at `atMs` (the last network read's index). */
  private onBytes(bytes: Buffer, atMs: number): void {
    if (!this.reader || this.stopReason) return; // draining after the end: see DRAIN_MS
    const end = this.take(this.reader.feed(bytes), atMs, this.attempt.reads - 1);
    if (!end) return;
    this.attempt.endMs = atMs;
    if (end === 'oversized') return this.stop(end); // never keep reading a flood
    this.stop(end, false);
    this.drain = setTimeout(abortDrained, DRAIN_MS, this);
  }

  private endOfStream(): void {
    if (this.stopReason) return this.finish(this.stopReason);
    if (this.reader) {
      const last = this.reader.end();
      this.take(last, this.req.since(), this.attempt.reads);
      if (last.pendingChars > 0) this.attempt.pendingBytes = last.pendingChars;
    }
    this.finish('eof');
  }

  /**
   * Decides on a 3xx: follow it (returns the next URL) or end on it. A URL seen before is a
   * loop and ends at once; past `maxRedirects` hops the chain ends too, as fetch's "network
   * error" would, but here as the HTTP answer it is, with its status, headers and body.
   */
  private redirectTarget(status: number, location: string | undefined): string | undefined {
    const { req } = this;
    const atMs = req.since();
    const hops = (this.attempt.redirects ??= []);
    let next: URL | undefined;
    try {
      next = location ? new URL(location, this.url) : undefined;
    } catch {
      next = undefined;
    }
    const shown = next ? redactUrl(next.href) : location ?? '';
    hops.push({ status, location: shown, atMs });
    const visited = (this.visited ??= new Set([new URL(req.url).href]));
    const stopWhy = !next ? 'no-location' : visited.has(next.href) ? 'loop' : hops.length > req.options.maxRedirects ? 'limit' : undefined;
    req.emit?.({ kind: 'redirect', attempt: req.attempt, status, location: shown, ...(stopWhy ? { stop: stopWhy } : {}) });
    if (stopWhy || !next) return undefined;
    visited.add(next.href);
    return next.href;
  }

  /** One request of the chain: the first URL, then each redirect's target. */
  private request(url: string, headers: Record<string, string>): void {
    this.nextHop = undefined;
    this.url = url;
    this.headers = headers;
    this.call = dispatch(this.req.dispatcher, url, { method: 'GET', headers }, this);
  }

  /** Starts the next hop; credentials stay behind when it leaves the origin, as fetch does. */
  private follow(to: string): void {
    const headers = this.headers;
    const sameOrigin = new URL(this.url).origin === new URL(to).origin;
    this.request(to, sameOrigin ? headers : Object.fromEntries(Object.entries(headers).filter(([k]) => !CROSS_ORIGIN_DROPPED.test(k))));
  }

  connectionWait(waitedMs: number): void {
    // Each hop of a redirect chain waits anew: the figure is the hop that answers last.
    if (waitedMs > 0) this.attempt.connectionWaitMs = waitedMs;
    else delete this.attempt.connectionWaitMs;
  }

  head({ status, headers: raw, statusText }: HttpHead): void {
    const { attempt, req } = this;
    const h = redactHeaders(raw);
    if (REDIRECT_STATUSES.has(status)) {
      const location = typeof raw.location === 'string' ? raw.location : undefined;
      this.nextHop = this.redirectTarget(status, location);
      if (this.nextHop) {
        this.hangUp(); // the redirect's own body is not needed
        return;
      }
    }
    attempt.headersMs = req.since();
    attempt.status = status;
    attempt.protocol = responseProtocol(statusText, req.options.http2);
    attempt.headers = h;
    req.emit?.({ kind: 'head', attempt: req.attempt, status, headers: h, protocol: attempt.protocol });
    if (status === 200 && isEventStream(h['content-type'])) {
      this.reader = new SseReader({ maxBufferSize: req.options.maxEventBytes, previewChars: req.options.previewChars });
      const inflater = (this.inflater = decompressor(h['content-encoding']));
      inflater?.on('data', (bytes: Buffer) => this.onBytes(bytes, req.since()));
      inflater?.on('error', (err: Error) => {
        attempt.error = toNetError(err);
        this.stop('error');
      });
    } else {
      this.preview = []; // not a stream (404 detail, proxy page, JSON, a redirect not followed...): it may never end
    }
  }

  data(chunk: Buffer): void {
    if (this.nextHop) return;
    const { attempt, req } = this;
    const atMs = req.since();
    if (attempt.firstByteMs === undefined) {
      attempt.firstByteMs = atMs;
      req.emit?.({ kind: 'first-byte', attempt: req.attempt });
    }
    attempt.lastByteMs = atMs;
    attempt.bytes += chunk.length;
    if (this.preview) {
      this.preview.push(chunk);
      this.previewBytes += chunk.length;
      if (this.previewBytes >= PREVIEW_BYTES) this.stop('rejected');
      return;
    }
    attempt.reads++;
    if (this.inflater) this.inflater.write(chunk);
    else this.onBytes(chunk, atMs);
  }

  end(): void {
    if (this.nextHop && !this.stopReason) return this.follow(this.nextHop);
    if (this.preview) return this.finish('rejected');
    if (this.stopReason) return this.finish(this.stopReason);
    if (!this.inflater) return this.endOfStream();
    this.inflater.once('end', () => this.endOfStream());
    this.inflater.end();
  }

  error(err: Error): void {
    if (this.stopReason) return this.finish(this.stopReason);
    if (this.nextHop) return this.follow(this.nextHop);
    this.attempt.error = toNetError(err);
    this.finish('error');
  }
}

/** Timer callbacks take the watch as an argument: no closure per stream. */
function stopObserving(w: StreamWatch): void {
  w.stop('observe');
}
/** The drain after the terminal event is over: hang up. */
function abortDrained(w: StreamWatch): void {
  w.hangUp();
}
