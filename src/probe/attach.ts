/**
 * One GET of the stream endpoint: records status, headers and the arrival time and read index
 * of every event and comment, and closes the stream itself at the terminal event, when only
 * heartbeats keep coming, or when the observation window ends.
 */
import type { Transform } from 'node:stream';
import { createBrotliDecompress, createGunzip, createInflate } from 'node:zlib';
import type { Dispatcher } from 'undici';
import type { AttemptEnd, StreamAttempt } from '../model.js';
import { isEventStream } from '../wire.js';
import { followingRedirects } from './dispatcher.js';
import { abortReason, dispatch, type HttpCall } from './http.js';
import { toNetError } from './net-error.js';
import type { ProbeOptions } from './options.js';
import { redactHeaders, redactUrl } from './redact.js';
import { SseReader, type ReadResult } from './sse-reader.js';

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
  attempt: number;
  /** End of the observation window, ms since T0. */
  deadlineMs: number;
  dispatcher: Dispatcher;
  /** Clock: ms since T0. */
  since: () => number;
  options: Pick<
    ProbeOptions,
    'headers' | 'terminalEvent' | 'heartbeatEvents' | 'idleHeartbeats' | 'maxEventBytes' | 'maxRecords' | 'previewChars' | 'signal' | 'compressed'
  >;
}

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
  const attempt: StreamAttempt = {
    attempt: req.attempt,
    url: redactUrl(req.url),
    requestedMs: since(),
    reads: 0,
    bytes: 0,
    records: [],
    recordsDropped: 0,
    counts: {},
    warnings: [],
  };
  if (options.signal?.aborted) return Promise.resolve({ ...attempt, end: 'interrupted' });

  return new Promise((resolve) => {
    let stopReason: AttemptEnd | undefined;
    let reader: SseReader | undefined;
    let preview: Buffer[] | undefined; // set when the answer is not a stream: keep a little, then hang up
    let previewBytes = 0;
    let idleHeartbeats = 0;
    let drain: NodeJS.Timeout | undefined;
    let inflater: Transform | undefined; // set when the stream came compressed (--compressed)
    const heartbeats = new Set(options.heartbeatEvents);

    /** Records why the attempt ends; `abort` also tears the request down now. */
    const stop = (reason: AttemptEnd, abort = true): void => {
      stopReason ??= reason;
      if (abort) call.abort(STOPPED);
    };
    const onOuterAbort = (): void => {
      stopReason ??= 'interrupted';
      call.abort(abortReason(options.signal));
    };
    const observe = setTimeout(() => stop('observe'), Math.max(0, req.deadlineMs - since()));
    let finished = false;
    const finish = (end: AttemptEnd): void => {
      if (finished) return;
      finished = true;
      clearTimeout(observe);
      clearTimeout(drain);
      inflater?.destroy();
      options.signal?.removeEventListener('abort', onOuterAbort);
      if (preview) attempt.bodyPreview = Buffer.concat(preview).toString('utf8').slice(0, PREVIEW_BYTES);
      attempt.endMs ??= since();
      attempt.end = end;
      resolve(attempt);
    };

    /** Takes what one read completed; returns how the attempt ends, if it does. */
    const take = (result: ReadResult, atMs: number, read: number): AttemptEnd | undefined => {
      if (result.retryMs !== undefined) attempt.retryMs = result.retryMs;
      for (const w of result.warnings) if (attempt.warnings.length < 20) attempt.warnings.push(w);
      let end: AttemptEnd | undefined;
      for (const r of result.records) {
        attempt.counts[r.type] = (attempt.counts[r.type] ?? 0) + 1;
        if (attempt.records.length < options.maxRecords) {
          r.atMs = atMs;
          r.read = read;
          attempt.records.push(r);
        } else attempt.recordsDropped++;
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

    const call: HttpCall = dispatch(
      followingRedirects(req.dispatcher),
      req.url,
      {
        method: 'GET',
        headers: {
          accept: 'text/event-stream',
          'cache-control': 'no-cache',
          // Identity by default: compression would hide the stream's own timing. --compressed asks as a browser does.
          'accept-encoding': options.compressed ? 'gzip, deflate, br' : 'identity',
          ...options.headers,
        },
      },
      {
        head({ status, headers }) {
          attempt.headersMs = since();
          attempt.status = status;
          attempt.headers = redactHeaders(headers);
          if (status === 200 && isEventStream(attempt.headers['content-type'])) {
            reader = new SseReader({ maxBufferSize: options.maxEventBytes, previewChars: options.previewChars });
            inflater = decompressor(attempt.headers['content-encoding']);
            inflater?.on('data', (bytes: Buffer) => onBytes(bytes, since()));
            inflater?.on('error', (err: Error) => {
              attempt.error = toNetError(err);
              stop('error');
            });
          } else {
            preview = []; // not a stream (404 detail, proxy page, JSON...): it may itself never end
          }
        },
        data(chunk) {
          const atMs = since();
          attempt.firstByteMs ??= atMs;
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
          if (preview) return finish('rejected');
          if (stopReason) return finish(stopReason);
          if (!inflater) return endOfStream();
          inflater.once('end', endOfStream);
          inflater.end();
        },
        error(err) {
          if (stopReason) return finish(stopReason);
          attempt.error = toNetError(err);
          finish('error');
        },
      },
    );
    options.signal?.addEventListener('abort', onOuterAbort, { once: true });
  });
}
