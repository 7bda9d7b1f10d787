/** Per-second first-meaningful-event latency: log buckets, quantiles, and exact merging across files and threads. */
import { describe, expect, it } from 'vitest';
import type { Diagnosis } from '../../src/classify/diagnose.js';
import { outcomeInfo, type OutcomeCode } from '../../src/classify/outcomes.js';
import { bucketValueMs, latencyBucket, latencyQuantile, type LatencyCounts } from '../../src/latency-buckets.js';
import { LoadMetrics, type Sample } from '../../src/load/metrics.js';

describe('latency buckets', () => {
  it.each([
    [0, 0], // nothing below 1 ms is told apart
    [1, 0],
    [1.1, 1], // (1, 2^¼] ms
    [2, 4], // a power of two is the top of its bucket
    [2.0001, 5],
    [1000, 40], // 4·log2(1000) = 39.86
    [1024, 40],
  ])('%s ms → bucket %i', (ms, k) => expect(latencyBucket(ms)).toBe(k));

  it('a bucket midpoint is within 9 % of every value in it', () => {
    for (const ms of [1.5, 7, 42, 333, 1234, 9876, 60_000]) {
      expect(Math.abs(bucketValueMs(latencyBucket(ms)) / ms - 1)).toBeLessThan(0.095);
    }
  });

  it.each([
    ['empty: no figure', {}, 0.5, undefined],
    ['one value', { 40: 1 }, 0.99, bucketValueMs(40)],
    ['p50 of 3 low + 1 high is low', { 20: 3, 40: 1 }, 0.5, bucketValueMs(20)],
    ['p99 of 3 low + 1 high is high', { 20: 3, 40: 1 }, 0.99, bucketValueMs(40)],
    ['p50 exactly at a boundary: the 2nd of 4 values', { 10: 2, 30: 2 }, 0.5, bucketValueMs(10)],
  ] as [string, LatencyCounts, number, number | undefined][])('%s', (_why, counts, q, want) => {
    expect(latencyQuantile(counts, q)).toBe(want);
  });
});

/** A run that started at `scheduledMs` and saw its first meaningful event `firstMs` later (or none). */
function sample(outcome: OutcomeCode, scheduledMs: number, firstMs: number | undefined, lagMs = 0): Sample {
  const diagnosis = {
    outcome: outcomeInfo(outcome),
    attempts: { client: 1 },
    timings: { totalMs: 1500, ...(firstMs !== undefined ? { firstMeaningfulEventMs: firstMs } : {}) },
  } as unknown as Diagnosis;
  return { outcome, scheduledMs, lagMs, diagnosis };
}

describe('LoadMetrics latency per second', () => {
  it('buckets by the second the run started, counts from its scheduled start, skips runs with no event', () => {
    const m = new LoadMetrics();
    m.add(sample('healthy', 100, 300));
    m.add(sample('healthy', 900, 500, 200)); // launched 200 ms late: 700 ms from its schedule
    m.add(sample('early-404', 950, undefined));
    m.add(sample('healthy', 2100, 4000));
    const series = m.latencySeries();
    expect(series).toHaveLength(3);
    expect(series[0]).toEqual({ [latencyBucket(300)]: 1, [latencyBucket(700)]: 1 });
    expect(series[1]).toEqual({}); // no run started in second 1
    expect(latencyQuantile(series[2]!, 0.5)).toBeCloseTo(4000, -3);
  });

  it('merging the encodings of two parts equals one aggregate of every run (threads, shards, files)', () => {
    const runs = Array.from({ length: 300 }, (_, i) => sample(i % 7 === 0 ? 'early-404' : 'healthy', i * 37, i % 7 === 0 ? undefined : 50 + ((i * 7919) % 3000)));
    const whole = new LoadMetrics();
    const a = new LoadMetrics();
    const b = new LoadMetrics();
    runs.forEach((r, i) => {
      whole.add(r);
      (i % 2 ? a : b).add(r);
    });
    const merged = LoadMetrics.decode(JSON.parse(JSON.stringify(a.encode())));
    merged.merge(JSON.parse(JSON.stringify(b.encode())));
    expect(merged.latencySeries()).toEqual(whole.latencySeries());
    expect(whole.encode().latencyTimeline!.length).toBe(12); // 300 runs over 11.1 s
  });

  it('older files without the field still merge', () => {
    const m = new LoadMetrics();
    m.add(sample('healthy', 0, 100));
    const { latencyTimeline: _dropped, ...old } = m.encode();
    const merged = LoadMetrics.decode(old);
    merged.merge(m.encode());
    expect(merged.latencySeries()).toEqual(m.latencySeries());
  });
});
