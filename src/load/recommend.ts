/**
 * A STREAM_DECISION_SET_MAX_WAIT recommendation from observed server waits. Pure.
 * Waits past the window are censored (the server gave up), so when runs exceeded it the
 * suggestion is a floor to confirm with another run, not a measured tail.
 */
import type { LoadMetrics } from './metrics.js';

export interface Recommendation {
  kind: 'no-data' | 'no-window' | 'exceeded' | 'fits';
  /** The window in force, ms (configured, or inferred from the longest wait before a 404). */
  windowMs?: number;
  /** Suggested STREAM_DECISION_SET_MAX_WAIT, ms. */
  suggestedMs?: number;
  text: string;
}

const ORIGIN_DEFAULT_WINDOW_MS = 6000;

const s = (ms: number): string => `${(ms / 1000).toFixed(ms < 10_000 ? 2 : 1).replace(/\.?0+$/, '')} s`;
const roundUpHalfSecond = (ms: number): number => Math.ceil(ms / 500) * 500;

/** @param knownWindowMs the server's max wait when known (the embedded server); else inferred. */
export function recommendMaxWait(m: LoadMetrics, knownWindowMs?: number): Recommendation {
  const opened = m.summary('server-wait');
  const notFound = m.summary('not-found-wait');
  const early = m.outcomes.get('early-404') ?? 0;
  const runs = m.runs;
  if (!opened && !notFound) {
    return { kind: 'no-data', text: 'the server sent no x-lookup-wait-ms header, so its waits are unknown (see the README to add it)' };
  }
  const inferred = notFound && notFound.max >= 1 ? notFound.max : undefined;
  const windowMs = knownWindowMs ?? inferred;
  const pct = runs > 0 ? (early / runs) * 100 : 0;
  if (early > 0 && !inferred && (knownWindowMs === undefined || knownWindowMs === 0)) {
    return {
      kind: 'no-window',
      windowMs,
      text: `${pct.toFixed(1)} % of runs got a 404 without any wait: the stream endpoint looks the decision set up once. Poll for it (STREAM_DECISION_SET_MAX_WAIT, default ${s(ORIGIN_DEFAULT_WINDOW_MS)})`,
    };
  }
  if (early > 0) {
    const w = windowMs ?? ORIGIN_DEFAULT_WINDOW_MS;
    const suggestedMs = roundUpHalfSecond(Math.max(w * 1.5, (opened?.p999 ?? 0) * 1.5));
    return {
      kind: 'exceeded',
      windowMs: w,
      suggestedMs,
      text: `${pct.toFixed(1)} % of runs exceeded the ${s(w)} window; set STREAM_DECISION_SET_MAX_WAIT ≥ ${s(suggestedMs)} and rerun to confirm (waits past the window cannot be observed)`,
    };
  }
  const w = windowMs ?? ORIGIN_DEFAULT_WINDOW_MS;
  const p999 = opened?.p999 ?? 0;
  const assumed = windowMs === undefined ? ' (assuming the origin default)' : '';
  if (p999 <= 0) return { kind: 'fits', windowMs: w, text: `no run had to wait for persistence; the ${s(w)} window${assumed} is never used` };
  const headroom = w / p999;
  const suggestedMs = headroom < 1.5 ? roundUpHalfSecond(p999 * 2) : undefined;
  return {
    kind: 'fits',
    windowMs: w,
    suggestedMs,
    text:
      `p99.9 wait ${s(p999)}; ${s(w)}${assumed} leaves ${headroom.toFixed(1)}× headroom` +
      (suggestedMs ? `: thin, consider ≥ ${s(suggestedMs)}` : ''),
  };
}
