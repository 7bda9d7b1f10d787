/**
 * One GET of the stream endpoint: records status, headers and the arrival time and read index
 * of every event and comment, and closes the stream itself at the terminal event, when only
 * heartbeats keep coming, or when the observation window ends.
 */
import { request, type Dispatcher } from 'undici';
import type { AttemptEnd, StreamAttempt } from '../model.js';
import { isEventStream } from '../wire.js';
import { toNetError } from './net-error.js';
import type { ProbeOptions } from './options.js';
import { redactHeaders, redactUrl } from './redact.js';
import { SseReader } from './sse-reader.js';

const PREVIEW_BYTES = 2048;

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
    'headers' | 'terminalEvent' | 'heartbeatEvents' | 'idleHeartbeats' | 'maxEventBytes' | 'maxRecords' | 'previewChars' | 'signal'
  >;
}

/** Opens the stream and watches it; never throws for transport or HTTP failures. */
export async function attach(req: AttachRequest): Promise<StreamAttempt> {
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
  const stopper = new AbortController();
  let stopReason: AttemptEnd | undefined;
  const stop = (reason: AttemptEnd): void => {
    stopReason ??= reason;
    stopper.abort();
  };
  const onOuterAbort = (): void => stop('interrupted');
  if (options.signal?.aborted) return { ...attempt, end: 'interrupted' };
  options.signal?.addEventListener('abort', onOuterAbort, { once: true });
  const observe = setTimeout(() => stop('observe'), Math.max(0, req.deadlineMs - since()));

  try {
    const res = await request(req.url, {
      method: 'GET',
      headers: {
        accept: 'text/event-stream',
        'cache-control': 'no-cache',
        'accept-encoding': 'identity', // compression would hide the stream's timing
        ...options.headers,
      },
      dispatcher: req.dispatcher,
      signal: stopper.signal,
    });
    attempt.headersMs = since();
    attempt.status = res.statusCode;
    attempt.headers = redactHeaders(res.headers);
    if (res.statusCode !== 200 || !isEventStream(attempt.headers['content-type'])) {
      attempt.bodyPreview = await readPreview(res.body, PREVIEW_BYTES);
      attempt.endMs = since();
      attempt.end = 'rejected';
      return attempt;
    }
    const end = await watch(res.body, attempt, req, stop);
    attempt.end = stopReason ?? end;
  } catch (err) {
    if (stopReason) attempt.end = stopReason;
    else {
      attempt.end = 'error';
      attempt.error = toNetError(err);
    }
  } finally {
    clearTimeout(observe);
    options.signal?.removeEventListener('abort', onOuterAbort);
  }
  attempt.endMs ??= since();
  return attempt;
}

/** Reads the SSE body until it ends or `stop` is called; returns how it ended on its own. */
async function watch(
  body: AsyncIterable<Uint8Array> & { destroy(): unknown },
  attempt: StreamAttempt,
  req: AttachRequest,
  stop: (reason: AttemptEnd) => void,
): Promise<AttemptEnd> {
  const { options, since } = req;
  const reader = new SseReader({ maxBufferSize: options.maxEventBytes, previewChars: options.previewChars });
  const heartbeats = new Set(options.heartbeatEvents);
  let idleHeartbeats = 0;
  const take = (result: ReturnType<SseReader['feed']>, atMs: number, read: number): AttemptEnd | undefined => {
    if (result.retryMs !== undefined) attempt.retryMs = result.retryMs;
    for (const w of result.warnings) if (attempt.warnings.length < 20) attempt.warnings.push(w);
    let end: AttemptEnd | undefined;
    for (const r of result.records) {
      attempt.counts[r.type] = (attempt.counts[r.type] ?? 0) + 1;
      if (attempt.records.length < options.maxRecords) attempt.records.push({ ...r, atMs, read });
      else attempt.recordsDropped++;
      if (r.kind !== 'event' || end) continue;
      if (r.type === options.terminalEvent) end = 'terminal';
      else if (!heartbeats.has(r.type)) idleHeartbeats = 0;
      else if (++idleHeartbeats >= options.idleHeartbeats) end = 'idle';
    }
    return result.oversized ? 'oversized' : end;
  };

  for await (const chunk of body) {
    const atMs = since();
    attempt.firstByteMs ??= atMs;
    attempt.bytes += chunk.length;
    const end = take(reader.feed(chunk), atMs, attempt.reads++);
    if (end) {
      attempt.endMs = atMs;
      stop(end);
      body.destroy();
      return end;
    }
  }
  const last = reader.end();
  take(last, since(), attempt.reads);
  if (last.pendingChars > 0) attempt.pendingBytes = last.pendingChars;
  return 'eof';
}

async function readPreview(body: AsyncIterable<Uint8Array> & { destroy(): unknown }, limit: number): Promise<string> {
  // A wrong-content-type answer may itself be an endless stream: read a preview, then hang up.
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of body) {
    chunks.push(Buffer.from(chunk));
    size += chunk.length;
    if (size >= limit) {
      body.destroy();
      break;
    }
  }
  return Buffer.concat(chunks).toString('utf8').slice(0, limit);
}
