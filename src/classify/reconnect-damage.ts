/**
 * What reconnects did to the events a page sees: duplicated, lost and out-of-order events, and,
 * per reconnect, whether the server resumed, replayed or restarted. Pure.
 *
 * The origin sends no ids and replays its history on a reconnect, so events are matched as the
 * origin frontend's hook dedups them (origin-protocol.md §5): type + node + the envelope's
 * `timestamp` when the data is a JSON envelope with one, else type + data. Heartbeats and
 * comments are not events a page keeps, so they are left out.
 */
import type { SessionStop, StreamAttempt, StreamRecord, Transcript } from '../model.js';
import { isEventStream } from '../wire.js';

/** How the server took one reconnect, judged by the first meaningful event after it. */
export type ReconnectVerdict =
  | 'resumed' // the first event was new and not a new workflow-start: the stream went on
  | 'replayed' // the first event had been seen before: history was sent again
  | 'restarted' // the first event was a workflow-start not seen before: a new run
  | 'silent' // the stream opened but no meaningful event came before it ended
  | 'refused'; // no stream: an HTTP answer other than a 200 event stream, or no answer

/** The first meaningful event after a reconnect. */
export interface FirstEvent {
  type: string;
  node: string | null;
  /** Last event ID in force, null without ids. */
  id: string | null;
  /** True when the same event had arrived before the reconnect. */
  seenBefore: boolean;
}

/** One reconnect (a stream request made after an open stream ended, broke or was cut). */
export interface ReconnectStep {
  /** The attempt number of the request that reconnected. */
  attempt: number;
  verdict: ReconnectVerdict;
  /** Its HTTP status, null when no head came. */
  status: number | null;
  /** Pause before the request, ms, and where it came from. */
  delayMs: number;
  delaySource: string;
  /** The Last-Event-ID sent, null when none. */
  lastEventId: string | null;
  /** True when the origin hook reopened the stream because of a server `event: error` (origin client). */
  afterErrorEvent?: boolean;
  /** Events on this stream that had arrived before. */
  duplicated: number;
  /** Events on this stream not seen before. */
  fresh: number;
  firstEvent: FirstEvent | null;
}

/** The deliberate cut (--cut-after) and what the server did with the reconnect after it. */
export interface ResumeCheck {
  cutAfterEvents: number;
  /** When the client dropped the stream, ms since T0. */
  cutAtMs: number;
  /** `none` when no reconnect followed (--max-reconnects 0, or --observe ran out). */
  verdict: ReconnectVerdict | 'none';
  step: ReconnectStep | null;
}

/** The damage across a run's reconnects. */
export interface ReconnectDamage {
  client: 'browser' | 'origin' | 'probe';
  reconnects: number;
  stoppedBy: SessionStop;
  /** Events delivered again after a reconnect (same dedup key as an earlier one). */
  duplicated: number;
  /** Events proven missing: a node-start whose node-complete never came although the terminal event did; a jump in numeric ids at a reconnect. */
  lost: number;
  /** What was lost, in words (`node-complete of planner`, `ids 5-7`). */
  lostWhat: string[];
  /** New events after a reconnect that are older (timestamp, or numeric id) than one already delivered. */
  outOfOrder: number;
  steps: ReconnectStep[];
  resume?: ResumeCheck;
}

interface Keyed {
  key: string;
  /** Envelope timestamp as epoch ms, when it parses. */
  ts?: number;
  /** The event id as an integer, when it is one. */
  num?: number;
}

/** Damage across the reconnects of a run; undefined when the run used neither the browser client nor --cut-after. */
export function reconnectDamage(t: Transcript): ReconnectDamage | undefined {
  const s = t.session;
  if (!s) return undefined;
  const quiet = new Set(t.heartbeatEvents);
  const meaningful = (r: StreamRecord): boolean => r.kind === 'event' && !quiet.has(r.type);
  const seen = new Set<string>();
  const started = new Map<string, boolean>(); // node → completed?
  let maxTs = -Infinity;
  let maxNum: number | undefined;
  let duplicated = 0;
  let outOfOrder = 0;
  const lostWhat: string[] = [];
  const steps: ReconnectStep[] = [];
  let terminal = false;

  for (const a of t.attempts) {
    const after = a.reconnect !== undefined && a.reconnect.reason !== 'failed-retry';
    let dups = 0;
    let fresh = 0;
    let first: FirstEvent | null = null;
    let boundary = after; // the next fresh event is the first one after this reconnect
    for (const r of a.records) {
      if (!meaningful(r)) continue;
      const k = keyOf(r);
      const dup = seen.has(k.key);
      if (after && first === null) first = { type: r.type, node: r.node ?? null, id: r.id ?? null, seenBefore: dup };
      if (r.type === t.terminalEvent) terminal = true;
      if (dup) {
        if (after) dups++;
        continue;
      }
      seen.add(k.key);
      if (after) fresh++;
      if (after && ((k.ts !== undefined && k.ts < maxTs) || (k.num !== undefined && maxNum !== undefined && k.num < maxNum))) outOfOrder++;
      // Consecutive integer ids that jump at a reconnect prove the events in between never came.
      if (boundary && k.num !== undefined && maxNum !== undefined && k.num > maxNum + 1) {
        lostWhat.push(k.num - maxNum === 2 ? `id ${maxNum + 1}` : `ids ${maxNum + 1}-${k.num - 1}`);
      }
      boundary = false;
      if (k.ts !== undefined) maxTs = Math.max(maxTs, k.ts);
      if (k.num !== undefined) maxNum = Math.max(maxNum ?? k.num, k.num);
      if (r.node !== undefined && r.type === 'node-start' && !started.has(r.node)) started.set(r.node, false);
      if (r.node !== undefined && r.type === 'node-complete') started.set(r.node, true);
    }
    duplicated += dups;
    if (after) steps.push(stepOf(a, dups, fresh, first));
  }
  // Only a finished run proves a node-complete missing: a run cut short may still be on that node.
  if (terminal && s.reconnects > 0) {
    for (const [node, done] of started) if (!done) lostWhat.push(`node-complete of ${node}`);
  }
  const lost = lostWhat.reduce((n, w) => n + lostCount(w), 0);
  const damage: ReconnectDamage = { client: s.client, reconnects: s.reconnects, stoppedBy: s.stoppedBy, duplicated, lost, lostWhat, outOfOrder, steps };
  if (s.cut) {
    const step = steps.find((x) => x.attempt > s.cut!.attempt) ?? null;
    damage.resume = { cutAfterEvents: s.cut.afterEvents, cutAtMs: s.cut.atMs, verdict: step?.verdict ?? 'none', step };
  }
  return damage;
}

/** `ids 5-7` → 3, anything else → 1. */
function lostCount(what: string): number {
  const m = /^ids (\d+)-(\d+)$/.exec(what);
  return m ? Number(m[2]) - Number(m[1]) + 1 : 1;
}

function stepOf(a: StreamAttempt, duplicated: number, fresh: number, first: FirstEvent | null): ReconnectStep {
  const open = a.status === 200 && isEventStream(a.headers?.['content-type']);
  const verdict: ReconnectVerdict = !open
    ? 'refused'
    : first === null
      ? 'silent'
      : first.seenBefore
        ? 'replayed'
        : first.type === 'workflow-start'
          ? 'restarted'
          : 'resumed';
  return {
    attempt: a.attempt,
    verdict,
    status: a.status ?? null,
    delayMs: a.reconnect?.delayMs ?? 0,
    delaySource: a.reconnect?.delaySource ?? 'retry-delay',
    lastEventId: a.reconnect?.lastEventId ?? null,
    ...(a.reconnect?.reason === 'error-event' ? { afterErrorEvent: true } : {}),
    duplicated,
    fresh,
    firstEvent: first,
  };
}

/**
 * The origin hook's dedup key: type, node (`node`, `node_name`, `nodeName` or `agent` of the
 * envelope's data) and the envelope timestamp; type + data when the data carries no timestamp.
 */
export function keyOf(r: Pick<StreamRecord, 'type' | 'data' | 'id'>): Keyed {
  const num = r.id !== undefined && /^\d{1,15}$/.test(r.id) ? Number(r.id) : undefined;
  const withNum = (k: Keyed): Keyed => (num === undefined ? k : { ...k, num });
  if (r.data.startsWith('{')) {
    try {
      const env = JSON.parse(r.data) as { timestamp?: unknown; node?: unknown; data?: Record<string, unknown> };
      if (typeof env.timestamp === 'string') {
        const d = env.data ?? {};
        const node = [d.node, d.node_name, d.nodeName, d.agent, env.node].find((v) => typeof v === 'string') ?? '';
        const ts = Date.parse(env.timestamp);
        return withNum({ key: `${r.type}:${String(node)}:${env.timestamp}`, ...(Number.isFinite(ts) ? { ts } : {}) });
      }
    } catch {
      // not JSON (or cut to the preview size): the data itself is the key
    }
  }
  return withNum({ key: `${r.type}:${r.data}` });
}
