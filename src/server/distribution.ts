/**
 * Delay distributions for the reference server (persistence delay, node durations).
 *
 * Syntax (durations follow ssedoctor's one grammar, src/duration.ts: `300ms`, `1.5s`, `2m`):
 *   `300ms`                 fixed
 *   `100ms..800ms`          uniform between the bounds
 *   `exp(300ms)`            exponential with that mean
 *   `lognormal(1s,0.8)`     log-normal with that median and sigma (shape)
 *   `never`                 infinite: the thing never happens
 */

import { parseDurationMs } from '../duration.js';

/** A sampler that returns a delay in ms (never negative). */
export interface Distribution {
  /** The text it was parsed from, normalised. */
  readonly spec: string;
  sample(random: () => number): number;
}

/** Parses `250ms`, `1.5s`, `2m` into ms (the shared grammar); undefined when malformed. */
export function parseServerDuration(text: string): number | undefined {
  return parseDurationMs(text);
}

/** Parses the distribution syntax above; throws a RangeError with a readable message when malformed. */
export function parseDistribution(text: string): Distribution {
  const spec = text.trim();
  const fail = (): never => {
    throw new RangeError(
      `bad delay distribution "${text}": use 300ms, 100ms..800ms, exp(300ms), lognormal(1s,0.8) or never (durations take a unit)`,
    );
  };
  const duration = (s: string | undefined): number => parseServerDuration(s ?? '') ?? fail();

  if (spec === 'never') return { spec, sample: () => Infinity };
  const range = /^(.+)\.\.(.+)$/.exec(spec);
  if (range) {
    const lo = duration(range[1]);
    const hi = duration(range[2]);
    if (hi < lo) fail();
    return { spec, sample: (r) => lo + (hi - lo) * r() };
  }
  const exp = /^exp\((.+)\)$/.exec(spec);
  if (exp) {
    const mean = duration(exp[1]);
    return { spec, sample: (r) => -mean * Math.log(1 - r()) };
  }
  const logn = /^lognormal\(([^,]+),([^)]+)\)$/.exec(spec);
  if (logn) {
    const median = duration(logn[1]);
    const sigma = Number(logn[2]);
    if (!Number.isFinite(sigma) || sigma < 0 || median <= 0) fail();
    const mu = Math.log(median);
    return { spec, sample: (r) => Math.exp(mu + sigma * standardNormal(r)) };
  }
  const fixed = duration(spec);
  return { spec, sample: () => fixed };
}

/** Box-Muller transform: one standard normal deviate from two uniforms. */
function standardNormal(random: () => number): number {
  const u = 1 - random(); // (0, 1], keeps log finite
  const v = random();
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
}

/** Small seeded PRNG (mulberry32), so a scenario replays the same delays for the same seed. */
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
