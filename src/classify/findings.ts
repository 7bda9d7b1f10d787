/**
 * Findings: what does not decide the outcome but explains it or predicts trouble. Each one is
 * raised only on evidence and carries that evidence (times in ms since T0, byte counts, header
 * values); a layer (proxy, application) is named only when a header shows it (path-evidence.ts).
 * Thresholds follow the timing anchors in sse-conformance.md §5. This file lists and orders them;
 * the held head (held-head.ts), envelope timestamps (envelope-timing.ts), compression and idle
 * cut-offs have files of their own. Pure.
 */
import type { StreamAttempt, Transcript } from '../model.js';
import { isRoutingNotFound } from '../wire.js';
import { pathEvidence } from './path-evidence.js';
import { finalRequestMs, serverWait, waitSourceText, type ServerWait } from './server-wait.js';
import { bodyBuffered, historyBefore, liveSince, replayedCount } from './envelope-timing.js';
import { heldHead } from './held-head.js';
import { compressedFinding, compressionComparison } from './findings-compression.js';
import { corsFindings, jobStatusFinding } from './findings-context.js';
import { fmt, plural, r1, type Finding } from './finding.js';
import { idleCutoff } from './idle-cutoff.js';

export type { Layer } from './path-evidence.js';
export type { Evidence, Finding } from './finding.js';

/** A server-side lookup wait from this long on is worth a finding; a 404 after it is a spent window (ms). */
export const SLOW_LOOKUP_MS = 1000;

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

function dedupe(list: Finding[]): Finding[] {
  const seen = new Set<string>();
  return list.filter((f) => (seen.has(f.message) ? false : (seen.add(f.message), true)));
}

