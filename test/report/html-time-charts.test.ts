/** The HTML report's time charts: a long run is drawn in windows of several seconds, with every run counted once. */
import { describe, expect, it } from 'vitest';
import type { Diagnosis } from '../../src/classify/diagnose.js';
import { outcomeInfo, type OutcomeCode } from '../../src/classify/outcomes.js';
import { LoadMetrics } from '../../src/load/metrics.js';
import { loadSummary, type LoadSummary } from '../../src/load/summary.js';
import { loadHtml, loadVerdict } from '../../src/report/html.js';

/** A summary of `n` runs, one every `everyMs`, each with its outcome and first meaningful event. */
function summary(n: number, everyMs: number, outcome: (i: number) => OutcomeCode = () => 'healthy', thresholds: LoadSummary['thresholds'] = []): LoadSummary {
  const m = new LoadMetrics();
  for (let i = 0; i < n; i++) {
    const code = outcome(i);
    const diagnosis = { outcome: outcomeInfo(code), attempts: { client: 1 }, timings: { totalMs: 900, firstMeaningfulEventMs: code === 'healthy' ? 300 + (i % 10) * 50 : undefined } } as unknown as Diagnosis;
    m.add({ outcome: code, scheduledMs: i * everyMs, lagMs: 0, diagnosis });
  }
  const s = loadSummary({
    version: '9.9.9', command: 'ssedoctor load -d 20m', target: { baseUrl: 'http://127.0.0.1:1' }, model: {}, metrics: m, startedAt: '2026-11-30T10:00:00Z',
    durationMs: n * everyMs, stoppedBy: 'completed', loopDelay: { p50: 1, p99: 2, max: 3 }, peakInflight: 2, thresholds: [],
  });
  return { ...s, thresholds };
}

/** `n` from every `<title>` of the timeline's segments ("… s: n outcome"). */
const segmentCounts = (html: string): number[] => [...html.matchAll(/<rect class="seg"[^>]*><title>[^:]*: (\d+) /g)].map((m) => Number(m[1]));

describe('HTML time charts', () => {
  it('a short run: one slot per second', () => {
    const html = loadHtml(summary(100, 100), []);
    expect(html).toContain('runs finished per second');
    expect(segmentCounts(html)).toHaveLength(11); // by the second each run finished (0.9 s after it started)
    expect(html.match(/<circle class="pt p50"/g)).toHaveLength(10);
  });

  it('a 20-minute run: windows of 5 s, at most 240 marks, every run counted once', () => {
    const html = loadHtml(summary(6000, 190, (i) => (i % 3 === 0 ? 'early-404' : 'healthy')), []);
    expect(html).toContain('runs finished per 5 s');
    expect(html).toContain('5-second window of the load the runs started in');
    const counts = segmentCounts(html);
    expect(counts.length).toBeLessThanOrEqual(2 * 240);
    expect(counts.reduce((a, b) => a + b, 0)).toBe(6000);
    expect(html.match(/<circle class="pt p50"/g)!.length).toBeLessThanOrEqual(240);
    expect(html.length).toBeLessThan(300_000);
  });

  it.each([
    ['thresholds all passed: PASS', [{ threshold: 'rate(ok)>0.5', passed: true }], () => 'healthy', 'PASS'],
    ['a threshold failed: FAIL', [{ threshold: 'rate(ok)>0.5', passed: true }, { threshold: 'p99(total)<1ms', passed: false }], () => 'healthy', 'FAIL'],
    ['no thresholds: the commonest outcome', [], (i: number) => (i % 4 === 0 ? 'healthy' : 'heartbeat-only'), 'HEARTBEAT-ONLY'],
  ] as [string, LoadSummary['thresholds'], (i: number) => OutcomeCode, string][])('verdict: %s', (_why, thresholds, outcome, word) => {
    const v = loadVerdict(summary(20, 100, outcome, thresholds));
    expect(v.word).toBe(word);
  });

  it.each([
    ['interrupted', 'STOPPED'],
    ['unreachable', 'UNREACHABLE'],
    ['client-limit', 'CLIENT LIMIT'],
  ] as [LoadSummary['stoppedBy'], string][])('verdict of a run stopped early (%s): %s, never blamed on the target when ssedoctor ran out', (stoppedBy, word) => {
    const v = loadVerdict({ ...summary(20, 100), stoppedBy });
    expect(v.word).toBe(word);
    expect(v.why).toContain(`stopped early (${stoppedBy})`);
  });

  it('the hint is the commonest unhealthy outcome\'s, with its share', () => {
    const v = loadVerdict(summary(20, 100, (i) => (i % 4 === 0 ? 'early-404' : 'healthy')));
    expect(v.word).toBe('HEALTHY');
    expect(v.hint).toMatch(/^early-404 \(25\.0 % of runs\): The stream endpoint looks the decision set up once/);
  });
});
