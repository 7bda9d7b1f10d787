/**
 * The tail estimator and the recommendation built on it, on synthetic waits drawn (seeded) from
 * known distributions through a model of the server's polling loop, censored at various windows.
 */
import { describe, expect, it } from 'vitest';
import { LoadMetrics } from '../../src/load/metrics.js';
import { recommendFromGroups, recommendMaxWait, roundUpWait } from '../../src/load/recommend.js';
import { estimatePollMs, estimateTail, type WaitObservation } from '../../src/load/tail.js';
import { logNormalTail, probit } from '../../src/load/tail-math.js';
import { asMetrics, exp, logNormal, serverWaits, weibull } from './recommend-samples.js';

const q999 = { exp800: 800 * Math.log(1000), logNormal: 1200 * Math.exp(0.7 * probit(0.999)), weibull: 1000 * Math.log(1000) ** (1 / 1.5), exp300: 300 * Math.log(1000) };

describe('tail estimator: the 99.9 % wait from censored samples', () => {
  const rows: { name: string; obs: () => WaitObservation[]; truthMs: number; tolerance: number; method?: string }[] = [
    // The case: persistence exp(800 ms), a 1 s window censors 29 %; truth ≈ 5.5 s.
    { name: 'exp(800ms), 1 s window', obs: () => serverWaits(exp(800), 1000, 1000), truthMs: q999.exp800, tolerance: 0.2 },
    // The same distribution behind a 2 s and a 4 s window: the same answer.
    { name: 'exp(800ms), 2 s window', obs: () => serverWaits(exp(800), 1000, 2000), truthMs: q999.exp800, tolerance: 0.2 },
    { name: 'exp(800ms), 4 s window', obs: () => serverWaits(exp(800), 1000, 4000), truthMs: q999.exp800, tolerance: 0.2 },
    // A notified server (exact waits, no polling), censored at 2 s.
    { name: 'exp(800ms), exact waits, 2 s window', obs: () => serverWaits(exp(800), 1000, 2000, { pollMs: 0 }), truthMs: q999.exp800, tolerance: 0.15 },
    // The reproduce default: lognormal(1.2 s, 0.7), truth ≈ 10.4 s, behind a 2 s and a 6 s window.
    { name: 'lognormal(1.2s,0.7), 2 s window', obs: () => serverWaits(logNormal(1200, 0.7), 1000, 2000), truthMs: q999.logNormal, tolerance: 0.2 },
    { name: 'lognormal(1.2s,0.7), 6 s window', obs: () => serverWaits(logNormal(1200, 0.7), 1000, 6000), truthMs: q999.logNormal, tolerance: 0.2 },
    // A Weibull with a lighter-than-exponential tail (k = 1.5), half censored at 1.2 s.
    { name: 'Weibull(1.5, 1s), 1.2 s window', obs: () => serverWaits(weibull(1.5, 1000), 1000, 1200), truthMs: q999.weibull, tolerance: 0.2 },
    // Nothing censored, too few runs to read 0.1 % off the data: a fit.
    { name: 'exp(300ms), no 404', obs: () => serverWaits(exp(300), 1000, 6000), truthMs: q999.exp300, tolerance: 0.2, method: 'fit' },
    // Nothing censored and 20,000 runs (20 past the quantile): read off the data.
    { name: 'exp(300ms), 20,000 runs', obs: () => serverWaits(exp(300), 20_000, 6000), truthMs: q999.exp300, tolerance: 0.15, method: 'empirical' },
    // A sweep pooled: 300 runs each at 1, 2 and 4 s, each 404 censored at its own window.
    {
      name: 'exp(800ms), sweep 1/2/4 s pooled',
      obs: () => [1000, 2000, 4000].flatMap((w, i) => serverWaits(exp(800), 300, w, { seed: 11 + i })),
      truthMs: q999.exp800,
      tolerance: 0.2,
    },
  ];
  for (const row of rows) {
    it(row.name, () => {
      const e = estimateTail(row.obs());
      expect(e.method).toBe(row.method ?? e.method);
      expect(e.method).not.toBe('none');
      expect(Math.abs(e.quantileMs! - row.truthMs) / row.truthMs).toBeLessThan(row.tolerance);
      expect(e.interval!.lowMs).toBeLessThanOrEqual(e.quantileMs!);
      expect(e.interval!.highMs).toBeGreaterThanOrEqual(e.quantileMs!);
    });
  }

  it('counts what it rests on: runs, found at once, observed, censored and the windows', () => {
    const e = estimateTail([{ ms: 0, count: 10 }, { ms: 400, count: 50 }, { ms: 600, count: 30 }, { ms: 1000.5, count: 10, censored: true }]);
    expect(e).toMatchObject({ runs: 100, atOnce: 10, observed: 80, censored: 10, windowsMs: [1000] });
  });

  it('declines to extrapolate from a handful of waits', () => {
    const e = estimateTail([{ ms: 400, count: 2 }, { ms: 1000, count: 40, censored: true }]);
    expect(e.method).toBe('none');
    expect(e.reason).toMatch(/too little below the window/);
  });

  it('a higher target miss rate asks for less', () => {
    const obs = serverWaits(exp(800), 1000, 2000);
    expect(estimateTail(obs, { targetMissRate: 0.01 }).quantileMs!).toBeLessThan(estimateTail(obs, { targetMissRate: 0.001 }).quantileMs!);
  });

  it('is repeatable (seeded bootstrap)', () => {
    const obs = serverWaits(exp(800), 500, 1000);
    expect(estimateTail(obs)).toEqual(estimateTail(obs));
  });
});

describe('retry delay from the spacing of waits', () => {
  const rows: { name: string; obs: WaitObservation[]; pollMs: number | [number, number] }[] = [
    // The origin's 0.2 s loop: waits at 0.2, 0.4, … s.
    { name: 'a 200 ms loop', obs: serverWaits(exp(800), 500, 6000), pollMs: [195, 205] },
    // The same loop seen from the client over a 40 ms round trip: offset, same spacing.
    { name: 'offset by a round trip', obs: serverWaits(exp(800), 500, 6000).map((o) => ({ ...o, ms: o.ms + 40 })), pollMs: [195, 205] },
    // A notified server: waits spread continuously, no steps.
    { name: 'continuous waits', obs: serverWaits(exp(800), 500, 6000, { pollMs: 0 }), pollMs: 0 },
    // Nothing waited at all.
    { name: 'no waits', obs: [{ ms: 0, count: 5 }], pollMs: 0 },
  ];
  for (const row of rows) {
    it(row.name, () => {
      const got = estimatePollMs(row.obs);
      if (Array.isArray(row.pollMs)) {
        expect(got).toBeGreaterThanOrEqual(row.pollMs[0]);
        expect(got).toBeLessThanOrEqual(row.pollMs[1]);
      } else expect(got).toBe(row.pollMs);
    });
  }
});

describe('recommendation (load)', () => {
  it('lands near the tail from a 1, 2 or 4 s window, not one notch up', () => {
    const suggestions = [1000, 2000, 4000].map((w) => {
      const r = recommendMaxWait(asMetrics(serverWaits(exp(800), 1000, w, { seed: 5 })), w);
      expect(r.kind).toBe('exceeded');
      expect(r.text).toMatch(new RegExp(`exceeded the ${w / 1000} s window; to miss under 0\\.1 % of runs, set STREAM_DECISION_SET_MAX_WAIT ≥ \\d`));
      expect(r.text).toMatch(/99\.9 % wait \d+(\.\d)? s, 90 % interval [\d.]+–[\d.]+ s; 1,000 runs, \d+ past the \d s window; .* fit/);
      return r.suggestedMs!;
    });
    for (const s of suggestions) expect(Math.abs(s - q999.exp800) / q999.exp800).toBeLessThan(0.2);
  });

  it('leaves out fast 404s (a wrong path, a single lookup): they are no window misses', () => {
    const obs = [...serverWaits(exp(300), 1000, 6000), { ms: 2, count: 40, censored: true }];
    const r = recommendMaxWait(asMetrics(obs), 6000);
    expect(r).toMatchObject({ kind: 'fits', windowMisses: 0, fast404s: 40 });
    expect(r.text).toMatch(/^the 6 s window leaves [\d.]+× headroom \(99\.9 % wait [\d.]+ s, /);
    expect(r.text).toContain('40 404(s) came faster than any window');
    expect(Math.abs(r.estimate!.quantileMs! - q999.exp300) / q999.exp300).toBeLessThan(0.2);
  });

  it('tells a server without a window to poll, instead of sizing a window', () => {
    const r = recommendMaxWait(asMetrics([{ ms: 3, count: 30, censored: true }, { ms: 0.5, count: 70 }]));
    expect(r.kind).toBe('no-window');
    expect(r.text).toMatch(/^30\.0 % of runs got a 404 without any wait: .*Poll for it/);
  });

  it('says when the target is not met by the window in force', () => {
    const r = recommendMaxWait(asMetrics(serverWaits(exp(800), 1000, 8000)), 3000);
    expect(r.kind).toBe('fits');
    expect(r.text).toMatch(/too little to miss under 0\.1 % of runs: set STREAM_DECISION_SET_MAX_WAIT ≥ \d/);
  });

  it('a few misses within a loose target: the window in force is long enough, not a shorter one', () => {
    // exp(1 s) past a 6 s window: about 0.25 % miss, under a 1 % target; the 99 % wait is ≈4.6 s.
    const r = recommendMaxWait(asMetrics(serverWaits(exp(1000), 2000, 6000, { seed: 3 })), 6000, { targetMissRate: 0.01 });
    expect(r.kind).toBe('exceeded');
    expect(r.windowMisses).toBeGreaterThan(0);
    expect(r.suggestedMs).toBe(6000);
    expect(r.text).toMatch(/exceeded the 6 s window, within the target: it is long enough to miss under 1 % of runs \(99 % wait/);
  });

  it('says so when no wait was measured', () => {
    expect(recommendMaxWait(new LoadMetrics()).kind).toBe('no-data');
  });

  it('one answer for one distribution, whether from one window or a pooled sweep', () => {
    const single = recommendMaxWait(asMetrics(serverWaits(exp(800), 1000, 1000, { seed: 21 })), 1000);
    const pooled = recommendFromGroups(
      [1000, 2000, 4000].map((w, i) => {
        const obs = serverWaits(exp(800), 400, w, { seed: 31 + i });
        return { windowMs: w, opened: obs.filter((o) => !o.censored), notFound: obs.filter((o) => o.censored) };
      }),
    );
    expect(pooled.text).toMatch(/of the pooled runs \(\d+ of 1,200\) exceeded their window \(1 s\/2 s\/4 s\); .*1,200 runs, \d+ past their window;/);
    expect(Math.abs(pooled.suggestedMs! - single.suggestedMs!) / single.suggestedMs!).toBeLessThanOrEqual(0.2);
  });
});

describe('numerical pieces', () => {
  const rows: [number, number][] = [
    // Φ⁻¹ at the usual points.
    [0.5, 0],
    [0.975, 1.959964],
    [0.999, 3.090232],
    [0.001, -3.090232],
  ];
  for (const [p, z] of rows) it(`probit(${p})`, () => expect(probit(p)).toBeCloseTo(z, 5));
  it('normal tail stays finite far out (censored points many sigmas away)', () => {
    expect(Math.exp(logNormalTail(1.959964))).toBeCloseTo(0.025, 6);
    expect(logNormalTail(40)).toBeCloseTo(-804.6, 0);
  });
  const rounding: [number, number][] = [
    // 100 ms steps under 1 s, 0.5 s under 10 s, 1 s under 60 s, then 5 s.
    [420, 500],
    [5526, 6000],
    [5000, 5000],
    [10_438, 11_000],
    [61_000, 65_000],
  ];
  for (const [ms, want] of rounding) it(`rounds ${ms} ms up to ${want} ms`, () => expect(roundUpWait(ms)).toBe(want));
});
