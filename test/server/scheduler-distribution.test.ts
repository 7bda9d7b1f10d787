import { describe, expect, it } from 'vitest';
import { parseDistribution, parseServerDuration, seededRandom } from '../../src/server/distribution.js';
import { lookupSettingsFromEnv, resolveServerOptions, SCENARIOS } from '../../src/server/options.js';
import { Scheduler } from '../../src/server/scheduler.js';

describe('delay distributions', () => {
  it.each([
    // [spec, check on 2000 samples]
    ['300ms', (xs: number[]) => xs.every((x) => x === 300)],
    ['1.5s', (xs: number[]) => xs.every((x) => x === 1500)],
    ['2m', (xs: number[]) => xs.every((x) => x === 120_000)], // the shared duration grammar (src/duration.ts)
    ['100ms..800ms', (xs: number[]) => xs.every((x) => x >= 100 && x <= 800) && Math.abs(mean(xs) - 450) < 20],
    ['exp(300ms)', (xs: number[]) => xs.every((x) => x >= 0) && Math.abs(mean(xs) - 300) < 30],
    ['lognormal(1s,0.5)', (xs: number[]) => Math.abs(median(xs) - 1000) < 60],
    ['never', (xs: number[]) => xs.every((x) => x === Infinity)],
  ])('%s', (spec, check) => {
    const d = parseDistribution(spec);
    const r = seededRandom(7);
    expect(check(Array.from({ length: 2000 }, () => d.sample(r)))).toBe(true);
  });

  // '2': a bare number is refused by the shared grammar (seconds or ms?); the origin's env vars are read apart.
  it.each(['', 'fast', '2', '5x', '800ms..100ms', 'exp()', 'lognormal(1s,-1)', 'lognormal(1s)'])('rejects %j', (spec) => {
    expect(() => parseDistribution(spec)).toThrow(/bad delay distribution/);
  });

  it('parses server durations', () => {
    expect(parseServerDuration('250ms')).toBe(250);
    expect(parseServerDuration('0.2s')).toBe(200);
    expect(parseServerDuration('0.2')).toBeUndefined(); // no unit
    expect(parseServerDuration('x')).toBeUndefined();
  });

  it('the seeded generator repeats for a seed', () => {
    const a = seededRandom(42);
    const b = seededRandom(42);
    expect([a(), a(), a()]).toEqual([b(), b(), b()]);
  });
});

describe('server options', () => {
  it('reads the origin env vars as seconds; empty means default', () => {
    expect(lookupSettingsFromEnv({ STREAM_DECISION_SET_RETRY_DELAY: '0.5', STREAM_DECISION_SET_MAX_WAIT: '10' })).toEqual({
      retryDelayMs: 500,
      maxWaitMs: 10_000,
    });
    expect(lookupSettingsFromEnv({ STREAM_DECISION_SET_MAX_WAIT: '' })).toEqual({});
    expect(() => lookupSettingsFromEnv({ STREAM_DECISION_SET_MAX_WAIT: 'abc' })).toThrow(/STREAM_DECISION_SET_MAX_WAIT/);
  });

  it('layers defaults < scenario < env < overrides', () => {
    const o = resolveServerOptions('early-404', { retryDelayMs: 50 }, { STREAM_DECISION_SET_RETRY_DELAY: '1', STREAM_DECISION_SET_MAX_WAIT: '2' });
    expect(o).toMatchObject({ lookup: 'single', retryDelayMs: 50, maxWaitMs: 2000 });
    expect(resolveServerOptions('stalled').faults).toMatchObject({ stallAfter: 8, noWorker: false });
  });

  it('knows every scenario the README promises', () => {
    const names = SCENARIOS.map((s) => s.name);
    for (const n of ['healthy', 'early-404', 'heartbeat-only', 'error-event', 'closed-early', 'not-sse', 'slow-persistence']) {
      expect(names).toContain(n);
    }
    expect(() => resolveServerOptions('nope')).toThrow(/unknown scenario/);
  });
});

describe('scheduler', () => {
  it('runs tasks in due order with one timer, never early, and skips cancelled ones', async () => {
    const s = new Scheduler();
    const order: string[] = [];
    const start = s.now();
    const late: number[] = [];
    s.after(30, () => (order.push('c'), late.push(s.now() - start - 30)));
    s.after(10, () => (order.push('a'), late.push(s.now() - start - 10)));
    const cancelled = s.after(20, () => order.push('x'));
    s.after(20, () => order.push('b'));
    s.cancel(cancelled);
    await new Promise((r) => setTimeout(r, 80));
    expect(order).toEqual(['a', 'b', 'c']);
    expect(late.every((l) => l >= 0)).toBe(true);
    s.stop();
  });

  it('a cancelled task lets go of its callback at once, and cancelled entries are compacted away', async () => {
    const s = new Scheduler();
    try {
      const ran: number[] = [];
      // A closed stream's ping task: cancelled long before it is due.
      const big = { payload: 'x'.repeat(1000) };
      const ping = s.after(60_000, () => ran.push(big.payload.length));
      s.cancel(ping);
      expect(ping.fn.toString()).not.toContain('payload'); // the closure (and what it holds) is released
      s.cancel(ping); // twice is harmless
      // 3,000 cancelled among 1,000 live: the heap is rebuilt without them, live order kept.
      const live = Array.from({ length: 1000 }, (_, i) => s.after(5 + (i % 50), () => ran.push(i)));
      for (let i = 0; i < 3000; i++) s.cancel(s.after(60_000, () => ran.push(-1)));
      expect(s.size).toBeLessThan(2500);
      expect(live.every((t) => !t.cancelled)).toBe(true);
      await new Promise((r) => setTimeout(r, 150));
      expect(ran).toHaveLength(1000);
      expect(ran.every((i) => i >= 0)).toBe(true);
      // Still in due order (by each task's own due time: creating them takes time on a busy machine).
      const byDue = live.map((t, i) => ({ t, i })).sort((a, b) => a.t.dueMs - b.t.dueMs || a.t.seq - b.t.seq);
      expect(ran).toEqual(byDue.map((x) => x.i));
      s.cancel(live[0]); // already ran: a no-op
      expect(s.size).toBeLessThan(2500);
    } finally {
      s.stop();
    }
  });
});

function mean(xs: number[]): number {
  return xs.reduce((a, b) => a + b, 0) / xs.length;
}
function median(xs: number[]): number {
  return [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
}
