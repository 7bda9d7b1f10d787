/** A stream cut off while idle: closed seconds after its last byte without the terminal event. Pure. */
import type { StreamAttempt, Transcript } from '../model.js';
import { r1, type Finding } from './finding.js';
import type { PathEvidence } from './path-evidence.js';

/** A stream closed this long after its last byte, without the terminal event, was cut off idle (ms). */
export const IDLE_CUTOFF_MS = 1000;
/** Known idle timeouts (s) and who sets them: named only when the measured cut-off matches within ±2 s. */
const KNOWN_IDLE_TIMEOUTS: [number, string][] = [
  [55, 'Heroku router (55 s rolling idle window)'],
  [60, 'nginx proxy_read_timeout / AWS ALB idle timeout default (60 s)'],
  [100, 'Cloudflare proxy read timeout (100 s)'],
  [300, 'a 5-minute idle timeout (300 s)'],
];

/** Closed without the terminal event, ≥ 1 s after the last byte: an idle timeout somewhere on the path. */
export function idleCutoff(t: Transcript, a: StreamAttempt, path: PathEvidence): Finding | undefined {
  if (a.end !== 'eof' && a.end !== 'error') return undefined;
  if ((a.counts[t.terminalEvent] ?? 0) > 0 || a.lastByteMs === undefined || a.endMs === undefined) return undefined;
  const gap = a.endMs - a.lastByteMs;
  if (gap < IDLE_CUTOFF_MS) return undefined;
  const interval = Math.max(0.5, Math.floor((0.75 * gap) / 500) / 2);
  const match = KNOWN_IDLE_TIMEOUTS.find(([s]) => Math.abs(gap / 1000 - s) <= 2);
  const how = a.end === 'eof' ? 'closed' : `broken (${a.error?.code ?? 'error'})`;
  return {
    code: 'idle-cutoff',
    message:
      `${how} ${(gap / 1000).toFixed(1)} s after the last byte, without ${t.terminalEvent}: an idle timeout on the path` +
      (match ? ` (matches ${match[1]})` : '') +
      (path.proxy ? ` (${path.text})` : '') +
      `; send a comment at least every ${interval.toFixed(1)} s`,
    evidence: {
      lastByteMs: r1(a.lastByteMs),
      endMs: r1(a.endMs),
      idleMs: r1(gap),
      end: a.end,
      commentEveryS: interval,
      knownTimeout: match ? match[1] : null,
      server: path.server,
      via: path.via,
    },
    layer: path.proxy ? 'proxy' : 'unknown',
  };
}

