/**
 * Warnings that do not decide the outcome but explain it or predict trouble: held headers,
 * missing SSE headers, compression, unterminated events, retry storms, slow lookups.
 * Thresholds follow the timing anchors in sse-conformance.md §5.
 */
import type { Transcript } from '../model.js';
import { LOOKUP_WAIT_HEADER, numericHeader } from './metrics.js';

export interface Finding {
  code: string;
  message: string;
}

/** Head later than this after the request, beyond the server's own lookup wait, counts as held (ms). */
const HELD_HEADERS_MS = 1000;
/** Head and first byte this close together mean the head waited for the body (ms). */
const SAME_PACKET_MS = 50;
/** A server-side lookup wait from this long on is worth a warning (ms). */
const SLOW_LOOKUP_MS = 1000;
/** Live events sent this far apart yet delivered in one read were held back on the way (ms). */
const BURST_SPAN_MS = 1000;
/** Events stamped this long before the response head are history, not live progress (ms; allows clock rounding). */
const REPLAY_SLACK_MS = 50;

/** Findings that explain a silent or late stream by what happened on the wire. */
const WIRE_EXPLANATIONS = new Set(['compressed', 'headers-held', 'buffered']);

/** The envelope's `timestamp` as epoch ms (the first `"timestamp"` key: the origin writes it before `data`). */
function sentAt(data: string): number | undefined {
  const m = /"timestamp":\s*"([^"]+)"/.exec(data);
  const ms = m ? Date.parse(m[1]!) : NaN;
  return Number.isFinite(ms) ? ms : undefined;
}

/** Lists the findings of a run, most important first. */
export function findings(t: Transcript): Finding[] {
  const out: Finding[] = [];
  for (const a of t.attempts) {
    if (a.status !== 200 || !a.headers) continue;
    const h = a.headers;
    const wait = numericHeader(a, LOOKUP_WAIT_HEADER) ?? 0;
    if (a.headersMs !== undefined && a.firstByteMs !== undefined) {
      const headLag = a.headersMs - a.requestedMs - wait;
      if (headLag > HELD_HEADERS_MS && a.firstByteMs - a.headersMs < SAME_PACKET_MS) {
        out.push({
          code: 'headers-held',
          message: `the response head waited ${fmt(headLag)} for the first body byte (a buffering proxy, or no early flush); send a comment such as ": ok" right after the head`,
        });
      }
    }
    if (wait >= SLOW_LOOKUP_MS) {
      out.push({ code: 'slow-lookup', message: `the server waited ${fmt(wait)} for the decision set to be persisted on attempt ${a.attempt}` });
    }
    if (h['content-encoding'] && h['content-encoding'] !== 'identity') {
      out.push({ code: 'compressed', message: `the stream is compressed (${h['content-encoding']}); compression buffers events until a block fills` });
    }
    if (h['content-length']) out.push({ code: 'content-length', message: 'the stream has a Content-Length, so it cannot stay open' });
    const cc = h['cache-control'] ?? '';
    if (!/no-cache|no-store/.test(cc)) out.push({ code: 'cache-control', message: 'no "Cache-Control: no-cache" on the stream; caches may buffer it' });
    if (h['x-accel-buffering'] !== 'no') out.push({ code: 'proxy-buffering', message: 'no "X-Accel-Buffering: no"; an nginx in front would buffer the stream' });
    if (a.pendingBytes) out.push({ code: 'unterminated', message: `${a.pendingBytes} characters of an event never ended with a blank line, so it was never dispatched` });
    for (const w of a.warnings.slice(0, 3)) out.push({ code: 'parse-warning', message: w });
    out.push(...timestampFindings(t, a));
    const starts = a.counts['workflow-start'] ?? 0;
    if (starts > 1) out.push({ code: 'retry-storm', message: `${starts} workflow-start events on one stream: the job was retried` });
  }
  out.push(...corsFindings(t));
  const job = t.jobStatus;
  if (job?.status) {
    const meaning: Record<string, string> = {
      queued: 'no worker picked the job up (a queued or idle worker; the stream is connected but waiting)',
      running: 'the job is running but nothing reached this client (published in another process or replica, or held back on the way)',
      completed: 'the job completed but its events never reached this client (split-brain across workers or replicas, or held back on the way)',
      failed: 'the job failed without an error event on the stream',
      waiting_approval: 'the job is paused for human approval (HITL interactive mode sends no terminal event)',
    };
    // First, unless something on the wire explains the silence better (compression, buffering): then after it.
    const lastWire = out.map((f) => WIRE_EXPLANATIONS.has(f.code)).lastIndexOf(true);
    out.splice(lastWire + 1, 0, { code: 'job-status', message: `job status is "${job.status}": ${meaning[job.status] ?? 'see the job'}` });
  }
  return dedupe(out);
}

/**
 * From the envelopes' own timestamps: history replayed on connect (origin §2.5: a late joiner sees only
 * the last 50 events), and live events that were sent over a second or more but arrived in one read
 * (a buffering proxy, compression, or a blocked server loop).
 */
function timestampFindings(t: Transcript, a: Transcript['attempts'][number]): Finding[] {
  // History is what was sent before this response's head; everything after is live.
  const openedAt = t.t0EpochMs + (a.headersMs ?? a.requestedMs);
  let replayed = 0;
  let worstSpan = 0;
  let worstCount = 0;
  let i = 0;
  const events = a.records.filter((r) => r.kind === 'event');
  while (i < events.length) {
    let j = i;
    while (j < events.length && events[j]!.read === events[i]!.read) j++;
    const live: number[] = [];
    for (let k = i; k < j; k++) {
      const at = sentAt(events[k]!.data);
      if (at === undefined) continue;
      if (at < openedAt - REPLAY_SLACK_MS) replayed++;
      else live.push(at);
    }
    if (live.length >= 3) {
      const span = Math.max(...live) - Math.min(...live);
      if (span > worstSpan) [worstSpan, worstCount] = [span, live.length];
    }
    i = j;
  }
  const out: Finding[] = [];
  if (replayed > 0) {
    out.push({ code: 'replayed', message: `${replayed} events were history replayed on connect, sent before the stream opened` });
  }
  if (worstSpan >= BURST_SPAN_MS) {
    out.push({
      code: 'buffered',
      message: `${worstCount} live events sent over ${fmt(worstSpan)} arrived in one read: something on the path buffers the stream (proxy buffering, compression, or a blocked server loop)`,
    });
  }
  return out;
}

/**
 * What a browser page at `t.origin` would meet: without a matching Access-Control-Allow-Origin it
 * cannot read the enqueue answer, and EventSource fails at once, although curl and this tool succeed.
 */
function corsFindings(t: Transcript): Finding[] {
  if (!t.origin) return [];
  const allowed = (h: Record<string, string> | undefined): boolean => {
    const acao = h?.['access-control-allow-origin'];
    return acao === '*' || acao === t.origin;
  };
  const out: Finding[] = [];
  if (t.enqueue.headers && !allowed(t.enqueue.headers)) {
    out.push({ code: 'cors', message: `the enqueue answer has no Access-Control-Allow-Origin for ${t.origin}: a page there cannot read the job id` });
  }
  const stream = t.attempts.find((a) => a.status === 200);
  if (stream && !allowed(stream.headers)) {
    out.push({ code: 'cors', message: `the stream has no Access-Control-Allow-Origin for ${t.origin}: EventSource on that page fails at once` });
  }
  return out;
}

function dedupe(list: Finding[]): Finding[] {
  const seen = new Set<string>();
  return list.filter((f) => (seen.has(f.message) ? false : (seen.add(f.message), true)));
}

function fmt(ms: number): string {
  return ms >= 1000 ? `${(ms / 1000).toFixed(2)} s` : `${Math.round(ms)} ms`;
}
