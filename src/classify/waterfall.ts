/**
 * The timing waterfall of one run, from the intended start (T0 = enqueue request sent): each step
 * of the enqueue → attach flow, then the gaps between meaningful events. Pure.
 */
import type { AttemptEnd, StreamAttempt, StreamRecord, Transcript } from '../model.js';
import { heartbeatTypes } from '../wire.js';

/** Every time is ms since T0; undefined when the step did not happen (or was not seen). */
export interface Waterfall {
  /** The stream attempt the steps after the enqueue belong to (the one that opened, else the last). */
  attempt?: number;
  /** POST sent (0 unless the probe started late). */
  postSentMs: number;
  /** The enqueue answer read and its id taken (the body end when known, else its head). */
  enqueueAnsweredMs?: number;
  /** GET of the stream sent. */
  getSentMs?: number;
  /** Stream response head. */
  headMs?: number;
  /** First body byte. */
  firstByteMs?: number;
  /** First meaningful event: an event that is not a comment and not a heartbeat type. */
  firstEventMs?: number;
  /** Second meaningful event. */
  secondEventMs?: number;
  /** The terminal event, or the end of the stream when none came. */
  endMs?: number;
  /** `terminal` when the terminal event came, else how the stream ended. */
  endKind?: AttemptEnd;
  /** Intervals between consecutive meaningful events: median and 99th percentile (nearest rank), ms. */
  gapP50Ms?: number;
  gapP99Ms?: number;
  /** Longest interval with no meaningful event between the head and the end (ms). */
  longestStallMs?: number;
  /** Meaningful events the steps are computed from (kept records only). */
  meaningfulEvents: number;
}

/** An event that shows the job moved: not a comment, not a heartbeat type. */
export function isMeaningful(r: StreamRecord, heartbeatTypes: ReadonlySet<string>): boolean {
  return r.kind === 'event' && !heartbeatTypes.has(r.type);
}

/** The attempt a run's stream figures come from: the one that opened (200), else the last. */
export function streamAttempt(t: Pick<Transcript, 'attempts'>): StreamAttempt | undefined {
  return t.attempts.find((a) => a.status === 200) ?? t.attempts.at(-1);
}

/** Nearest-rank percentile of ascending `sorted` (p in 0..100). */
function percentile(sorted: number[], p: number): number | undefined {
  if (sorted.length === 0) return undefined;
  const rank = Math.max(1, Math.ceil((p / 100) * sorted.length));
  return sorted[Math.min(sorted.length, rank) - 1];
}

/** Builds the waterfall of a run. */
export function waterfall(t: Omit<Transcript, 'encodingCheck'>): Waterfall {
  const w: Waterfall = { postSentMs: t.enqueue.sentMs, meaningfulEvents: 0 };
  const answered = t.enqueue.doneMs ?? t.enqueue.headersMs;
  if (answered !== undefined) w.enqueueAnsweredMs = answered;
  const a = streamAttempt(t);
  if (!a) return w;
  w.attempt = a.attempt;
  w.getSentMs = a.requestedMs;
  if (a.headersMs !== undefined) w.headMs = a.headersMs;
  if (a.firstByteMs !== undefined) w.firstByteMs = a.firstByteMs;

  const heartbeats = heartbeatTypes(t.heartbeatEvents);
  const meaningful = a.records.filter((r) => isMeaningful(r, heartbeats)).map((r) => r.atMs);
  w.meaningfulEvents = meaningful.length;
  if (meaningful[0] !== undefined) w.firstEventMs = meaningful[0];
  if (meaningful[1] !== undefined) w.secondEventMs = meaningful[1];

  const terminal = a.records.find((r) => r.kind === 'event' && r.type === t.terminalEvent);
  const end = terminal?.atMs ?? a.endMs;
  if (end !== undefined) w.endMs = end;
  const endKind = terminal ? 'terminal' : a.end;
  if (endKind !== undefined) w.endKind = endKind;

  const gaps = meaningful
    .slice(1)
    .map((at, i) => at - meaningful[i]!)
    .sort((x, y) => x - y);
  const p50 = percentile(gaps, 50);
  const p99 = percentile(gaps, 99);
  if (p50 !== undefined) w.gapP50Ms = p50;
  if (p99 !== undefined) w.gapP99Ms = p99;

  // Stalls: head → first event, between events, last event → end (the terminal event is meaningful itself).
  if (a.headersMs !== undefined && end !== undefined && a.status === 200) {
    const points = [a.headersMs, ...meaningful.filter((at) => at <= end), end];
    let longest = 0;
    for (let i = 1; i < points.length; i++) longest = Math.max(longest, points[i]! - points[i - 1]!);
    w.longestStallMs = longest;
  }
  return w;
}
