/**
 * Per-second latency as small, exactly mergeable data: each second holds counts per logarithmic
 * bucket (4 per doubling of ms), so result files and generator threads merge by adding counts,
 * and the p50/p99 of any second can be read back within the bucket's width (±9 %). The load
 * metrics write it, the reports read it; like the duration grammar it imports nothing.
 */

/** Buckets per doubling of the value in ms: bucket k holds (2^((k−1)/4), 2^(k/4)] ms; bucket 0 holds ≤ 1 ms. */
export const BUCKETS_PER_OCTAVE = 4;

/** One second's counts: bucket index (as a JSON key) → runs. */
export type LatencyCounts = Record<string, number>;

/** The bucket of a value in ms. */
export function latencyBucket(ms: number): number {
  return ms <= 1 ? 0 : Math.ceil(BUCKETS_PER_OCTAVE * Math.log2(ms) - 1e-9);
}

/** A bucket's representative value in ms: its geometric midpoint (1 ms for bucket 0). */
export function bucketValueMs(k: number): number {
  return k <= 0 ? 1 : 2 ** ((k - 0.5) / BUCKETS_PER_OCTAVE);
}

/** Adds one value (ms) to a second's counts. */
export function addLatency(counts: LatencyCounts, ms: number): void {
  const k = String(latencyBucket(Math.max(0, ms)));
  counts[k] = (counts[k] ?? 0) + 1;
}

/** Adds `from` into `into`, exactly. */
export function mergeLatency(into: LatencyCounts, from: LatencyCounts): void {
  for (const [k, n] of Object.entries(from)) into[k] = (into[k] ?? 0) + n;
}

/** Values recorded in one second's counts. */
export function latencyCount(counts: LatencyCounts): number {
  return Object.values(counts).reduce((a, b) => a + b, 0);
}

/**
 * The value (ms) at quantile `q` (0–1) of one second's counts, as its bucket's midpoint: the
 * smallest bucket whose cumulative count reaches q of the total. Undefined when empty.
 */
export function latencyQuantile(counts: LatencyCounts, q: number): number | undefined {
  const total = latencyCount(counts);
  if (total === 0) return undefined;
  const rank = Math.max(1, Math.ceil(q * total));
  let seen = 0;
  for (const k of Object.keys(counts).map(Number).sort((a, b) => a - b)) {
    seen += counts[String(k)]!;
    if (seen >= rank) return bucketValueMs(k);
  }
  return undefined;
}
