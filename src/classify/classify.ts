/**
 * The classifier: a pure function from a Transcript to one outcome code plus a one-line detail
 * naming the evidence. No I/O, no clock; table-tested over fixtures/transcripts.
 */
import type { StreamAttempt, Transcript } from '../model.js';
import { isEventStream, isRoutingNotFound } from '../wire.js';
import { classifyNetError } from './network-errors.js';
import type { OutcomeCode } from './outcomes.js';
import { serverWait, waitSourceText } from './server-wait.js';

export interface Classification {
  outcome: OutcomeCode;
  /** Evidence in one line, e.g. `404 on attempt 1; recovered on attempt 2 after 2.5 s`. */
  detail: string;
}

/** Classifies a run. Earlier phases win: a run that never enqueued cannot be heartbeat-only. */
export function classify(t: Transcript): Classification {
  const enq = t.enqueue;
  if (enq.error) {
    const kind = classifyNetError(enq.error);
    if (kind === 'aborted') return { outcome: 'interrupted', detail: 'interrupted during the enqueue request' };
    if (kind === 'timeout') return { outcome: 'timeout', detail: `no answer to the enqueue request (${enq.error.code})` };
    if (kind === 'client-limit') return { outcome: 'client-limit', detail: clientLimitText('enqueue', enq.error.code) };
    return { outcome: 'unreachable', detail: `enqueue request failed: ${enq.error.code} (${enq.error.message})` };
  }
  if (enq.status === undefined || enq.status < 200 || enq.status > 299) {
    return { outcome: 'enqueue-failed', detail: `enqueue answered HTTP ${enq.status}: ${oneLine(enq.bodyPreview)}` };
  }
  if (enq.id === undefined) return { outcome: 'enqueue-failed', detail: enq.problem ?? 'no stream id in the enqueue answer' };

  const first = t.attempts[0];
  const last = t.attempts.at(-1);
  if (!first || !last) return { outcome: 'interrupted', detail: 'interrupted before the stream was requested' };

  // A browser client's Ctrl-C can fall between two stream requests: the last one then ended on its own.
  if (t.session?.stoppedBy === 'interrupted' && last.end !== 'terminal') return { outcome: 'interrupted', detail: 'interrupted between reconnects' };
  const final = classifyAttempt(t, last);
  if (isDecisionSet404(first)) {
    const n404 = t.attempts.filter(isDecisionSet404).length;
    const recovered = last.status === 200;
    const detail = recovered
      ? `404 on ${n404} attempt${n404 > 1 ? 's' : ''}; attempt ${last.attempt} opened the stream and ended ${final.outcome}`
      : `404 on all ${n404} attempt${n404 > 1 ? 's' : ''}${final.outcome === 'early-404' ? '' : `; the last ended ${final.outcome}`}`;
    // A server that waited its whole window and still found nothing points at the id or a lost write (origin §7.8).
    const waited = serverWait(first);
    const why =
      waited && waited.ms >= 1000
        ? `; the server looked for ${(waited.ms / 1000).toFixed(1)} s first (${waitSourceText(waited.source)}): a slow write, or a wrong id (job_id or thread_id instead of decision_set_id?)`
        : '';
    return { outcome: 'early-404', detail: detail + why };
  }
  return final;
}

/** `the stream request could not start: EMFILE (ssedoctor is out of file descriptors)` */
function clientLimitText(request: 'enqueue' | 'stream', code: string): string {
  const what = code === 'EADDRNOTAVAIL' ? 'no free local port or address' : 'ssedoctor is out of file descriptors';
  return `the ${request} request could not start: ${code} (${what})`;
}

/** A 404 that is not the framework's routing 404 (`{"detail":"Not Found"}`, a wrong path). */
export function isDecisionSet404(a: StreamAttempt): boolean {
  return a.status === 404 && !isRoutingNotFound(a.status, a.bodyPreview);
}

/** Classifies one stream attempt on its own. */
function classifyAttempt(t: Transcript, a: StreamAttempt): Classification {
  if (a.status === undefined) {
    if (a.end === 'interrupted') return { outcome: 'interrupted', detail: 'interrupted while waiting for the stream' };
    if (a.end === 'observe') return { outcome: 'timeout', detail: 'no stream response head within --observe' };
    const kind = a.error ? classifyNetError(a.error) : 'other';
    const code = a.error?.code ?? 'unknown error';
    if (kind === 'timeout') return { outcome: 'timeout', detail: `no stream response head within --timeout (${code})` };
    if (kind === 'unreachable') return { outcome: 'unreachable', detail: `stream request failed: ${code}` };
    if (kind === 'client-limit') return { outcome: 'client-limit', detail: clientLimitText('stream', code) };
    return { outcome: 'closed-early', detail: `the connection closed before a response head (${code})` };
  }
  if (isDecisionSet404(a)) return { outcome: 'early-404', detail: `HTTP 404: ${oneLine(a.bodyPreview)}` };
  const redirect = redirectProblem(a);
  if (redirect) return { outcome: 'http-error', detail: redirect };
  if (a.status !== 200) return { outcome: 'http-error', detail: `HTTP ${a.status}: ${oneLine(a.bodyPreview)}` };
  const ct = a.headers?.['content-type'];
  if (!isEventStream(ct)) return { outcome: 'not-sse', detail: `content-type is ${ct ? `"${ct}"` : 'missing'}` };

  // With reconnects, an error event on an earlier stream still decides (the origin hook even reconnects on it).
  const withErrors = t.session ? (t.attempts.find((x) => (x.counts.error ?? 0) > 0) ?? a) : a;
  const errors = withErrors.counts.error ?? 0;
  if (errors > 0) {
    const first = withErrors.records.find((r) => r.kind === 'event' && r.type === 'error');
    return { outcome: 'error-event', detail: `${errors} error event${errors > 1 ? 's' : ''}: ${errorText(first?.data)}` };
  }
  if (a.end === 'oversized') return { outcome: 'malformed-stream', detail: 'a line or event exceeded --max-event-size' };
  if (a.end === 'terminal') return { outcome: 'healthy', detail: `${t.terminalEvent} received` };
  const heartbeatTypes = new Set(t.heartbeatEvents);
  const progress = Object.entries(a.counts).filter(([type]) => type !== 'comment' && !heartbeatTypes.has(type));
  const progressCount = progress.reduce((n, [, c]) => n + c, 0);
  if (a.end === 'cut') {
    return { outcome: 'closed-early', detail: `ssedoctor closed the stream on purpose after ${progressCount} progress events and no reconnect followed` };
  }
  if (a.end === 'eof' || a.end === 'error') {
    const how = a.end === 'eof' ? 'the server ended the stream' : `the connection broke (${a.error?.code})`;
    return { outcome: 'closed-early', detail: `${how} after ${progressCount} progress events, before ${t.terminalEvent}` };
  }
  if (a.end === 'interrupted') return { outcome: 'interrupted', detail: 'interrupted while reading the stream' };
  const keepalives = Object.entries(a.counts)
    .filter(([type]) => type === 'comment' || heartbeatTypes.has(type))
    .reduce((n, [, c]) => n + c, 0);
  const why = a.end === 'idle' ? 'heartbeats kept coming with no progress' : '--observe elapsed';
  if (progressCount > 0) return { outcome: 'stalled', detail: `${progressCount} progress events, then ${why}` };
  if (keepalives > 0) return { outcome: 'heartbeat-only', detail: `${keepalives} heartbeats/pings and no progress; ${why}` };
  return { outcome: 'timeout', detail: 'the stream opened but stayed silent until --observe elapsed' };
}

/**
 * A redirect chain that ended on a 3xx answer (a loop, or more hops than followed), in words:
 * `redirect loop: /a → /b → /a` or `more than 5 redirects: /a → … → /f`. Undefined otherwise.
 */
export function redirectProblem(a: StreamAttempt): string | undefined {
  if (a.status === undefined || a.status < 300 || a.status > 399) return undefined;
  const abs = (u: string): string => {
    try {
      return new URL(u, a.url).href;
    } catch {
      return u;
    }
  };
  const chain = [a.url, ...(a.redirects ?? []).map((r) => r.location)].map(abs);
  const next = a.headers?.location;
  if (next !== undefined && chain.at(-1) !== abs(next)) chain.push(abs(next));
  // A loop is shown up to the first URL seen again.
  const repeat = chain.findIndex((u, i) => chain.indexOf(u) < i);
  const loop = repeat >= 0;
  const shown = (loop ? chain.slice(0, repeat + 1) : chain).map((u) => shortUrl(u, a.url));
  // The probe records the hop it stopped on too (the answer that ended the chain): that one was not followed.
  const lastHop = a.redirects?.at(-1);
  const stoppedOn = lastHop !== undefined && lastHop.status === a.status && next !== undefined && abs(lastHop.location) === abs(next);
  const hops = (a.redirects?.length ?? 0) - (stoppedOn ? 1 : 0);
  const path = shown.length > 8 ? [...shown.slice(0, 3), '…', ...shown.slice(-3)] : shown;
  if (loop) return `redirect loop: ${path.join(' → ')} (HTTP ${a.status})`;
  if (hops === 0) return next ? `HTTP ${a.status} to ${shortUrl(abs(next), a.url)}, not followed` : undefined;
  return `more than ${hops} redirects: ${path.join(' → ')} (HTTP ${a.status})`;
}

/** A URL's path and query when it shares `base`'s origin, else the whole URL. */
function shortUrl(url: string, base: string): string {
  try {
    const u = new URL(url, base);
    return u.origin === new URL(base).origin ? `${u.pathname}${u.search}` : u.href;
  } catch {
    return url;
  }
}

function errorText(data: string | undefined): string {
  try {
    const parsed = JSON.parse(data ?? '') as { data?: { error?: unknown; node?: unknown }; error?: unknown };
    const error = parsed.data?.error ?? parsed.error;
    const node = parsed.data?.node;
    if (typeof error === 'string') return typeof node === 'string' ? `${error} [node ${node}]` : error;
  } catch {
    // not JSON: show it raw
  }
  return oneLine(data);
}

function oneLine(text: string | undefined, max = 160): string {
  const s = (text ?? '').replace(/\s+/g, ' ').trim();
  return s.length > max ? `${s.slice(0, max)}…` : s || '(empty body)';
}
