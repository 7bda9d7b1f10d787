/**
 * The stream requests of a run made as a browser page makes them (`--client browser`), and the
 * resume check (`--cut-after N`). An EventSource (WHATWG HTML §9.2.2-9.2.4, sse-conformance.md §1):
 * - reestablishes the connection when an open stream ends or breaks, or a request fails before a head:
 *   it waits the reconnection time (the server's last `retry:`, else a browser default) and sends
 *   `Last-Event-ID` with the last event ID string when that is not empty;
 * - fails the connection (no reconnect) on a 204, any other non-200, or a non-event-stream answer.
 * On top, the origin frontend's hook (origin-protocol.md §5) retries a failed connection after its fixed
 * `reconnectDelay` (`--attempts`/`--retry-delay`, here for decision-set 404s only, as the default client), and
 * asks `replay=0` once a stream has opened: a stream path carrying `replay=` gets `replay=0` on every later request.
 *
 * `--client origin` is that hook alone, for the origin's own server (which sends no `retry:` and no ids, so
 * the hook's 2.5 s always beats the browser's 3 s): every onerror — a stream that ended or broke, any
 * failed request (204 and 500 too), and a server `event: error`, which browsers deliver to onerror — opens a
 * new EventSource after `--retry-delay`, `--attempts` times in a row at most (every open resets the count).
 * A new EventSource sends no Last-Event-ID. After an `event: error` the old stream stays open until then.
 *
 * `--cut-after N` closes the connection right after the N-th meaningful event (events the same network
 * read carried after it are dropped, as from a page that closed its EventSource there), once per run.
 * With the default client, `--cut-after` reconnects once after the cut, after `--retry-delay` and without
 * `Last-Event-ID`: what the origin hook's onerror does (it opens a new EventSource, which carries no id).
 *
 * A load's reconnect storm (`--storm-at`, src/load/storm.ts) cuts the stream that is open (a 200
 * event-stream head came) when the storm fires, once per run, as a proxy restart would; the client
 * then reconnects as after any cut, its delay lengthened by a uniform random share of `--storm-jitter`.
 * A request still waiting for its head, or a run between requests, is left alone.
 */
import type { Dispatcher } from 'undici';
import type { AttemptReconnect, SessionStop, StreamAttempt, StreamRecord, StreamSession } from '../model.js';
import { isEventStream, isRoutingNotFound } from '../wire.js';
import { attach } from './attach.js';
import { DEFAULT_MAX_RECONNECTS, type ProbeOptions } from './options.js';
import type { StepInput } from './steps.js';
import { followAbort, sleep } from './sleep.js';

/**
 * Reconnection time before a server sends `retry:`, ms. The spec leaves it to the user agent ("a few
 * seconds"); Chromium and Safari use 3 s (Firefox 5 s), so a browser client models Chromium.
 */
export const BROWSER_DEFAULT_RETRY_MS = 3000;

/** Abort reasons for the deliberate closes: told apart from the caller's own abort. */
const CUT = Object.assign(new Error('stream cut by ssedoctor (--cut-after)'), { code: 'SSEDOCTOR_CUT' });
const HOOK_CLOSE = Object.assign(new Error('stream closed as the origin hook does after an event: error'), { code: 'SSEDOCTOR_HOOK_CLOSE' });
const STORM = Object.assign(new Error('stream cut by ssedoctor (--storm-at)'), { code: 'SSEDOCTOR_STORM' });

export interface SessionRequest {
  /** The stream URL as the path template gives it (first request). */
  url: string;
  /** End of the observation window, ms since T0. */
  deadlineMs: number;
  dispatcher: Dispatcher;
  /** Clock: ms since T0. */
  since: () => number;
  options: ProbeOptions;
  acceptEncoding: string;
  emit?: ((step: StepInput) => void) | undefined;
}

/**
 * Runs the stream requests of one run, pushing each attempt onto `attempts` as it ends (so an
 * interrupted run keeps what it saw); returns how the session went. Never rejects for anything
 * the target does.
 */
export async function runStreamSession(req: SessionRequest, attempts: StreamAttempt[]): Promise<StreamSession> {
  const { options, since } = req;
  const browser = options.client === 'browser';
  const hook = options.client === 'origin';
  const maxReconnects = options.maxReconnects ?? DEFAULT_MAX_RECONNECTS;
  const defaultRetryMs = options.reconnectTimeMs ?? BROWSER_DEFAULT_RETRY_MS;
  const heartbeats = new Set(options.heartbeatEvents);
  let reconnects = 0;
  let failures = 0; // the hook's count of errors in a row (default and browser clients: decision-set 404s), reset by every open
  let opened = false;
  let lastEventId = '';
  let retryMs: number | undefined;
  let cut: StreamSession['cut'];
  let storm: StreamSession['storm'];
  let next: AttemptReconnect | undefined; // how the coming request follows the last one

  const stopWith = (stoppedBy: SessionStop): StreamSession => ({
    client: browser ? 'browser' : hook ? 'origin' : 'probe',
    reconnects,
    maxReconnects,
    stoppedBy,
    ...(cut ? { cut } : {}),
    ...(storm ? { storm } : {}),
  });

  for (let n = 1; ; n++) {
    const replayOff = opened && hasReplay(req.url);
    const url = replayOff ? withReplayOff(req.url) : req.url;
    const sendId = browser && next?.reason === 'reconnect' && lastEventId !== '';
    const headers = sendId ? { ...options.headers, 'last-event-id': lastEventId } : options.headers;
    // The cut is armed on one stream only, the first one to deliver N meaningful events; the origin
    // hook may close any stream (after an event: error).
    const stormArmed = options.storm !== undefined && !storm && !options.storm.fired;
    const cutter = (options.cutAfter !== undefined && !cut) || hook || stormArmed ? new AbortController() : undefined;
    let hookClose: NodeJS.Timeout | undefined;
    const unlink = cutter ? followAbort(options.signal, cutter) : undefined;
    const signal = cutter ? cutter.signal : options.signal;
    let meaningful = 0;
    let pendingCut: StreamSession['cut'];
    let lastKept: StreamRecord | undefined; // the N-th meaningful event: the page saw nothing after it
    let headOpen = false; // a 200 event-stream head came: the storm cuts only open streams
    let pendingStorm: StreamSession['storm'];
    const onStorm = (): void => {
      if (!headOpen || !cutter || cutter.signal.aborted) return;
      pendingStorm = { attempt: n, atMs: since() };
      cutter.abort(STORM);
    };
    const unsubscribe = stormArmed ? options.storm!.on(onStorm) : undefined;
    const cutNow = (): boolean => cutter?.signal.aborted === true && !options.signal?.aborted;
    const emit = (step: StepInput): void => {
      if (lastKept && step.kind === 'record') return; // parsed from the same read, after the cut
      if (step.kind === 'head') headOpen = step.status === 200 && isEventStream(step.headers['content-type']);
      // The live output says what happened: the client cut the stream, nobody interrupted it.
      req.emit?.(step.kind === 'end' && step.end === 'interrupted' && cutNow() ? { ...step, end: 'cut' } : step);
      if (hook && cutter && !hookClose && step.kind === 'record' && step.record.kind === 'event' && step.record.type === 'error') {
        // Browsers hand a named `error` event to onerror: the hook reconnects after its delay, the stream open meanwhile.
        hookClose = setTimeout(() => cutter.abort(HOOK_CLOSE), options.retryDelayMs);
      }
      if (cutter && !cut && options.cutAfter !== undefined && step.kind === 'record' && step.record.kind === 'event' && !heartbeats.has(step.record.type) && step.record.type !== options.terminalEvent) {
        if (++meaningful === options.cutAfter) {
          pendingCut = { afterEvents: meaningful, attempt: n, atMs: since() };
          lastKept = step.record;
          cutter.abort(CUT);
        }
      }
    };
    const a = await attach({
      url,
      attempt: n,
      deadlineMs: req.deadlineMs,
      dispatcher: req.dispatcher,
      since,
      options: { ...options, headers, ...(signal ? { signal } : {}) },
      acceptEncoding: req.acceptEncoding,
      emit,
    });
    clearTimeout(hookClose);
    unsubscribe?.();
    unlink?.();
    const closedByHook = cutter?.signal.reason === HOOK_CLOSE;
    const byStorm = cutter?.signal.reason === STORM;
    if (a.end === 'interrupted' && cutNow()) {
      a.end = 'cut';
      if (byStorm) storm = pendingStorm;
      else if (!closedByHook) cut = pendingCut;
      if (lastKept && !byStorm) dropAfter(a, lastKept);
    }
    if (next) a.reconnect = { ...next, ...(sendId ? { lastEventId } : {}), ...(replayOff ? { replayOff } : {}) };
    attempts.push(a);

    // What the EventSource carries over to its next connection: the last event ID and the reconnection time.
    for (const r of a.records) if (r.kind === 'event' && r.id !== undefined) lastEventId = r.id;
    if (a.retryMs !== undefined) retryMs = a.retryMs;

    const open = a.status === 200 && isEventStream(a.headers?.['content-type']);
    if (open) {
      opened = true;
      failures = 0;
    }
    if (options.signal?.aborted || a.end === 'interrupted') return stopWith('interrupted');
    if (a.end === 'terminal') return stopWith('terminal');

    // The client's own limits (heartbeats only, --observe, an oversized event) end the watch for every client.
    if (a.end === 'idle' || a.end === 'observe' || a.end === 'oversized') return stopWith('done');
    let follow: AttemptReconnect;
    const hookDelay = { delayMs: options.retryDelayMs, delaySource: 'retry-delay' } as const;
    if (hook) {
      // Every onerror counts; an open resets the count (so an open stream that ends counts 1).
      if (++failures > options.attempts) return stopWith('attempts');
      follow = closedByHook ? { reason: 'error-event', ...hookDelay } : { reason: open ? 'reconnect' : 'failed-retry', ...hookDelay };
    } else if (a.status === 404 && !isRoutingNotFound(a.status, a.bodyPreview)) {
      // EventSource fails on a 404; the origin hook opens a new one after its fixed delay.
      if (++failures > options.attempts) return stopWith('attempts');
      follow = { reason: 'failed-retry', ...hookDelay };
    } else if (a.status !== undefined && !open) {
      return stopWith('fail'); // 204, another status, a non-event-stream answer: no reconnect
    } else if (a.end === 'cut') {
      follow = browser ? browserDelay(retryMs, defaultRetryMs) : { reason: 'reconnect', ...hookDelay };
    } else if (browser && (a.end === 'eof' || a.end === 'error')) {
      follow = browserDelay(retryMs, defaultRetryMs); // a clean end, a broken stream, or a network error before the head
    } else {
      return stopWith('done'); // the default client's stream ended on its own
    }
    if (byStorm && a.end === 'cut' && options.storm!.jitterMs > 0) {
      // A client that spreads its reconnects (browsers do not): a uniform share of the jitter window.
      const jitterMs = Math.round(Math.random() * options.storm!.jitterMs * 10) / 10;
      follow = { ...follow, delayMs: follow.delayMs + jitterMs, jitterMs };
    }
    if (follow.reason !== 'failed-retry') {
      if (reconnects >= maxReconnects) return stopWith('max-reconnects');
      reconnects++;
    }
    // After an event: error the hook's delay ran while the old stream was still open.
    const waitMs = follow.reason === 'error-event' ? 0 : follow.delayMs;
    if (since() + waitMs >= req.deadlineMs) return stopWith('deadline');
    if (!(await sleep(waitMs, options.signal))) return stopWith('interrupted');
    next = follow;
  }
}

/**
 * Forgets the records parsed after `last` (they came in the same network read as the event that
 * triggered the cut, and the client closed before handling them); their bytes stay counted.
 */
function dropAfter(a: StreamAttempt, last: StreamRecord): void {
  const i = a.records.indexOf(last);
  if (i < 0) return; // past the record cap: counts stay as they are
  for (const r of a.records.splice(i + 1)) a.counts[r.type] = (a.counts[r.type] ?? 1) - 1;
  for (const [type, n] of Object.entries(a.counts)) if (n <= 0) delete a.counts[type];
}

/** The EventSource's wait: the server's last `retry:`, else the browser's own reconnection time. */
function browserDelay(retryMs: number | undefined, defaultMs: number): AttemptReconnect {
  return retryMs !== undefined
    ? { reason: 'reconnect', delayMs: retryMs, delaySource: 'retry' }
    : { reason: 'reconnect', delayMs: defaultMs, delaySource: 'browser-default' };
}

/** True when the URL's query has a `replay` parameter (the origin hook's `?replay=1`). */
export function hasReplay(url: string): boolean {
  return /[?&]replay(=|&|#|$)/.test(url);
}

/** The URL with every `replay` parameter set to 0, the rest of the query left byte for byte. */
export function withReplayOff(url: string): string {
  return url.replace(/([?&]replay)(=[^&#]*)?(?=&|#|$)/g, '$1=0');
}
