/**
 * Numerical pieces of the tail estimator (tail.ts): the normal distribution's log-tail and
 * inverse, a 2-parameter Nelder–Mead minimiser, and a seeded random source. Pure, no clock.
 */

/**
 * ln(erfc(x)), accurate to about 1e-7 relative (Numerical Recipes' erfcc), and finite far into
 * the tail: the formula is already a logarithm for x ≥ 0, so censored points many sigmas out
 * do not underflow to log(0).
 */
export function logErfc(x: number): number {
  if (x < 0) return Math.log(2 - Math.exp(logErfc(-x)));
  const t = 1 / (1 + 0.5 * x);
  const poly =
    -1.26551223 +
    t * (1.00002368 + t * (0.37409196 + t * (0.09678418 + t * (-0.18628806 + t * (0.27886807 + t * (-1.13520398 + t * (1.48851587 + t * (-0.82215223 + t * 0.17087277))))))));
  return Math.log(t) - x * x + poly;
}

/** ln P(Z > z) for a standard normal Z. */
export function logNormalTail(z: number): number {
  return logErfc(z / Math.SQRT2) - Math.LN2;
}

/** Φ⁻¹(p), the standard normal quantile (Acklam's rational approximation, ~1e-9 relative). */
export function probit(p: number): number {
  if (p <= 0) return -Infinity;
  if (p >= 1) return Infinity;
  const a = [-39.69683028665376, 220.9460984245205, -275.9285104469687, 138.357751867269, -30.66479806614716, 2.506628277459239];
  const b = [-54.47609879822406, 161.5858368580409, -155.6989798598866, 66.80131188771972, -13.28068155288572];
  const c = [-0.007784894002430293, -0.3223964580411365, -2.400758277161838, -2.549732539343734, 4.374664141464968, 2.938163982698783];
  const d = [0.007784695709041462, 0.3224671290700398, 2.445134137142996, 3.754408661907416];
  const low = 0.02425;
  if (p < low) {
    const q = Math.sqrt(-2 * Math.log(p));
    return (((((c[0]! * q + c[1]!) * q + c[2]!) * q + c[3]!) * q + c[4]!) * q + c[5]!) / ((((d[0]! * q + d[1]!) * q + d[2]!) * q + d[3]!) * q + 1);
  }
  if (p > 1 - low) return -probit(1 - p);
  const q = p - 0.5;
  const r = q * q;
  return ((((((a[0]! * r + a[1]!) * r + a[2]!) * r + a[3]!) * r + a[4]!) * r + a[5]!) * q) / (((((b[0]! * r + b[1]!) * r + b[2]!) * r + b[3]!) * r + b[4]!) * r + 1);
}

/**
 * Minimises `f` over two unconstrained parameters from `start` (Nelder–Mead with the usual
 * coefficients). Non-finite values count as +∞, so a family can refuse parameters it cannot use.
 */
export function minimise2(f: (p: [number, number]) => number, start: [number, number], step = 0.5, maxIterations = 400): { at: [number, number]; value: number } {
  const value = (p: [number, number]): number => {
    const v = f(p);
    return Number.isFinite(v) ? v : Infinity;
  };
  let simplex: { p: [number, number]; v: number }[] = [
    start,
    [start[0] + step, start[1]] as [number, number],
    [start[0], start[1] + step] as [number, number],
  ].map((p) => ({ p, v: value(p) }));
  for (let i = 0; i < maxIterations; i++) {
    simplex.sort((x, y) => x.v - y.v);
    const [best, mid, worst] = simplex as [(typeof simplex)[0], (typeof simplex)[0], (typeof simplex)[0]];
    if (Math.abs(worst.v - best.v) < 1e-10 * (1 + Math.abs(best.v)) && Math.hypot(worst.p[0] - best.p[0], worst.p[1] - best.p[1]) < 1e-7) break;
    const centre: [number, number] = [(best.p[0] + mid.p[0]) / 2, (best.p[1] + mid.p[1]) / 2];
    const along = (t: number): [number, number] => [centre[0] + t * (worst.p[0] - centre[0]), centre[1] + t * (worst.p[1] - centre[1])];
    const reflected = { p: along(-1), v: 0 };
    reflected.v = value(reflected.p);
    if (reflected.v < best.v) {
      const expanded = { p: along(-2), v: 0 };
      expanded.v = value(expanded.p);
      simplex = [best, mid, expanded.v < reflected.v ? expanded : reflected];
    } else if (reflected.v < mid.v) {
      simplex = [best, mid, reflected];
    } else {
      const contracted = { p: along(reflected.v < worst.v ? -0.5 : 0.5), v: 0 };
      contracted.v = value(contracted.p);
      if (contracted.v < Math.min(worst.v, reflected.v)) simplex = [best, mid, contracted];
      else {
        // Shrink towards the best point.
        const shrink = (q: { p: [number, number] }): { p: [number, number]; v: number } => {
          const p: [number, number] = [(best.p[0] + q.p[0]) / 2, (best.p[1] + q.p[1]) / 2];
          return { p, v: value(p) };
        };
        simplex = [best, shrink(mid), shrink(worst)];
      }
    }
  }
  simplex.sort((x, y) => x.v - y.v);
  return { at: simplex[0]!.p, value: simplex[0]!.v };
}

/** A seeded uniform source on [0, 1) (mulberry32), so bootstrap intervals repeat exactly. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A Poisson(mean) draw: exact (Knuth) for small means, normal-approximated above 30. */
export function poisson(mean: number, random: () => number): number {
  if (mean <= 0) return 0;
  if (mean > 30) {
    const u = Math.max(1e-12, random());
    const z = Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * random());
    return Math.max(0, Math.round(mean + Math.sqrt(mean) * z));
  }
  const limit = Math.exp(-mean);
  let k = 0;
  let p = random();
  while (p > limit) {
    k++;
    p *= random();
  }
  return k;
}
