/** Seeded lookup waits from known distributions through a model of the server's polling loop (test helper). */
import { LoadMetrics, type Sample } from '../../src/load/metrics.js';
import type { WaitObservation } from '../../src/load/tail.js';
import { seededRandom } from '../../src/load/tail-math.js';

export type Draw = (random: () => number) => number;
export const exp = (meanMs: number): Draw => (r) => -meanMs * Math.log(1 - r());
export const logNormal = (medianMs: number, sigma: number): Draw => (r) =>
  medianMs * Math.exp(sigma * Math.sqrt(-2 * Math.log(1 - r())) * Math.cos(2 * Math.PI * r()));
export const weibull = (k: number, scaleMs: number): Draw => (r) => scaleMs * (-Math.log(1 - r())) ** (1 / k);

/**
 * The origin's lookup loop: the GET arrives `getMs` after the POST, looks up at once and then every
 * `pollMs`; it answers 200 at the first lookup after persistence, or 404 at the first lookup at or
 * past the window. pollMs 0 models a server that is notified (exact waits).
 */
export function serverWaits(draw: Draw, n: number, windowMs: number, { pollMs = 200, getMs = 5, seed = 7 } = {}): WaitObservation[] {
  const random = seededRandom(seed);
  const last = pollMs > 0 ? Math.ceil(windowMs / pollMs) * pollMs : windowMs;
  return Array.from({ length: n }, () => {
    const due = draw(random) - getMs;
    const wait = due <= 0 ? 0 : pollMs > 0 ? Math.ceil(due / pollMs) * pollMs : due;
    return wait <= last ? { ms: wait + 0.4 } : { ms: last + 0.6, censored: true };
  });
}

/** The waits as a load run records them (histograms of opened and not-found waits). */
export function asMetrics(observations: WaitObservation[]): LoadMetrics {
  const m = new LoadMetrics();
  for (const o of observations) {
    const timings = o.censored ? { totalMs: o.ms, notFoundWaitMs: o.ms } : { totalMs: o.ms, openedWaitMs: o.ms };
    const sample = { outcome: o.censored ? 'early-404' : 'healthy', scheduledMs: 0, lagMs: 0, diagnosis: { timings, attempts: { client: 1 }, counts: {}, nodes: [] } };
    for (let i = 0; i < (o.count ?? 1); i++) m.add(sample as unknown as Sample);
  }
  return m;
}
