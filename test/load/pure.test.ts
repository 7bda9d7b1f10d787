/** Pure load pieces: pacer schedules, threshold parsing/evaluation, histogram encoding and merging, recommendation. */
import { describe, expect, it } from 'vitest';
import type { Diagnosis } from '../../src/classify/diagnose.js';
import { outcomeInfo, type OutcomeCode } from '../../src/classify/outcomes.js';
import { SsedoctorError } from '../../src/errors.js';
import { LoadMetrics, type Sample } from '../../src/load/metrics.js';
import { constantSchedule, rampSchedule } from '../../src/load/pacer.js';
import { recommendMaxWait } from '../../src/load/recommend.js';
import { evaluateThresholds, parseThreshold } from '../../src/load/thresholds.js';

describe('pacer', () => {
  it.each([
    // [schedule, run index, due ms]
    ['10/s for 1 s: run 0 at 0 ms', constantSchedule(10, 1000), 0, 0],
    ['10/s for 1 s: run 5 at 500 ms', constantSchedule(10, 1000), 5, 500],
    ['10/s for 1 s: run 9 at 900 ms', constantSchedule(10, 1000), 9, 900],
    ['10/s for 1 s: run 10 is past the end', constantSchedule(10, 1000), 10, undefined],
    ['0→20/s over 1 s: 10 runs total, run 5 at √0.5 s', rampSchedule(0.000001, 20, 1000), 5, Math.sqrt(0.5) * 1000],
    ['10→30/s over 2 s: run 10 at ~0.83 s (10t + 5t² = 10)', rampSchedule(10, 30, 2000), 10, ((-10 + Math.sqrt(100 + 200)) / 10) * 1000],
  ])('%s', (_why, schedule, i, due) => {
    const got = schedule.startAt(i);
    if (due === undefined) expect(got).toBeUndefined();
    else expect(got).toBeCloseTo(due, 3);
  });

  it('holds the expected number of runs', () => {
    expect(constantSchedule(50, 30_000).total).toBe(1500);
    expect(rampSchedule(10, 30, 2000).total).toBe(40); // mean 20/s × 2 s
  });

  it('is monotonic', () => {
    const s = rampSchedule(5, 200, 5000);
    for (let i = 1; i < s.total; i++) expect(s.startAt(i)!).toBeGreaterThan(s.startAt(i - 1)!);
  });
});

/** A diagnosis with just the figures metrics read. */
function sample(outcome: OutcomeCode, timings: Partial<Diagnosis['timings']> = {}, lagMs = 0, serverLookups?: number): Sample {
  const diagnosis = {
    outcome: outcomeInfo(outcome),
    detail: '',
    findings: [],
    attempts: { client: 1, serverLookups },
    timings: { totalMs: 1000, ...timings },
    counts: { events: {}, heartbeats: 0, pings: 0, progress: 0, bytes: 0, reads: 0 },
    nodes: [],
  } as unknown as Diagnosis;
  return { outcome, scheduledMs: 0, lagMs, diagnosis };
}

function filled(n: number, outcome: OutcomeCode, ms: (i: number) => number): LoadMetrics {
  const m = new LoadMetrics();
  for (let i = 0; i < n; i++) m.add(sample(outcome, { firstNodeEventMs: ms(i), openedWaitMs: ms(i) / 2 }, 0, 1 + (i % 5)));
  return m;
}

describe('thresholds', () => {
  it.each([
    ['rate(early-404)<0.1%', { kind: 'rate', outcome: 'early-404', op: '<', value: 0.1 }],
    ['count(heartbeat-only)==0', { kind: 'count', outcome: 'heartbeat-only', op: '==', value: 0 }],
    ['p99(first-node-event)<2s', { kind: 'stat', stat: 'p99', metric: 'first-node-event', op: '<', value: 2000 }],
    ['p99.9(server-wait) <= 1500ms', { kind: 'stat', stat: 'p99.9', metric: 'server-wait', op: '<=', value: 1500 }],
    ['max(server-lookups)<=10', { kind: 'stat', stat: 'max', metric: 'server-lookups', op: '<=', value: 10 }],
    ['rate(ok)>99%', { kind: 'rate', outcome: 'ok', op: '>', value: 99 }],
  ])('parses %s', (text, want) => expect(parseThreshold(text)).toMatchObject(want));

  it.each([
    ['rate(early-404)<0.1', /needs a percentage/],
    ['rate(nope)<1%', /unknown outcome "nope"/],
    ['p99(latency)<2s', /unknown metric "latency"/],
    ['p99(first-event)<2', /is a duration/],
    ['p42(first-event)<2s', /unknown function "p42"/],
    ['max(server-lookups)<10ms', /is a count/],
    ['early-404 < 1%', /expected FUNCTION\(NAME\) OP VALUE/],
  ])('rejects %s', (text, message) => {
    expect(() => parseThreshold(text)).toThrow(SsedoctorError);
    expect(() => parseThreshold(text)).toThrow(message);
  });

  it('evaluates against an aggregate', () => {
    const m = filled(1000, 'healthy', (i) => i + 1); // first-node-event 1..1000 ms
    m.add(sample('early-404'));
    m.add(sample('early-404'));
    const v = evaluateThresholds(
      ['rate(early-404)<0.1%', 'rate(early-404)<1%', 'p99(first-node-event)<2s', 'p50(first-node-event)<100ms', 'count(heartbeat-only)==0', 'max(server-lookups)<=5', 'p99(terminal)<1s'].map(parseThreshold),
      m,
    );
    expect(v.map((x) => x.passed)).toEqual([false, true, true, false, true, true, false]);
    expect(v[0]!.actual).toBeCloseTo((2 / 1002) * 100, 5);
    expect(v[6]!.actual).toBeUndefined(); // no terminal data: nothing proves it, so it fails
  });
});

describe('histogram encoding', () => {
  it('round-trips exactly and merges by adding, never by averaging percentiles', () => {
    const a = filled(500, 'healthy', (i) => i * 2 + 1); // 1..999 ms
    const b = filled(300, 'early-404', () => 5000); // all 5 s
    const merged = LoadMetrics.decode(a.encode());
    merged.merge(b.encode());
    expect(merged.runs).toBe(800);
    expect(Object.fromEntries(merged.outcomes)).toEqual({ healthy: 500, 'early-404': 300 });
    const s = merged.summary('first-node-event')!;
    expect(s.count).toBe(800);
    expect(s.max).toBeCloseTo(5000, -1);
    // 500 of 800 values are below 1 s, so p50 is among them; an average of the two p50s would be ~2750 ms.
    expect(s.p50).toBeLessThan(1000);
    expect(LoadMetrics.decode(merged.encode()).encode()).toEqual(merged.encode());
  });

  it('counts open-model latency from the scheduled start', () => {
    const m = new LoadMetrics();
    m.add(sample('healthy', { firstEventMs: 100 }, 250));
    expect(m.summary('first-event')!.max).toBeCloseTo(350, 0);
  });
});

describe('max-wait recommendation', () => {
  it('names a missing window when 404s came without any wait', () => {
    const m = new LoadMetrics();
    m.add(sample('early-404', { notFoundWaitMs: 0 }));
    expect(recommendMaxWait(m, 0).kind).toBe('no-window');
  });

  it('says so when the server reports no waits', () => {
    expect(recommendMaxWait(new LoadMetrics()).kind).toBe('no-data');
  });
});
