/**
 * A reconnect storm in a load (`load --storm-at D [--storm-jitter J]`): at D after the load began,
 * every stream that is open is cut by its client at the same instant, as a proxy restart or a
 * deploy cuts them, and each reconnects as its client does (browser: the server's `retry:` or 3 s;
 * origin hook and default client: `--retry-delay`), lengthened by a uniform random share of J when
 * J is given. Each generator thread (`--workers`) fires its own storm at D after its own start and
 * cuts its own streams; the counts are plain sums, so threads and result files merge exactly.
 *
 * What the server did under it, per cut stream: how the first request after the cut was answered,
 * whether a stream came back, cut → reconnect request, cut → stream head, cut → first meaningful event,
 * and the events the reopened stream repeated (replayed history). The per-run part is pure.
 */
import type { ReconnectDamage } from '../classify/reconnect-damage.js';
import type { StreamAttempt, Transcript } from '../model.js';
import type { ProbeOptions, StormTrigger } from '../probe/options.js';
import { isEventStream } from '../wire.js';

/** When the storm fires and how the reconnects spread (serialisable: crosses to generator threads). */
export interface StormPlan {
  /** Time after the load (each generator thread) began, ms. */
  atMs: number;
  /** Widest extra wait added to each cut stream's reconnect delay, uniform random, ms; 0 = all at once. */
  jitterMs: number;
}

/** How the first request after the cut was answered. */
export type StormReply = 'opened' | 'not-found' | 'server-error' | 'timeout' | 'failed' | 'none';

/** Reply kinds in report order. */
export const STORM_REPLIES: readonly StormReply[] = ['opened', 'not-found', 'server-error', 'timeout', 'failed', 'none'];

/** One cut stream's storm, as `stormRun` reads it off the transcript. Times in ms from the cut. */
export interface StormRun {
  reply: StormReply;
  /** A stream opened again after the cut (on the first request or a later one). */
  reopened: boolean;
  /** Cut → the first request after it was sent (the client's delay plus any jitter). */
  reconnectMs?: number;
  /** Cut → the head of the stream that reopened. */
  backMs?: number;
  /** Cut → the first meaningful event (not a comment or heartbeat) after it. */
  firstEventMs?: number;
  /** Events the reopened stream delivered again (already seen before the cut). */
  duplicated: number;
}

/** The storm's counts over a load; every figure is a number of streams, threads or events. */
export interface StormCounts extends StormPlan {
  /** Generator threads whose storm fired (a load that ended before `atMs` fired none). */
  fired: number;
  /** Streams open at the storm, and so cut. */
  cut: number;
  /** How the first request after each cut was answered. */
  replies: Partial<Record<StormReply, number>>;
  /** Cut streams that opened again. */
  reopened: number;
  /** Reopened streams that repeated events, and the events repeated in all. */
  withDuplicates: number;
  duplicated: number;
}

/** Empty counts for a plan. */
export function emptyStormCounts(plan: StormPlan): StormCounts {
  return { atMs: plan.atMs, jitterMs: plan.jitterMs, fired: 0, cut: 0, replies: {}, reopened: 0, withDuplicates: 0, duplicated: 0 };
}

/** Counts one cut stream into `c`. */
export function addStormRun(c: StormCounts, r: StormRun): void {
  c.cut++;
  c.replies[r.reply] = (c.replies[r.reply] ?? 0) + 1;
  if (r.reopened) c.reopened++;
  if (r.duplicated > 0) c.withDuplicates++;
  c.duplicated += r.duplicated;
}

/** Adds `from` into `into` (generator threads, result files); the plan is the first one's. */
export function mergeStormCounts(into: StormCounts, from: StormCounts): void {
  into.fired += from.fired;
  into.cut += from.cut;
  for (const [k, n] of Object.entries(from.replies) as [StormReply, number][]) into.replies[k] = (into.replies[k] ?? 0) + n;
  into.reopened += from.reopened;
  into.withDuplicates += from.withDuplicates;
  into.duplicated += from.duplicated;
}

/** Undici's codes for a connect or head that took longer than `--timeout`. */
const TIMEOUT_CODES = new Set(['UND_ERR_HEADERS_TIMEOUT', 'UND_ERR_CONNECT_TIMEOUT', 'ETIMEDOUT']);

const opened = (a: StreamAttempt): boolean => a.status === 200 && isEventStream(a.headers?.['content-type']);

/** How one stream request was answered, as a storm reply. */
export function stormReply(a: StreamAttempt | undefined): StormReply {
  if (!a) return 'none';
  if (opened(a)) return 'opened';
  if (a.status === 404) return 'not-found';
  if (a.status !== undefined && a.status >= 500) return 'server-error';
  if (a.status === undefined && a.error && a.error.codes.some((c) => TIMEOUT_CODES.has(c))) return 'timeout';
  return 'failed';
}

/**
 * The storm as one run met it; undefined when the storm cut none of its streams. `damage` is the
 * run's reconnect damage (its step for the reopened request gives the duplicates).
 */
export function stormRun(t: Transcript, damage: ReconnectDamage | undefined): StormRun | undefined {
  const cut = t.session?.storm;
  if (!cut) return undefined;
  const after = t.attempts.filter((a) => a.attempt > cut.attempt);
  const back = after.find(opened);
  const quiet = new Set(t.heartbeatEvents);
  const first = after.flatMap((a) => a.records).find((r) => r.kind === 'event' && !quiet.has(r.type));
  const since = (ms: number | undefined): number | undefined => (ms === undefined ? undefined : Math.max(0, ms - cut.atMs));
  const run: StormRun = { reply: stormReply(after[0]), reopened: back !== undefined, duplicated: 0 };
  const reconnectMs = since(after[0]?.requestedMs);
  const backMs = since(back?.headersMs);
  const firstEventMs = since(first?.atMs);
  if (reconnectMs !== undefined) run.reconnectMs = reconnectMs;
  if (backMs !== undefined) run.backMs = backMs;
  if (firstEventMs !== undefined) run.firstEventMs = firstEventMs;
  if (back) run.duplicated = damage?.steps.find((s) => s.attempt === back.attempt)?.duplicated ?? 0;
  return run;
}

/** A storm armed in one generator thread: hand `probeOptions` to every run, `stop()` at the end. */
export interface ArmedStorm {
  probeOptions: Pick<ProbeOptions, 'storm'>;
  stop(): void;
}

/**
 * Arms the storm `plan.atMs` after the load began (`elapsed()`: ms since then). When it fires, the
 * thread's `fired` count goes up in `counts` and every run's open stream is cut (browser-client.ts),
 * all in one tick: the cuts are simultaneous to the event loop's resolution.
 */
export function armStorm(plan: StormPlan, elapsed: () => number, counts: StormCounts): ArmedStorm {
  const subscribers = new Set<() => void>();
  let fired = false;
  const timer = setTimeout(() => {
    fired = true;
    counts.fired++;
    for (const cut of [...subscribers]) cut();
    subscribers.clear();
  }, Math.max(0, plan.atMs - elapsed()));
  const trigger: StormTrigger = {
    get fired() {
      return fired;
    },
    on(cut) {
      subscribers.add(cut);
      return () => subscribers.delete(cut);
    },
    jitterMs: plan.jitterMs,
  };
  return { probeOptions: { storm: trigger }, stop: () => clearTimeout(timer) };
}
