/**
 * Parametric families for the positive part of the lookup-wait distribution, each fitted by
 * censored maximum likelihood: an observed wait contributes its density, a wait known only to
 * exceed a window (a 404 after the window) contributes the survival function at that window.
 * Values are in seconds here, so the parameters stay near 1. Pure.
 */
import { logNormalTail, minimise2, probit } from './tail-math.js';

/**
 * A group of equal observations: `n` waits of `x` seconds; of more than `x` when censored; or,
 * with `lo`, waits somewhere in (lo, x] — a polling server sees the decision set only at its next
 * lookup, so an observed wait says the set appeared during the last retry delay.
 */
export interface Cell {
  x: number;
  n: number;
  censored: boolean;
  lo?: number;
}

export type FamilyName = 'log-normal' | 'shifted exponential' | 'Weibull';

export interface Fit {
  family: FamilyName;
  /** The fitted parameters, in the family's own (unconstrained) coordinates. */
  params: [number, number];
  logLikelihood: number;
  /** Akaike information criterion: 2·parameters − 2·log-likelihood (lower is better). */
  aic: number;
  /** The wait (s) whose survival probability is `p`. */
  quantileAbove(p: number): number;
}

interface Family {
  name: FamilyName;
  start(cells: Cell[]): [number, number];
  logDensity(x: number, p: [number, number]): number;
  logSurvival(x: number, p: [number, number]): number;
  quantileAbove(q: number, p: [number, number]): number;
  /** Closed-form maximum (skips the search), when the family has one. */
  closedForm?(cells: Cell[]): [number, number] | undefined;
}

/** ln(S(lo) − S(hi)) without cancellation: ln S(lo) + ln(1 − S(hi)/S(lo)). */
function logIntervalMass(family: Family, lo: number, hi: number, p: [number, number]): number {
  const a = lo > 0 ? family.logSurvival(lo, p) : 0;
  const b = family.logSurvival(hi, p);
  return b >= a ? -Infinity : a + Math.log1p(-Math.exp(b - a));
}

function logLikelihood(family: Family, cells: Cell[], p: [number, number]): number {
  let ll = 0;
  for (const c of cells) {
    const term = c.censored ? family.logSurvival(c.x, p) : c.lo !== undefined ? logIntervalMass(family, c.lo, c.x, p) : family.logDensity(c.x, p);
    ll += c.n * term;
  }
  return ll;
}

/** Mean and standard deviation of ln x over the observed (uncensored) cells. */
function logMoments(cells: Cell[]): { mean: number; sd: number } {
  let n = 0;
  let sum = 0;
  let sq = 0;
  for (const c of cells) {
    if (c.censored) continue;
    const l = Math.log(c.x);
    n += c.n;
    sum += c.n * l;
    sq += c.n * l * l;
  }
  const mean = sum / n;
  return { mean, sd: Math.sqrt(Math.max(1e-4, sq / n - mean * mean)) };
}

const LOG_NORMAL: Family = {
  name: 'log-normal',
  start: (cells) => {
    const { mean, sd } = logMoments(cells);
    return [mean, Math.log(sd)];
  },
  logDensity: (x, [mu, ls]) => {
    const s = Math.exp(ls);
    const z = (Math.log(x) - mu) / s;
    return -Math.log(x) - ls - 0.5 * Math.log(2 * Math.PI) - 0.5 * z * z;
  },
  logSurvival: (x, [mu, ls]) => logNormalTail((Math.log(x) - mu) / Math.exp(ls)),
  quantileAbove: (q, [mu, ls]) => Math.exp(mu + Math.exp(ls) * probit(1 - q)),
};

/**
 * x = shift + Exp(rate). With exact waits the likelihood grows with the shift up to the smallest
 * one, so the maximum is closed-form: shift = that minimum, rate = observed / total excess.
 */
const SHIFTED_EXPONENTIAL: Family = {
  name: 'shifted exponential',
  start: (cells) => exactShiftedExponential(cells),
  // Exact waits only: with intervals the shift is searched like the other families' parameters.
  closedForm: (cells) => (cells.some((c) => c.lo !== undefined) ? undefined : exactShiftedExponential(cells)),
  logDensity: (x, [shift, lr]) => (x < shift ? -Infinity : lr - Math.exp(lr) * (x - shift)),
  logSurvival: (x, [shift, lr]) => (x < shift ? 0 : -Math.exp(lr) * (x - shift)),
  quantileAbove: (q, [shift, lr]) => shift - Math.log(q) / Math.exp(lr),
};

function exactShiftedExponential(cells: Cell[]): [number, number] {
  let shift = Infinity;
  for (const c of cells) if (!c.censored) shift = Math.min(shift, c.x);
  let observed = 0;
  let excess = 0;
  for (const c of cells) {
    if (!c.censored) observed += c.n;
    excess += c.n * Math.max(0, c.x - shift);
  }
  // With intervals (a search start only), begin below every interval, where the likelihood is finite.
  const lowest = Math.min(...cells.map((c) => c.lo ?? c.x));
  return [lowest < shift ? lowest * 0.9 : shift, Math.log(observed / Math.max(excess, 1e-9))];
}

const WEIBULL: Family = {
  name: 'Weibull',
  start: (cells) => {
    const { mean } = logMoments(cells);
    return [0, mean + 0.5];
  },
  logDensity: (x, [lk, ll]) => {
    const k = Math.exp(lk);
    const r = x / Math.exp(ll);
    return lk - ll + (k - 1) * Math.log(r) - r ** k;
  },
  logSurvival: (x, [lk, ll]) => -((x / Math.exp(ll)) ** Math.exp(lk)),
  quantileAbove: (q, [lk, ll]) => Math.exp(ll) * (-Math.log(q)) ** (1 / Math.exp(lk)),
};

export const FAMILIES: readonly Family[] = [LOG_NORMAL, SHIFTED_EXPONENTIAL, WEIBULL];

/** Fits one family by censored maximum likelihood; `from` seeds the search (bootstrap refits). */
export function fitFamily(family: Family, cells: Cell[], from?: [number, number]): Fit {
  const params =
    family.closedForm?.(cells) ??
    // A bootstrap refit starts at the fit, close to its own optimum: a smaller first step and fewer iterations do.
    minimise2((p) => -logLikelihood(family, cells, p), from ?? family.start(cells), from ? 0.1 : 0.3, from ? 150 : 400).at;
  const ll = logLikelihood(family, cells, params);
  return {
    family: family.name,
    params,
    logLikelihood: ll,
    aic: 4 - 2 * ll,
    quantileAbove: (p) => family.quantileAbove(p, params),
  };
}

/** Fits every family and returns them best first (by AIC; all have two parameters). */
export function fitAll(cells: Cell[]): Fit[] {
  return FAMILIES.map((f) => fitFamily(f, cells))
    .filter((f) => Number.isFinite(f.aic))
    .sort((a, b) => a.aic - b.aic);
}

/** The family object of a fit, for refitting resamples with the same model. */
export function familyNamed(name: FamilyName): Family {
  return FAMILIES.find((f) => f.name === name)!;
}
