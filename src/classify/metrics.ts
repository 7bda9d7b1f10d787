/**
 * Pure figures derived from a Transcript: attempt counts, wait durations, counts per event type
 * and the node timeline. All times are ms since the enqueue request was sent (T0).
 */
import type { StreamAttempt, StreamRecord, Transcript } from '../model.js';

/** Response headers through which a server reports its own decision-set lookup. */
export const LOOKUP_ATTEMPTS_HEADER = 'x-lookup-attempts';
export const LOOKUP_WAIT_HEADER = 'x-lookup-wait-ms';

/** Event types that mean the workflow moved (as opposed to keep-alives). */
const NODE_EVENTS = new Set(['node-start', 'node-complete']);

export interface RunAttempts {
  /** Stream requests made by the client (1 = no reconnect). */
  client: number;
  /** Attempt number whose stream opened after one or more 404s; absent when none did. */
  recoveredOnAttempt?: number;
  /** Server-side lookups, summed over every attempt that reported them. */
  serverLookups?: number;
}

export interface RunTimings {
  /** Enqueue request sent → its response head. */
  enqueueMs?: number;
  /** T0 → head of the last stream response. */
  headersMs?: number;
  /** Time the server spent looking the decision set up, summed over attempts (from its headers). */
  serverWaitMs?: number;
  /** The server's lookup wait on the attempt that opened the stream: how late persistence was. */
  openedWaitMs?: number;
  /** The longest server lookup wait that still ended in 404 (a window strategy's full window). */
  notFoundWaitMs?: number;
  /** T0 → first dispatched event of any type. */
  firstEventMs?: number;
  /** T0 → first node-start / node-complete. */
  firstNodeEventMs?: number;
  /** T0 → the terminal event. */
  terminalMs?: number;
  /** T0 → end of the run. */
  totalMs: number;
}

export interface NodeSpan {
  node: string;
  startMs?: number;
  completeMs?: number;
  /** Events naming this node (starts, completes, cards, errors). */
  events: number;
}

export interface RunCounts {
  /** Dispatched events per type (comments excluded). */
  events: Record<string, number>;
  /** Heartbeat events (types listed as heartbeats). */
  heartbeats: number;
  /** Comment lines (`: ping - ...`). */
  pings: number;
  /** Events that are neither heartbeats nor comments. */
  progress: number;
  bytes: number;
  reads: number;
}

export interface RunMetrics {
  attempts: RunAttempts;
  timings: RunTimings;
  counts: RunCounts;
  nodes: NodeSpan[];
}

/** Reads a numeric response header; undefined when absent or not a number. */
export function numericHeader(attempt: StreamAttempt, name: string): number | undefined {
  const raw = attempt.headers?.[name];
  if (raw === undefined || raw.trim() === '') return undefined;
  const n = Number(raw);
  return Number.isFinite(n) ? n : undefined;
}

function sumHeader(attempts: StreamAttempt[], name: string): number | undefined {
  const values = attempts.map((a) => numericHeader(a, name)).filter((v): v is number => v !== undefined);
  return values.length > 0 ? values.reduce((a, b) => a + b, 0) : undefined;
}

/** Computes the figures of one run. */
export function runMetrics(t: Transcript): RunMetrics {
  const heartbeatTypes = new Set(t.heartbeatEvents);
  const last = t.attempts.at(-1);
  const opened = t.attempts.findIndex((a) => a.status === 200);
  const had404 = t.attempts.some((a) => a.status === 404);

  const counts: RunCounts = { events: {}, heartbeats: 0, pings: 0, progress: 0, bytes: 0, reads: 0 };
  for (const a of t.attempts) {
    counts.bytes += a.bytes;
    counts.reads += a.reads;
    for (const [type, n] of Object.entries(a.counts)) {
      if (type === 'comment') counts.pings += n;
      else {
        counts.events[type] = (counts.events[type] ?? 0) + n;
        if (heartbeatTypes.has(type)) counts.heartbeats += n;
        else counts.progress += n;
      }
    }
  }

  // One pass over every record: first event, first node event, terminal, node spans.
  const nodes = new Map<string, NodeSpan>();
  let first: StreamRecord | undefined;
  let firstNode: StreamRecord | undefined;
  let terminal: StreamRecord | undefined;
  for (const a of t.attempts) {
    for (const e of a.records) {
      if (e.kind !== 'event') continue;
      first ??= e;
      if (!firstNode && NODE_EVENTS.has(e.type)) firstNode = e;
      if (!terminal && e.type === t.terminalEvent) terminal = e;
      if (!e.node) continue;
      let span = nodes.get(e.node);
      if (!span) nodes.set(e.node, (span = { node: e.node, events: 0 }));
      span.events++;
      if (e.type === 'node-start') span.startMs ??= e.atMs;
      if (e.type === 'node-complete') span.completeMs = e.atMs;
    }
  }

  const attempts: RunAttempts = { client: t.attempts.length };
  if (had404 && opened > 0) attempts.recoveredOnAttempt = opened + 1;
  const lookups = sumHeader(t.attempts, LOOKUP_ATTEMPTS_HEADER);
  if (lookups !== undefined) attempts.serverLookups = lookups;

  const timings: RunTimings = { totalMs: t.endMs };
  if (t.enqueue.headersMs !== undefined) timings.enqueueMs = t.enqueue.headersMs - t.enqueue.sentMs;
  if (last?.headersMs !== undefined) timings.headersMs = last.headersMs;
  const wait = sumHeader(t.attempts, LOOKUP_WAIT_HEADER);
  if (wait !== undefined) timings.serverWaitMs = wait;
  const openedAttempt = t.attempts.find((a) => a.status === 200);
  const openedWait = openedAttempt && numericHeader(openedAttempt, LOOKUP_WAIT_HEADER);
  if (openedWait !== undefined) timings.openedWaitMs = openedWait;
  const notFoundWaits = t.attempts
    .filter((a) => a.status === 404)
    .map((a) => numericHeader(a, LOOKUP_WAIT_HEADER))
    .filter((v): v is number => v !== undefined);
  if (notFoundWaits.length > 0) timings.notFoundWaitMs = Math.max(...notFoundWaits);
  if (first) timings.firstEventMs = first.atMs;
  if (firstNode) timings.firstNodeEventMs = firstNode.atMs;
  if (terminal) timings.terminalMs = terminal.atMs;
  else if (last?.end === 'terminal') timings.terminalMs = last.endMs; // past the record cap

  return { attempts, timings, counts, nodes: [...nodes.values()] };
}
