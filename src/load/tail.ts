/**
 * The one estimator behind every STREAM_DECISION_SET_MAX_WAIT recommendation (load, reproduce,
 * logs). From lookup waits — observed ones, and right-censored ones (a 404 after the window: the
 * wait was *at least* that long, possibly at several windows, as in a reproduce sweep) — it
 * estimates the wait that only `targetMissRate` of runs exceed. Pure: no I/O, no clock; the
 * bootstrap is seeded.
 *
 * Model: a share p0 of lookups succeed at once (wait 0); the rest follow a continuous family
 * (log-normal, shifted exponential or Weibull, picked by AIC) fitted by censored maximum
 * likelihood. The target quantile solves (1 − p0)·S(q) = targetMissRate. When nothing below the
 * quantile is censored and at least 10 observations lie past it, the empirical quantile is used
 * instead: no model needed.
 */
import { familyNamed, fitAll, fitFamily, type Cell, type FamilyName } from './tail-families.js';
import { poisson, probit, seededRandom } from './tail-math.js';

/** One wait (ms), or `count` equal ones; `censored` when the server gave up after `ms` (a 404). */
export interface WaitObservation {
  ms: number;
  count?: number;
  censored?: boolean;
}

export interface TailOptions {
  /** Share of runs allowed to miss the window, 0..1 (default 0.001 = 0.1 %). */
  targetMissRate?: number;
  /** Waits at or below this many ms count as found at once (default 50 ms, below any sane retry delay). */
  zeroMs?: number;
  /**
   * The server's lookup retry delay, ms (STREAM_DECISION_SET_RETRY_DELAY): an observed wait w then
   * means the set appeared in (w − poll, w]. Estimated from the waits' spacing when not given;
   * 0 treats waits as exact.
   */
  pollMs?: number;
  /** Level of the reported interval (default 0.9). */
  level?: number;
  /** Bootstrap resamples for the interval (default 100: about 4 ms each on a few hundred distinct waits). */
  resamples?: number;
  /** Seed of the bootstrap (default 1). */
  seed?: number;
}

/** What the estimator concluded, with what it rests on. */
export interface TailEstimate {
  /** The miss rate aimed at, 0..1. */
  targetMissRate: number;
  /** `empirical`: read off the data; `fit`: extrapolated by a fitted family; `none`: not estimable (see `reason`). */
  method: 'empirical' | 'fit' | 'none';
  /** The wait only `targetMissRate` of runs exceed, ms. */
  quantileMs?: number;
  /** Bootstrap (fit) or order-statistic (empirical) interval of `quantileMs`, ms. */
  interval?: { lowMs: number; highMs: number; level: number };
  /** The family chosen (fit only), and every family's AIC and quantile (ms), best first. */
  family?: FamilyName;
  candidates?: { family: FamilyName; aic: number; quantileMs: number }[];
  /**
   * Families within 2 AIC of the best (the data cannot tell them apart) whose quantile differs
   * from the best's by more than 10 %; the interval is widened to cover them.
   */
  rivals?: { family: FamilyName; quantileMs: number }[];
  /** Observations used, in runs: all, found at once, observed waits, censored (404 after a window). */
  runs: number;
  atOnce: number;
  observed: number;
  censored: number;
  /** The distinct censoring points (the windows that ran out), ms, ascending. */
  windowsMs: number[];
  /** The retry delay the waits were read with (given or estimated from their spacing), ms; 0 = exact waits. */
  pollMs: number;
  /** Why there is no estimate, when `method` is `none`. */
  reason?: string;
}

const DEFAULTS = { targetMissRate: 0.001, zeroMs: 50, level: 0.9, resamples: 100, seed: 1 };
/** Observations past the quantile needed to read it off the data without a model. */
const EMPIRICAL_MIN_PAST = 10;
/** Positive observed waits needed to fit a family. */
const FIT_MIN_OBSERVED = 5;

/** Groups observations into cells on a 1 % log grid (bounded work however many runs there are). */
function toCells(observations: WaitObservation[], zeroMs: number, pollMs: number): { zeros: number; cells: Cell[] } {
  const map = new Map<string, Cell>();
  let zeros = 0;
  for (const o of observations) {
    const n = o.count ?? 1;
    if (n <= 0 || !Number.isFinite(o.ms)) continue;
    if (!o.censored && o.ms <= zeroMs) {
      zeros += n;
      continue;
    }
    const x = Math.exp(Math.round(Math.log(Math.max(o.ms, 1e-3) / 1000) / 0.01) * 0.01);
    const key = `${o.censored ? 'c' : 'o'}${x}`;
    const cell = map.get(key);
    if (cell) cell.n += n;
    else map.set(key, { x, n, censored: Boolean(o.censored), ...(!o.censored && pollMs > 0 ? { lo: Math.max(0, x - pollMs / 1000) } : {}) });
  }
  return { zeros, cells: [...map.values()].sort((a, b) => a.x - b.x) };
}

/** Estimates the wait that only `targetMissRate` of runs exceed. */
export function estimateTail(observations: WaitObservation[], options: TailOptions = {}): TailEstimate {
  const o = { ...DEFAULTS, ...options };
  const t = o.targetMissRate;
  const pollMs = options.pollMs ?? estimatePollMs(observations, o.zeroMs);
  const { zeros, cells } = toCells(observations, o.zeroMs, pollMs);
  const observed = cells.filter((c) => !c.censored).reduce((s, c) => s + c.n, 0);
  const censored = cells.filter((c) => c.censored).reduce((s, c) => s + c.n, 0);
  const runs = zeros + observed + censored;
  const base: TailEstimate = {
    targetMissRate: t,
    method: 'none',
    runs,
    atOnce: zeros,
    observed,
    censored,
    pollMs,
    windowsMs: [...new Set(cells.filter((c) => c.censored).map((c) => Math.round(c.x * 1000)))],
  };
  if (runs === 0) return { ...base, reason: 'no waits were recorded' };

  const empirical = empiricalQuantile(zeros, cells, t, o.level);
  if (empirical) return { ...base, method: 'empirical', ...empirical };

  if (observed < FIT_MIN_OBSERVED) {
    return {
      ...base,
      reason:
        censored > 0
          ? `only ${observed} run(s) found the decision set after a wait and ${censored} ran out of the window: too little below the window to extrapolate past it`
          : `only ${observed} run(s) waited at all: too few to fit the tail`,
    };
  }
  // The positive part must put t' = t / (1 − p0) past the quantile.
  const conditional = (zerosN: number, total: number): number => t / Math.max(1e-12, 1 - zerosN / total);
  const fits = fitAll(cells);
  const best = fits[0];
  if (!best) return { ...base, reason: 'no family could be fitted to these waits' };
  const quantileFrom = (q: (p: number) => number, zerosN: number, total: number): number => {
    const tc = conditional(zerosN, total);
    return tc >= 1 ? 0 : q(tc) * 1000;
  };
  const quantileMs = quantileFrom(best.quantileAbove, zeros, runs);

  // Poisson bootstrap: every cell's count redrawn, the chosen family refitted.
  const random = seededRandom(o.seed);
  const family = familyNamed(best.family);
  const draws: number[] = [];
  for (let i = 0; i < o.resamples; i++) {
    const z = poisson(zeros, random);
    const resampled = cells.map((c) => ({ ...c, n: poisson(c.n, random) })).filter((c) => c.n > 0);
    const obs = resampled.filter((c) => !c.censored).reduce((s, c) => s + c.n, 0);
    if (obs < FIT_MIN_OBSERVED) continue;
    const fit = fitFamily(family, resampled, best.params);
    const total = z + resampled.reduce((s, c) => s + c.n, 0);
    const q = quantileFrom(fit.quantileAbove, z, total);
    if (Number.isFinite(q)) draws.push(q);
  }
  draws.sort((a, b) => a - b);
  const at = (p: number): number => draws[Math.min(draws.length - 1, Math.max(0, Math.floor(p * draws.length)))]!;
  const tail = (1 - o.level) / 2;
  const candidates = fits.map((f) => ({ family: f.family, aic: f.aic, quantileMs: quantileFrom(f.quantileAbove, zeros, runs) }));
  const rivals = candidates
    .slice(1)
    .filter((c) => c.aic - best.aic <= 2 && Math.abs(c.quantileMs - quantileMs) > 0.1 * quantileMs)
    .map((c) => ({ family: c.family, quantileMs: c.quantileMs }));
  let interval: TailEstimate['interval'];
  if (draws.length >= 20) {
    interval = { lowMs: at(tail), highMs: at(1 - tail), level: o.level };
    // Model uncertainty counts too: stretch the interval over equally plausible families.
    for (const r of rivals) interval = { ...interval, lowMs: Math.min(interval.lowMs, r.quantileMs), highMs: Math.max(interval.highMs, r.quantileMs) };
  }
  return {
    ...base,
    method: 'fit',
    quantileMs,
    ...(interval ? { interval } : {}),
    family: best.family,
    candidates,
    ...(rivals.length > 0 ? { rivals } : {}),
  };
}

/**
 * The empirical (1 − t) quantile, when it is exact: at least 10 observations lie past it and no
 * censored observation lies below it (censored waits are known only to exceed their window, so
 * they sort above it). Interval: the order statistics at the binomial ranks.
 */
function empiricalQuantile(zeros: number, cells: Cell[], t: number, level: number): Pick<TailEstimate, 'quantileMs' | 'interval'> | undefined {
  const runs = zeros + cells.reduce((s, c) => s + c.n, 0);
  if (runs * t < EMPIRICAL_MIN_PAST) return undefined;
  const firstCensored = cells.find((c) => c.censored)?.x ?? Infinity;
  const uncensored = cells.filter((c) => !c.censored);
  const z = probit(1 - (1 - level) / 2);
  const spread = z * Math.sqrt(runs * t * (1 - t));
  const valueAtRank = (rank: number): number | undefined => {
    if (rank <= zeros) return 0;
    let seen = zeros;
    for (const c of uncensored) {
      seen += c.n;
      if (seen >= rank) return c.x < firstCensored ? c.x * 1000 : undefined;
    }
    return undefined;
  };
  const target = Math.ceil(runs * (1 - t));
  const q = valueAtRank(target);
  const high = valueAtRank(Math.min(runs, Math.ceil(target + spread)));
  if (q === undefined || high === undefined) return undefined;
  return { quantileMs: q, interval: { lowMs: valueAtRank(Math.max(1, Math.floor(target - spread)))!, highMs: high, level } };
}

/** Waits closer than this belong to one lookup round (scheduling jitter, query time), ms. */
const CLUSTER_GAP_MS = 20;

/**
 * The retry delay behind a set of waits, ms, or 0 when they do not come in steps. A polling
 * server answers only at its lookups, so observed waits cluster at offset + k·delay; the delay is
 * the smallest spacing between clusters (or the first cluster past zero), accepted only when
 * at least 80 % of the waits sit within 10 % of a multiple of it from the first cluster, and it
 * is over twice the jitter bound.
 */
export function estimatePollMs(observations: WaitObservation[], zeroMs = DEFAULTS.zeroMs): number {
  const waits = observations.filter((o) => !o.censored && o.ms > zeroMs && (o.count ?? 1) > 0).sort((a, b) => a.ms - b.ms);
  if (waits.length === 0) return 0;
  const centres: { ms: number; n: number }[] = [];
  let sum = 0;
  let n = 0;
  let last = -Infinity;
  for (const w of waits) {
    const c = w.count ?? 1;
    if (w.ms - last > CLUSTER_GAP_MS && n > 0) {
      centres.push({ ms: sum / n, n });
      sum = 0;
      n = 0;
    }
    sum += w.ms * c;
    n += c;
    last = w.ms;
  }
  centres.push({ ms: sum / n, n });
  // One cluster alone cannot tell a loop's step from a fixed delay.
  if (centres.length < 2) return 0;
  let poll = centres[0]!.ms;
  for (let i = 1; i < centres.length; i++) poll = Math.min(poll, centres[i]!.ms - centres[i - 1]!.ms);
  // Spacing near the jitter bound is continuous waits, not a loop.
  if (poll <= 2 * CLUSTER_GAP_MS) return 0;
  const total = centres.reduce((s, c) => s + c.n, 0);
  const onGrid = centres
    .filter((c) => {
      const k = (c.ms - centres[0]!.ms) / poll;
      return Math.abs(k - Math.round(k)) <= 0.1;
    })
    .reduce((s, c) => s + c.n, 0);
  return onGrid >= 0.8 * total ? poll : 0;
}
