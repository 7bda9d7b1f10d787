/**
 * Findings: what does not decide the outcome but explains it or predicts trouble. Each one is
 * raised only on evidence and carries that evidence (times in ms since T0, byte counts, header
 * values); a layer (proxy, application) is named only when a header shows it (path-evidence.ts).
 * Thresholds follow the timing anchors in sse-conformance.md §5. Pure.
 */
import type { StreamAttempt, Transcript } from '../model.js';
import { isRoutingNotFound } from '../wire.js';
import { heldLayer, pathEvidence, type Layer, type PathEvidence } from './path-evidence.js';
import { finalRequestMs, serverWait, waitSourceText, type ServerWait } from './server-wait.js';
import { isMeaningful } from './waterfall.js';

import { compressedFinding, compressionComparison } from './findings-compression.js';
import { corsFindings, jobStatusFinding } from './findings-context.js';
import { BURST_SPAN_MS, fmt, plural, r1, secs, type Finding } from './finding.js';
import { idleCutoff } from './idle-cutoff.js';

export type { Layer } from './path-evidence.js';
export type { Evidence, Finding } from './finding.js';

/** Head later than this after the request, beyond the server's own lookup wait, counts as held (ms). */
export const HELD_HEAD_MS = 1000;
/** Head and first byte this close together mean the head waited for the body (ms). */
export const SAME_PACKET_MS = 50;
/** A server-side lookup wait from this long on is worth a finding; a 404 after it is a spent window (ms). */
export const SLOW_LOOKUP_MS = 1000;
/** Events stamped this long before the response head are history, not live progress (ms; allows clock rounding). */
const REPLAY_SLACK_MS = 50;

/** Findings that explain a silent or late stream by what happened on the wire. */
const WIRE_EXPLANATIONS = new Set(['head-held', 'body-buffered', 'compression-holds-events', 'compressed', 'idle-cutoff']);

/** Lists the findings of a run, most important first. */
export function findings(t: Transcript): Finding[] {
  const out: Finding[] = [];
  out.push(...notFoundFindings(t));
  for (const a of t.attempts) {
    if (a.status !== 200 || !a.headers) continue;
    out.push(...streamFindings(t, a));
  }
  out.push(...compressionComparison(t));
  out.push(...corsFindings(t));
  const job = jobStatusFinding(t);
  if (job) {
    // First, unless something on the wire explains the silence better: then right after it.
    const lastWire = out.map((f) => WIRE_EXPLANATIONS.has(f.code)).lastIndexOf(true);
    out.splice(lastWire + 1, 0, job);
  }
  return order(dedupe(out));
}

/** Wire explanations first, in a fixed order; the rest as found. */
function order(list: Finding[]): Finding[] {
  const rank = ['head-held', 'window-exhausted', 'slow-lookup', 'body-buffered', 'compression-holds-events', 'compressed', 'idle-cutoff'];
  const r = (f: Finding): number => (rank.includes(f.code) ? rank.indexOf(f.code) : rank.length);
  return list.map((f, i) => [f, i] as const).sort(([x, i], [y, j]) => r(x) - r(y) || i - j).map(([f]) => f);
}

/** A 404 after the server polled for a second or more: its retry window ran out before the job was persisted. */
function notFoundFindings(t: Transcript): Finding[] {
  const spent = t.attempts
    .filter((a) => a.status === 404 && !isRoutingNotFound(404, a.bodyPreview))
    .map((a) => ({ a, w: serverWait(a) }))
    .filter((x): x is { a: StreamAttempt; w: ServerWait } => x.w !== undefined && x.w.ms >= SLOW_LOOKUP_MS);
  if (spent.length === 0) return [];
  const { a, w } = spent.reduce((x, y) => (y.w.ms > x.w.ms ? y : x));
  const lookups = w.lookups !== undefined ? `, ${plural(w.lookups, 'lookup')}` : '';
  const times = spent.length > 1 ? ` (on ${spent.length} attempts)` : '';
  return [
    {
      code: 'window-exhausted',
      message: `the server's retry window (≈${(w.ms / 1000).toFixed(1)} s) ran out before the job was persisted: 404 after ${fmt(w.ms)} of lookups${lookups} (${waitSourceText(w.source)})${times}`,
      evidence: { attempt: a.attempt, status: 404, waitMs: r1(w.ms), waitSource: w.source, lookups: w.lookups ?? null, attempts404: spent.length },
      layer: 'application',
    },
  ];
}

/** Findings about one stream response that opened (200 with headers). */
function streamFindings(t: Transcript, a: StreamAttempt): Finding[] {
  const out: Finding[] = [];
  const h = a.headers!;
  const path = pathEvidence(h);
  const wait = serverWait(a);
  const held = heldHead(t, a, wait, path);
  if (held) out.push(held);
  if (wait && wait.ms >= SLOW_LOOKUP_MS && !(held && wait.source === 'inferred')) {
    const lookups = wait.lookups !== undefined ? ` over ${plural(wait.lookups, 'lookup')}` : '';
    out.push({
      code: 'slow-lookup',
      message:
        wait.source === 'header'
          ? `the server waited ${fmt(wait.ms)}${lookups} for the decision set to be persisted on attempt ${a.attempt} (${waitSourceText(wait.source)})`
          : `the response head came ${fmt(wait.ms)} after the GET on attempt ${a.attempt}: a slow decision-set lookup (inferred from GET → head; no lookup headers, so this includes the round trip)`,
      evidence: { attempt: a.attempt, waitMs: r1(wait.ms), waitSource: wait.source, lookups: wait.lookups ?? null, getSentMs: r1(finalRequestMs(a)), headMs: r1(a.headersMs) },
      layer: 'application',
    });
  }
  const since = liveSince(t, a, wait, held !== undefined);
  // A held head does not rule buffering out: a proxy that holds the whole response delivers both late.
  const burst = bodyBuffered(t, a, path, since);
  if (burst) out.push(burst);
  const encoding = h['content-encoding'];
  if (encoding && encoding.toLowerCase() !== 'identity') out.push(compressedFinding(t, a, encoding));
  const idle = idleCutoff(t, a, path);
  if (idle) out.push(idle);
  if (h['content-length']) {
    out.push({ code: 'content-length', message: `the stream has a Content-Length (${h['content-length']} bytes), so it cannot stay open`, evidence: { contentLength: h['content-length'] } });
  }
  const cc = h['cache-control'] ?? '';
  if (!/no-cache|no-store/.test(cc)) {
    out.push({ code: 'cache-control', message: 'no "Cache-Control: no-cache" on the stream; caches may hold or replay it', evidence: { cacheControl: h['cache-control'] ?? null } });
  }
  if (a.pendingBytes) {
    out.push({
      code: 'unterminated',
      message: `${a.pendingBytes} characters of an event never ended with a blank line, so it was never dispatched`,
      evidence: { pendingBytes: a.pendingBytes, endMs: r1(a.endMs), end: a.end ?? null },
    });
  }
  for (const w of a.warnings.slice(0, 3)) out.push({ code: 'parse-warning', message: w, evidence: { attempt: a.attempt } });
  const replayed = replayedCount(a, historyBefore(t, a, wait, since));
  if (replayed > 0) {
    out.push({
      code: 'replayed',
      message: `${replayed} events were history replayed on connect, sent before the stream opened`,
      evidence: { replayedEvents: replayed, headMs: r1(a.headersMs) },
    });
  }
  const starts = a.counts['workflow-start'] ?? 0;
  if (starts > 1) out.push({ code: 'retry-storm', message: `${starts} workflow-start events on one stream: the job was retried`, evidence: { workflowStarts: starts } });
  return out;
}

/**
 * Head held: it came over a second after the request beyond the server's own measured lookup wait,
 * together with the first body byte. Without lookup headers the whole GET → head counts (a slow lookup
 * whose first frame follows later is told apart by that separate first byte).
 */
function heldHead(t: Transcript, a: StreamAttempt, wait: ServerWait | undefined, path: PathEvidence): Finding | undefined {
  if (a.headersMs === undefined || a.firstByteMs === undefined) return undefined;
  const getAt = finalRequestMs(a);
  const lookup = wait?.source === 'header' ? wait.ms : 0;
  const lag = a.headersMs - getAt - lookup;
  const together = a.firstByteMs - a.headersMs;
  if (lag <= HELD_HEAD_MS || together >= SAME_PACKET_MS) return undefined;
  const layer = heldLayer(path);
  const who =
    layer === 'proxy'
      ? `a proxy held the response head ${secs(lag)} until the first body byte (${path.text})`
      : layer === 'application'
        ? `the application held its response head ${secs(lag)} until its first frame (${path.text})`
        : `the response head was held ${secs(lag)} until the first body byte (${path.text}: the layer is not known)`;
  // Evidence of HTTP/2 (the answer came over h2): there a HEADERS frame held until the first DATA frame is an ingress habit.
  const h2 = a.protocol === 'h2' ? '; over HTTP/2 (h2) the HEADERS frame arrived with the first DATA frame' : '';
  // The envelopes' own clock can show the app was already streaming while its head was on the way.
  const stamps = a.records
    .filter((r) => r.kind === 'event')
    .map((r) => sentAt(r.data))
    .filter((at): at is number => at !== undefined && at - t.t0EpochMs >= getAt - REPLAY_SLACK_MS);
  const firstSent = stamps.length > 0 ? Math.min(...stamps) - t.t0EpochMs : undefined;
  const streamedBefore = firstSent !== undefined && a.headersMs - firstSent >= HELD_HEAD_MS / 2;
  const unmeasured = streamedBefore
    ? `; the app sent its first event at ${fmt(firstSent)}, ${secs(a.headersMs - firstSent)} before the head arrived`
    : wait?.source === 'header'
      ? ''
      : '; the server sent no lookup headers, so a lookup that ended with a frame ready looks the same';
  const fix =
    layer === 'proxy'
      ? 'flush a comment such as ": ok" right after the head (proxies and HTTP/2 ingresses forward the head with the first DATA frame)'
      : 'write a comment such as ": ok" right after the head, so the head goes out at once';
  return {
    code: 'head-held',
    message: `${who}${h2}${unmeasured}; ${fix}`,
    evidence: {
      getSentMs: r1(getAt),
      headMs: r1(a.headersMs),
      firstByteMs: r1(a.firstByteMs),
      headLagMs: r1(lag),
      headToFirstByteMs: r1(together),
      serverWaitMs: wait?.source === 'header' ? r1(wait.ms) : null,
      firstEventSentMs: r1(firstSent),
      server: path.server,
      via: path.via,
      xAccelBuffering: a.headers?.['x-accel-buffering'] ?? null,
      protocol: a.protocol ?? null,
    },
    layer,
  };
}

/** The envelope's `timestamp` as epoch ms (the first `"timestamp"` key: the origin writes it before `data`). */
function sentAt(data: string): number | undefined {
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
function liveSince(t: Transcript, a: StreamAttempt, wait: ServerWait | undefined, headHeld: boolean): number {
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
function historyBefore(t: Transcript, a: StreamAttempt, wait: ServerWait | undefined, liveFrom: number): number {
  return wait?.source === 'inferred' ? Math.min(liveFrom, t.t0EpochMs + finalRequestMs(a)) : liveFrom;
}

function replayedCount(a: StreamAttempt, liveFrom: number): number {
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
function bodyBuffered(t: Transcript, a: StreamAttempt, path: PathEvidence, liveFrom: number): Finding | undefined {
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

function dedupe(list: Finding[]): Finding[] {
  const seen = new Set<string>();
  return list.filter((f) => (seen.has(f.message) ? false : (seen.add(f.message), true)));
}

