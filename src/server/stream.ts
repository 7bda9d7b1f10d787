/**
 * `GET /api/streams/{id}`: the decision-set lookup (single / fixed / window), then an SSE
 * response framed as sse-starlette frames it: CRLF lines, `: ping - <utc>` comments every
 * ping interval, a `heartbeat` event after each idle heartbeat interval, history replay, and a
 * stream that stays open after workflow-complete.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { createGzip } from 'node:zlib';
import type { Logger } from './log.js';
import type { ServerOptions } from './options.js';
import { pythonIsoNow, pythonStrNow } from './python-format.js';
import type { Scheduler, Task } from './scheduler.js';
import { encodeEvent, REPLAY_COUNT, type DecisionSet, type Frame, type Store, type Subscriber } from './store.js';

export interface StreamContext {
  options: ServerOptions;
  scheduler: Scheduler;
  store: Store;
  log: Logger;
}

/** Documented response headers carrying the server's own lookup figures, on 200 and on 404. */
export const LOOKUP_ATTEMPTS_HEADER = 'x-lookup-attempts';
export const LOOKUP_WAIT_HEADER = 'x-lookup-wait-ms';

/** A client this far behind is dropped rather than buffered without bound. */
const MAX_BUFFERED_BYTES = 1024 * 1024;

/** Serves one stream request; `replay` is the parsed `?replay=` flag. */
export function serveStream(
  ctx: StreamContext,
  req: IncomingMessage,
  res: ServerResponse,
  id: string,
  replay: boolean,
): void {
  const { options, scheduler, store, log } = ctx;
  log.log('INFO', `SSE connection established for decision_set_id: ${id}`);
  const startedMs = scheduler.now();
  let lookups = 0;
  let pending: Task | undefined;
  req.once('close', () => scheduler.cancel(pending));

  const lookupHeaders = (): Record<string, string> => ({
    [LOOKUP_ATTEMPTS_HEADER]: String(lookups),
    [LOOKUP_WAIT_HEADER]: (scheduler.now() - startedMs).toFixed(1),
  });

  const attempt = (): void => {
    pending = undefined;
    if (res.destroyed) return;
    lookups++;
    const ds = store.lookup(id, scheduler.now());
    if (ds) return openStream(ctx, req, res, ds, replay, lookups - 1, startedMs, lookupHeaders());
    const misses = lookups;
    const waitedMs = scheduler.now() - startedMs;
    const exhausted =
      options.lookup === 'single' ||
      (options.lookup === 'fixed' && misses > options.fixedRetries) ||
      (options.lookup === 'window' && waitedMs >= options.maxWaitMs);
    if (!exhausted) {
      pending = scheduler.after(options.retryDelayMs, attempt);
      return;
    }
    if (options.lookup === 'single') {
      log.log('WARNING', `Decision set not found: ${id}`);
    } else {
      log.log('WARNING', 'Decision set not found after waiting', {
        decision_set_id: id,
        attempts: misses,
        wait_seconds: round3(waitedMs / 1000),
      });
    }
    sendJson(res, 404, { detail: 'Decision set not found' }, lookupHeaders());
  };
  attempt();
}

function openStream(
  ctx: StreamContext,
  req: IncomingMessage,
  res: ServerResponse,
  ds: DecisionSet,
  replay: boolean,
  misses: number,
  startedMs: number,
  lookupHeaders: Record<string, string>,
): void {
  const { options, scheduler, log } = ctx;
  const { faults } = options;
  if (misses > 0) {
    log.log('INFO', 'Decision set lookup succeeded after retries', {
      decision_set_id: ds.id,
      attempts: misses,
      wait_seconds: round3((scheduler.now() - startedMs) / 1000),
    });
  }
  // The compression fault: gzip middleware that never flushes, so frames wait for a full block.
  const gzip = faults.compress && /\bgzip\b/.test(String(req.headers['accept-encoding'] ?? '')) ? createGzip() : undefined;
  res.writeHead(200, {
    'cache-control': 'no-cache',
    connection: 'keep-alive',
    'x-accel-buffering': 'no',
    'content-type': faults.contentType ?? 'text/event-stream; charset=utf-8',
    ...(gzip ? { 'content-encoding': 'gzip' } : {}),
    ...lookupHeaders,
  });
  gzip?.pipe(res);
  const body = gzip ?? res;
  // Without a flush Node sends the head with the first body write: exactly the held-headers fault.
  if (!faults.holdHeaders) res.flushHeaders();

  let yielded = 0;
  let frames = 0;
  let lastFrameMs = scheduler.now();
  let pingTask: Task | undefined;
  let heartbeatTask: Task | undefined;
  let closed = false;

  const stop = (): void => {
    if (closed) return;
    closed = true;
    ds.subscribers.delete(subscriber);
    scheduler.cancel(pingTask);
    scheduler.cancel(heartbeatTask);
  };
  const write = (text: string): void => {
    if (closed || res.destroyed) return stop();
    // Bytes queued for this client: in the socket's buffer and, with compression, in gzip's input.
    if (res.writableLength + (gzip?.writableLength ?? 0) > MAX_BUFFERED_BYTES) {
      res.destroy(); // slow consumer: bounded memory beats an unbounded queue
      return stop();
    }
    body.write(text);
  };
  const sendFrame = (frame: Frame): void => {
    if (closed) return;
    yielded++;
    if (log.enabled('INFO')) {
      log.log('INFO', `SSE yielding event #${yielded}: StreamEventType.${frame.type.toUpperCase().replace(/-/g, '_')}`);
    }
    write(frame.text);
    lastFrameMs = scheduler.now();
    frames++;
    if (options.endOnComplete && frame.type === 'workflow-complete') {
      stop();
      body.end();
    } else if (faults.closeAfter !== undefined && frames >= faults.closeAfter) {
      stop();
      if (faults.closeAbruptly) res.destroy();
      else body.end();
    }
  };
  const subscriber: Subscriber = { deliver: sendFrame };

  // Heartbeat: the origin's wait_for(queue.get(), 30) restarts after every delivered event.
  const checkHeartbeat = (): void => {
    const idleFor = scheduler.now() - lastFrameMs;
    if (idleFor + 1 >= options.heartbeatIntervalMs) {
      sendFrame(encodeEvent('heartbeat', ds.id, { timestamp: pythonIsoNow() }));
    }
    if (!closed) heartbeatTask = scheduler.after(lastFrameMs + options.heartbeatIntervalMs - scheduler.now(), checkHeartbeat);
  };
  const ping = (): void => {
    write(`: ping - ${pythonStrNow()}\r\n\r\n`);
    if (!closed) pingTask = scheduler.after(options.pingIntervalMs, ping);
  };

  req.once('close', stop);
  res.once('close', stop);
  ds.subscribers.add(subscriber); // subscribe before replay, so nothing falls into the gap
  if (replay && ds.history.length > 0) {
    res.cork(); // one write for the whole replay instead of one per frame
    for (const frame of ds.history.slice(-REPLAY_COUNT)) sendFrame(frame);
    process.nextTick(() => res.uncork());
  }
  if (closed) return;
  pingTask = scheduler.after(options.pingIntervalMs, ping);
  heartbeatTask = scheduler.after(options.heartbeatIntervalMs, checkHeartbeat);
}

/** FastAPI's JSONResponse: compact separators, `application/json`. */
export function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    'content-type': 'application/json',
    'content-length': String(Buffer.byteLength(text)),
    ...headers,
  });
  res.end(text);
}

function round3(x: number): number {
  return Math.round(x * 1000) / 1000;
}
