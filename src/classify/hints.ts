/**
 * The hint of one run: the outcome table's hint, unless the run's own evidence says more (a spent
 * retry window, a compressed silent stream, an idle cut-off, a redirect loop). Pure.
 */
import type { Transcript } from '../model.js';
import type { Classification } from './classify.js';
import type { Finding } from './findings.js';
import { outcomeInfo } from './outcomes.js';
import { proxyHint } from './proxy-hint.js';
import { tlsHint } from './tls-hint.js';
import { streamAttempt } from './waterfall.js';

/** The fix for a run, in one or two sentences; never names a layer the findings do not. */
export function runHint(t: Transcript, c: Classification, found: Finding[]): string {
  const table = outcomeInfo(c.outcome).hint;
  const f = (code: string): Finding | undefined => found.find((x) => x.code === code);
  switch (c.outcome) {
    case 'early-404': {
      const spent = f('window-exhausted');
      if (spent) {
        const w = Number(spent.evidence.waitMs ?? 0);
        return `The server's retry window (≈${(w / 1000).toFixed(1)} s) ran out before the job was persisted, and an EventSource fails for good on that 404. Raise STREAM_DECISION_SET_MAX_WAIT above your slowest persistence (ssedoctor load measures it), or create the subscription before the enqueue returns; if the decision set never appears, the id is wrong (job_id or thread_id passed instead of decision_set_id).`;
      }
      const lookups = t.attempts.map((a) => Number(a.headers?.['x-lookup-attempts'])).find((n) => Number.isFinite(n) && n > 1);
      if (lookups !== undefined) {
        return `The server retried (${lookups} lookups) but gave up in under a second, before the job was persisted; an EventSource fails for good on that 404. Raise STREAM_DECISION_SET_MAX_WAIT above your slowest persistence, or create the subscription before the enqueue returns.`;
      }
      return table;
    }
    case 'timeout': {
      const a = streamAttempt(t);
      if (a?.status === 200) {
        const compressed = f('compression-holds-events') ?? f('compressed');
        if (compressed) {
          return `The stream opened but nothing arrived: it is compressed (${compressed.evidence.contentEncoding}) and the encoder holds events until a block fills, so a browser sees nothing either. Exclude text/event-stream from compression (or flush after every event).`;
        }
        return 'The stream opened but stayed silent: nothing was written, not even a keep-alive comment. Check that a worker took the job (job status) and that the handler writes a comment right after the head and then at least every 15 s.';
      }
      if (t.attempts.length === 0) return 'The enqueue request got no answer in time: the handler is blocked or the server overloaded; raise --timeout only if enqueueing is meant to take that long.';
      return table;
    }
    case 'closed-early': {
      const idle = f('idle-cutoff');
      if (idle) {
        const secs = Number(idle.evidence.idleMs ?? 0) / 1000;
        const known = idle.evidence.knownTimeout ? ` (matches ${idle.evidence.knownTimeout})` : '';
        return `The stream was closed ${secs.toFixed(1)} s after its last byte, without the terminal event: an idle timeout on the path${known}. Send a comment (": ping") at least every ${Number(idle.evidence.commentEveryS).toFixed(1)} s, or raise that timeout above the longest quiet spell; an EventSource reconnects after \`retry\` (about 3 s) and gets only what is replayed.`;
      }
      const a = streamAttempt(t);
      if (a?.status === undefined) return 'The connection closed before a response head: the server crashed or refused mid-request, or something on the path reset it; read the server log at that time.';
      if (a.lastByteMs !== undefined && a.endMs !== undefined) {
        return `The response ended right after its last byte (${Math.round(a.endMs - a.lastByteMs)} ms), mid-run: the server ended it (an exception in the generator, a restart or deploy, a close after N frames); read the server log at that time. An EventSource reconnects after \`retry\` (about 3 s) and gets only what is replayed.`;
      }
      return table;
    }
    case 'unreachable':
      return tlsHint(t) ?? proxyHint(t) ?? table;
    case 'enqueue-failed':
      return proxyHint(t) ?? table;
    case 'http-error': {
      const proxied = proxyHint(t);
      if (proxied) return proxied;
      const a = t.attempts.at(-1);
      if (a?.status !== undefined && a.status >= 300 && a.status < 400) {
        return 'The stream URL redirects in a loop or too many times; an EventSource fails the same way. Fix the redirect rule (often http↔https, a trailing slash, or an auth redirect) or point --stream-path at the final URL.';
      }
      return table;
    }
    default:
      return table;
  }
}
