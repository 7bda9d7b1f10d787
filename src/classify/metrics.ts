/**
 * Pure figures derived from a Transcript: attempt counts, wait durations, counts per event type
 * and the node timeline. All times are ms since the enqueue request was sent (T0).
 */
import type { StreamAttempt, StreamRecord, Transcript } from '../model.js';
import { heartbeatTypes, isRoutingNotFound } from '../wire.js';
import { LOOKUP_ATTEMPTS_HEADER, numericHeader, serverWait, type WaitSource } from './server-wait.js';
import { waterfall, type Waterfall } from './waterfall.js';

export { LOOKUP_ATTEMPTS_HEADER, LOOKUP_WAIT_HEADER, numericHeader } from './server-wait.js';

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
  /** Time the server spent looking the decision set up, summed over attempts (headers, else inferred: see `waits`). */
  serverWaitMs?: number;
  /** The server's lookup wait on the attempt that opened the stream: how late persistence was. */
  openedWaitMs?: number;
  /** The longest server lookup wait that still ended in a decision-set 404 (a window strategy's full window). */
  notFoundWaitMs?: number;
  /** T0 → first dispatched event of any type. */
  firstEventMs?: number;
  /** T0 → first meaningful event (not a comment, not a heartbeat) on the stream that opened. */
  firstMeaningfulEventMs?: number;
  /** Longest interval with no meaningful event between the stream's head and its end. */
  longestStallMs?: number;
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

/** The lookup wait of one stream attempt, with where the figure came from. */
export interface AttemptWait {
  attempt: number;
  status?: number;
  /** ms */
  ms: number;
  source: WaitSource;
  /** Server lookups (`x-lookup-attempts`), when sent. */
  lookups?: number;
}

/** Where the summed, opened and not-found waits in RunTimings came from (`inferred` if any part was). */
export interface WaitSources {
  serverWait?: WaitSource;
  openedWait?: WaitSource;
  notFoundWait?: WaitSource;
}

export interface RunMetrics {
  attempts: RunAttempts;
  /** Every attempt's lookup wait (headers where sent, else GET → head); attempts without a head are left out. */
  waits: AttemptWait[];
  waitSources: WaitSources;
  timings: RunTimings;
  counts: RunCounts;
  nodes: NodeSpan[];
}

function sumHeader(attempts: StreamAttempt[], name: string): number | undefined {
  const values = attempts.map((a) => numericHeader(a, name)).filter((v): v is number => v !== undefined);
  return values.length > 0 ? values.reduce((a, b) => a + b, 0) : undefined;
}

/** Computes the figures of one run (`w`: its waterfall, when the caller already built it). */
export function runMetrics(t: Transcript, w: Waterfall = waterfall(t)): RunMetrics {
  const heartbeats = heartbeatTypes(t.heartbeatEvents);
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
        if (heartbeats.has(type)) counts.heartbeats += n;
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

  const waits: AttemptWait[] = [];
  for (const a of t.attempts) {
    const w = serverWait(a);
    if (w) waits.push({ attempt: a.attempt, ...(a.status !== undefined ? { status: a.status } : {}), ...w });
  }
  const waitSources: WaitSources = {};
  const sourceOf = (list: AttemptWait[]): WaitSource => (list.some((w) => w.source === 'inferred') ? 'inferred' : 'header');
  if (waits.length > 0) {
    timings.serverWaitMs = waits.reduce((n, w) => n + w.ms, 0);
    waitSources.serverWait = sourceOf(waits);
  }
  const openedWait = waits.find((w) => w.status === 200);
  if (openedWait) {
    timings.openedWaitMs = openedWait.ms;
    waitSources.openedWait = openedWait.source;
  }
  // A routing 404 ({"detail":"Not Found"}) is a wrong path, not a lookup that gave up.
  const notFound = waits.filter((w) => {
    const a = t.attempts.find((x) => x.attempt === w.attempt);
    return w.status === 404 && !isRoutingNotFound(404, a?.bodyPreview);
  });
  if (notFound.length > 0) {
    const longest = notFound.reduce((x, y) => (y.ms > x.ms ? y : x));
    timings.notFoundWaitMs = longest.ms;
    waitSources.notFoundWait = longest.source;
  }
  if (w.firstEventMs !== undefined) timings.firstMeaningfulEventMs = w.firstEventMs;
  if (w.longestStallMs !== undefined) timings.longestStallMs = w.longestStallMs;
  if (first) timings.firstEventMs = first.atMs;
  if (firstNode) timings.firstNodeEventMs = firstNode.atMs;
  if (terminal) timings.terminalMs = terminal.atMs;
  else if (last?.end === 'terminal') timings.terminalMs = last.endMs; // past the record cap

  return { attempts, waits, waitSources, timings, counts, nodes: [...nodes.values()] };
}
