/**
 * The STREAM_DECISION_SET_MAX_WAIT recommendation, one computation for `load`, `reproduce` and
 * `logs`: waits of the lookups that found their decision set are observations; a 404 after the
 * server's window is a right-censored one (the wait was at least the window); a 404 well inside the
 * window (a wrong path, a single-lookup server, an id that is not the decision set's) cannot be a
 * window miss and is left out. The tail past the window is estimated (tail.ts) for a target miss
 * rate, so the advice lands near the tail, not one notch above the window. Pure.
 */
import * as hdr from 'hdr-histogram-js';
import type { EncodedMetrics, LoadMetrics } from './metrics.js';
import { estimateTail, type TailEstimate, type WaitObservation } from './tail.js';

export interface Recommendation {
  kind: 'no-data' | 'no-window' | 'exceeded' | 'fits';
  /** The window in force, ms (configured, or inferred from the longest wait before a 404); the largest when pooled. */
  windowMs?: number;
  /** Suggested STREAM_DECISION_SET_MAX_WAIT, ms (the estimated quantile rounded up). */
  suggestedMs?: number;
  text: string;
  /** Share of runs the suggestion aims to lose at most, 0..1. */
  targetMissRate: number;
  /** 404s after the window (censored waits), and 404s too fast to be window misses (ignored). */
  windowMisses: number;
  fast404s: number;
  /** The tail estimate the suggestion rests on. */
  estimate?: TailEstimate;
}

/** Waits of one server configuration: `opened` are observed waits, `notFound` waits before a 404, ms. */
export interface WaitGroup {
  /** The server's window when known, ms (0: a single lookup, no window). */
  windowMs?: number;
  opened: WaitObservation[];
  notFound: WaitObservation[];
  /** Runs in this group, for percentages (default: opened + not-found waits). */
  runs?: number;
}

export interface RecommendOptions {
  /** Share of runs allowed to miss, 0..1 (default 0.001). */
  targetMissRate?: number;
  /** The server's lookup retry delay, ms, when known (else estimated from the waits). */
  pollMs?: number;
  /** Waits at or below this count as found at once, ms (default 50; logs know exactly and pass 0). */
  zeroMs?: number;
}

export const DEFAULT_TARGET_MISS_RATE = 0.001;
const ORIGIN_DEFAULT_WINDOW_MS = 6000;
/** A 404 faster than this can be no window's doing: at most one lookup and a round trip, ms. */
const FAST_404_MS = 100;

/** Seconds for a reader, two significant digits or more: `0.52 s`, `5.8 s`, `12 s`. */
export const seconds = (ms: number): string => `${secondsNumber(ms)} s`;
const secondsNumber = (ms: number): string => (ms / 1000).toFixed(ms < 1000 ? 2 : ms < 10_000 ? 1 : 0).replace(/\.0+$|(\.\d*?)0+$/, '$1');
/** A miss rate as a percentage: `0.1 %`. */
export const percentText = (rate: number): string => `${Number((rate * 100).toPrecision(3))} %`;
const countText = (n: number): string => n.toLocaleString('en-US');

/** Rounds a wait up to a value worth typing: 100 ms steps under 1 s, 0.5 s under 10 s, 1 s under 60 s, then 5 s. */
export function roundUpWait(ms: number): number {
  const step = ms < 1000 ? 100 : ms < 10_000 ? 500 : ms < 60_000 ? 1000 : 5000;
  return Math.max(step, Math.ceil(ms / step - 1e-9) * step);
}

/** Lists a histogram's recorded values (µs) as observations in ms. */
function observationsOf(encoded: string | undefined, censored: boolean): WaitObservation[] {
  if (!encoded) return [];
  const h = hdr.decodeFromCompressedBase64(encoded, 32, false) as hdr.Histogram & { recordedValuesIterator?: RecordedValues };
  const out: WaitObservation[] = [];
  const it = h.recordedValuesIterator;
  if (it) {
    it.reset();
    while (it.hasNext()) {
      const v = it.next();
      out.push({ ms: v.valueIteratedTo / 1000, count: v.countAddedInThisIterationStep, censored });
    }
  }
  h.destroy();
  return out;
}

/** The load run's waits as one group. */
export function waitGroupOf(m: LoadMetrics, knownWindowMs?: number): WaitGroup {
  return { ...waitGroupOfEncoded(m.encode(), knownWindowMs), runs: m.runs };
}

/** @param knownWindowMs the server's max wait when known (the embedded server); else inferred from the 404s. */
export function recommendMaxWait(m: LoadMetrics, knownWindowMs?: number, options: RecommendOptions = {}): Recommendation {
  return recommendFromGroups([waitGroupOf(m, knownWindowMs)], options);
}

const total = (o: WaitObservation[]): number => o.reduce((s, x) => s + (x.count ?? 1), 0);

/** Pools the groups (each 404 censored at its own window) and recommends one max wait. */
export function recommendFromGroups(groups: WaitGroup[], options: RecommendOptions = {}): Recommendation {
  const target = options.targetMissRate ?? DEFAULT_TARGET_MISS_RATE;
  const opened: WaitObservation[] = [];
  const misses: WaitObservation[] = [];
  let fast = 0;
  let runs = 0;
  const windows: number[] = [];
  for (const g of groups) {
    runs += g.runs ?? total(g.opened) + total(g.notFound);
    opened.push(...g.opened);
    const longest = Math.max(0, ...g.notFound.map((o) => o.ms));
    const windowMs = g.windowMs ?? (longest >= FAST_404_MS ? longest : undefined);
    // A 404 well inside the window was not the window running out.
    const floor = windowMs && windowMs > 0 ? Math.max(FAST_404_MS, windowMs / 2) : Infinity;
    for (const o of g.notFound) {
      if (o.ms >= floor) misses.push({ ...o, censored: true });
      else fast += o.count ?? 1;
    }
    if (windowMs !== undefined) windows.push(windowMs);
  }
  const windowMisses = total(misses);
  const windowMs = windows.length > 0 ? Math.max(...windows) : undefined;
  const base = { targetMissRate: target, windowMisses, fast404s: fast, ...(windowMs !== undefined ? { windowMs } : {}) };
  if (opened.length === 0 && windowMisses === 0 && fast === 0) {
    return { ...base, kind: 'no-data', text: 'no server waits were measured (no x-lookup-wait-ms header and no inferred wait), so the window cannot be judged' };
  }
  const pooled = groups.length > 1;
  const share = (n: number): string =>
    `${((n / Math.max(1, runs)) * 100).toFixed(1)} % of ${pooled ? `the pooled runs (${countText(n)} of ${countText(runs)})` : 'runs'}`;
  const fastNote =
    fast > 0
      ? `${countText(fast)} 404(s) came faster than any window (${seconds(FAST_404_MS)} or under half of it): not window misses, left out`
      : '';
  if (windowMisses === 0 && fast > 0 && !(windowMs && windowMs > 0)) {
    return {
      ...base,
      kind: 'no-window',
      text: `${share(fast)} got a 404 without any wait: the stream endpoint looks the decision set up once. Poll for it (STREAM_DECISION_SET_MAX_WAIT, default ${seconds(ORIGIN_DEFAULT_WINDOW_MS)})`,
    };
  }
  const estimate = estimateTail([...opened, ...misses], {
    targetMissRate: target,
    ...(options.pollMs !== undefined ? { pollMs: options.pollMs } : {}),
    ...(options.zeroMs !== undefined ? { zeroMs: options.zeroMs } : {}),
  });
  const windowText = describeWindows(windows.length > 0 ? windows : estimate.windowsMs);
  const evidence = describeEstimate(estimate, pooled ? 'their window' : windowText);
  const tailNote = [evidence, fastNote].filter(Boolean).join('; ');
  if (estimate.method === 'none' || estimate.quantileMs === undefined) {
    return {
      ...base,
      kind: windowMisses > 0 ? 'exceeded' : 'fits',
      estimate,
      text:
        (windowMisses > 0
          ? `${share(windowMisses)} exceeded ${windowText}, and the tail past it cannot be estimated: `
          : 'the wait tail cannot be estimated: ') + tailNote,
    };
  }
  const suggestedMs = roundUpWait(estimate.quantileMs);
  const goal = `to miss under ${percentText(target)} of runs`;
  if (windowMisses > 0) {
    // Few misses against a loose target: the estimate can land at or under the window itself.
    const enough = windowMs !== undefined && windowMs > 0 && suggestedMs <= windowMs;
    return {
      ...base,
      kind: 'exceeded',
      suggestedMs: enough ? windowMs : suggestedMs,
      estimate,
      text: enough
        ? `${share(windowMisses)} exceeded ${windowText}, within the target: it is long enough ${goal} (${tailNote})`
        : `${share(windowMisses)} exceeded ${windowText}; ${goal}, set STREAM_DECISION_SET_MAX_WAIT ≥ ${seconds(suggestedMs)} (${tailNote})`,
    };
  }
  const w = windowMs && windowMs > 0 ? windowMs : ORIGIN_DEFAULT_WINDOW_MS;
  const assumed = windowMs === undefined ? ' (assuming the origin default)' : '';
  if (estimate.quantileMs <= 0) {
    return { ...base, kind: 'fits', estimate, text: `no run had to wait for persistence; the ${seconds(w)} window${assumed} is never used (${tailNote})` };
  }
  const headroom = w / estimate.quantileMs;
  const short = suggestedMs > w;
  return {
    ...base,
    kind: 'fits',
    ...(short ? { suggestedMs } : {}),
    estimate,
    text:
      `the ${seconds(w)} window${assumed} leaves ${headroom.toFixed(1)}× headroom` +
      (short ? `, too little ${goal}: set STREAM_DECISION_SET_MAX_WAIT ≥ ${seconds(suggestedMs)}` : '') +
      ` (${tailNote})`,
  };
}

/** `the 1 s window`, or `their window (1 s/2 s/4 s)` when several were pooled. */
function describeWindows(windowsMs: number[]): string {
  const distinct = [...new Set(windowsMs.map((w) => Math.round(w / 10) * 10))].sort((a, b) => a - b);
  if (distinct.length === 0) return 'the window';
  return distinct.length === 1 ? `the ${seconds(distinct[0]!)} window` : `their window (${distinct.map(seconds).join('/')})`;
}

/** The evidence behind an estimate: `99.9 % wait 5.5 s, 90 % interval 5.1–6.9 s; 1,000 runs, 247 past the 1 s window; shifted exponential fit`. */
export function describeEstimate(e: TailEstimate, windowText = describeWindows(e.windowsMs)): string {
  const runs = `${countText(e.runs)} runs${e.censored > 0 ? `, ${countText(e.censored)} past ${windowText}` : ''}`;
  if (e.method === 'none' || e.quantileMs === undefined) return `${e.reason ?? 'no estimate'} (${runs})`;
  const interval = e.interval ? `, ${Math.round(e.interval.level * 100)} % interval ${secondsNumber(e.interval.lowMs)}–${seconds(e.interval.highMs)}` : '';
  const how = e.method === 'empirical' ? 'read off the data' : `${e.family} fit`;
  const rivals = e.rivals && e.rivals.length > 0 ? `; ${e.rivals.map((r) => `a ${r.family} fit, as plausible, gives ${seconds(r.quantileMs)}`).join(', ')}` : '';
  return `${percentText(1 - e.targetMissRate)} wait ${seconds(e.quantileMs)}${interval}; ${runs}; ${how}${rivals}`;
}

/** The part of hdr-histogram-js's JsHistogram iterator used here. */
interface RecordedValues {
  reset(): void;
  hasNext(): boolean;
  next(): { valueIteratedTo: number; countAddedInThisIterationStep: number };
}

/** One step's waits from its encoded histograms (a reproduce step, a saved load result). */
export function waitGroupOfEncoded(encoded: EncodedMetrics, windowMs?: number): WaitGroup {
  const runs = Object.values(encoded.outcomes).reduce((s, n) => s + (n ?? 0), 0);
  return {
    ...(windowMs !== undefined ? { windowMs } : {}),
    opened: observationsOf(encoded.histograms['server-wait'], false),
    notFound: observationsOf(encoded.histograms['not-found-wait'], true),
    runs,
  };
}
