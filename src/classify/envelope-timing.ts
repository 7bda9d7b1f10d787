/**
 * What the envelopes' own clock shows (the origin stamps every event with its send time): which
 * events were live and which were history replayed on connect, and live events held back on the way
 * and delivered in one burst. All times compare envelope epoch ms with arrival on the client's clock.
 */
import type { StreamAttempt, Transcript } from '../model.js';
import type { Layer, PathEvidence } from './path-evidence.js';
import { finalRequestMs, type ServerWait } from './server-wait.js';
import { isMeaningful } from './waterfall.js';
import { BURST_SPAN_MS, SAME_PACKET_MS, fmt, r1, type Finding } from './finding.js';

/** Events stamped this long before the response head are history, not live progress (ms; allows clock rounding). */
export const REPLAY_SLACK_MS = 50;

/** The envelope's `timestamp` as epoch ms (the first `"timestamp"` key: the origin writes it before `data`). */
export function sentAt(data: string): number | undefined {
  const m = /"timestamp":\s*"([^"]+)"/.exec(data);
  const ms = m ? Date.parse(m[1]!) : NaN;
  return Number.isFinite(ms) ? ms : undefined;
}

/**
 * Epoch ms from which an envelope timestamp means live progress; earlier ones are history replayed on
 * connect (origin §2.5: the last 50 events). The server subscribes once its lookup succeeds: GET sent +
 * its measured wait when it says so; otherwise the response head, unless the head was held with the body
 * (then the head is no boundary at all, and everything sent after the request counts as live).
 */
export function liveSince(t: Transcript, a: StreamAttempt, wait: ServerWait | undefined, headHeld: boolean): number {
  const getAt = finalRequestMs(a);
  if (wait?.source === 'header') return t.t0EpochMs + getAt + wait.ms;
  if (headHeld || a.headersMs === undefined) return t.t0EpochMs + getAt;
  return t.t0EpochMs + a.headersMs;
}

/**
 * Epoch ms before which an envelope timestamp proves history replayed on connect. With an inferred wait
 * the head's arrival bounds the subscription only from above: the head travels after the server
 * subscribed, often with the first live events in the same write. Events between the GET and the head
 * are then neither provably live nor provably history; only those sent before the GET are history.
 */
export function historyBefore(t: Transcript, a: StreamAttempt, wait: ServerWait | undefined, liveFrom: number): number {
  return wait?.source === 'inferred' ? Math.min(liveFrom, t.t0EpochMs + finalRequestMs(a)) : liveFrom;
}

export function replayedCount(a: StreamAttempt, liveFrom: number): number {
  return a.records.filter((r) => {
    if (r.kind !== 'event') return false;
    const at = sentAt(r.data);
    return at !== undefined && at < liveFrom - REPLAY_SLACK_MS;
  }).length;
}

/**
 * Body held on the way: ≥ 3 live events whose envelope timestamps span ≥ 1 s arrived in one read (with
 * the head on time, or held with them), or, without timestamps, every meaningful event arrived in the
 * last read, as the stream closed, ≥ 1 s after a head that came on time.
 */
export function bodyBuffered(t: Transcript, a: StreamAttempt, path: PathEvidence, liveFrom: number): Finding | undefined {
  const heartbeats = new Set(t.heartbeatEvents);
  const events = a.records.filter((r) => r.kind === 'event');
  let worst: { span: number; count: number; read: number; atMs: number } | undefined;
  let stamped = false;
  for (let i = 0; i < events.length; ) {
    let j = i;
    while (j < events.length && events[j]!.read === events[i]!.read) j++;
    const live: number[] = [];
    for (let k = i; k < j; k++) {
      const at = sentAt(events[k]!.data);
      if (at === undefined) continue;
      stamped = true;
      if (at >= liveFrom - REPLAY_SLACK_MS) live.push(at);
    }
    if (live.length >= 3) {
      const span = Math.max(...live) - Math.min(...live);
      if (!worst || span > worst.span) worst = { span, count: live.length, read: events[i]!.read, atMs: events[i]!.atMs };
    }
    i = j;
  }
  const proxyNote = path.proxy
    ? `a proxy on the path buffers the body (${path.text}${a.headers?.['x-accel-buffering'] === 'no' ? '' : '; no "X-Accel-Buffering: no" on the response'}): turn its buffering off for the stream (nginx: proxy_buffering off, or send X-Accel-Buffering: no)`
    : `held back between the generator and this client (${path.text}; no proxy shows in the headers): compression, a buffering intermediary or a blocked server loop; compare a run direct to the app (--compare)`;
  const common = { headMs: r1(a.headersMs), server: path.server, via: path.via, xAccelBuffering: a.headers?.['x-accel-buffering'] ?? null, contentEncoding: a.headers?.['content-encoding'] ?? null };
  const layer: Layer = path.proxy ? 'proxy' : 'unknown';
  if (worst && worst.span >= BURST_SPAN_MS) {
    return {
      code: 'body-buffered',
      message: `${worst.count} live events sent over ${fmt(worst.span)} arrived in one read (#${worst.read} at ${fmt(worst.atMs)}): ${proxyNote}`,
      evidence: { eventsInRead: worst.count, sentSpanMs: r1(worst.span), read: worst.read, arrivedMs: r1(worst.atMs), ...common },
      layer,
    };
  }
  if (stamped) return undefined; // the envelopes date every event: no burst of live events, nothing held
  // No timestamps: everything in the last read, as the stream ended, well after the head.
  const meaningful = events.filter((r) => isMeaningful(r, heartbeats));
  const lastRead = a.reads - 1;
  const closing = a.end === 'eof' || a.end === 'error' || a.end === 'terminal';
  const first = meaningful[0];
  if (!closing || !first || meaningful.length < 2 || a.headersMs === undefined) return undefined;
  if (!meaningful.every((r) => r.read === lastRead) || first.atMs - a.headersMs < BURST_SPAN_MS) return undefined;
  if (a.end !== 'terminal' && (a.endMs ?? Infinity) - first.atMs >= SAME_PACKET_MS) return undefined;
  return {
    code: 'body-buffered',
    message: `all ${meaningful.length} events arrived in the last read, ${fmt(first.atMs - a.headersMs)} after the head, as the stream closed: ${proxyNote}`,
    evidence: { eventsInRead: meaningful.length, read: lastRead, arrivedMs: r1(first.atMs), endMs: r1(a.endMs), ...common },
    layer,
  };
}
