/** The generator's verdict on itself: table-tested limits, and the exit code it can ask for. */
import { describe, expect, it } from 'vitest';
import { loadExitCode } from '../../src/cli/commands/load.js';
import { judgeGenerator, type GeneratorEvidence } from '../../src/load/generator-health.js';
import { LoadMetrics } from '../../src/load/metrics.js';
import { loadSummary } from '../../src/load/summary.js';

const calm = { p50: 0.2, p99: 3, max: 9 };

describe('judgeGenerator', () => {
  const rows: { name: string; e: GeneratorEvidence; reasons: RegExp[] }[] = [
    { name: 'calm loop, on schedule, idle threads', e: { loopDelayMs: calm, scheduleLagMs: calm, utilization: [0.4, 0.5] }, reasons: [] },
    { name: 'closed model: no schedule to keep', e: { loopDelayMs: calm }, reasons: [] },
    {
      name: 'event-loop delay past 20 ms',
      e: { loopDelayMs: { p50: 4, p99: 35, max: 80 } },
      reasons: [/^event-loop delay p99 35 ms \(limit 20 ms\): every timing may be late by up to 80 ms$/],
    },
    {
      name: 'launches late against the schedule',
      e: { loopDelayMs: calm, scheduleLagMs: { p50: 5, p99: 120, max: 300 } },
      reasons: [/^launches ran late against the schedule: p99 120 ms, max 300 ms .*the offered rate was not kept$/],
    },
    {
      name: 'one thread busy all the time',
      e: { loopDelayMs: calm, utilization: [0.5, 0.97] },
      reasons: [/^generator busy \(thread 2 97 % of the run; limit 95 %\): ssedoctor's CPU, not the target, set the pace$/],
    },
    {
      name: 'exactly at the limits is not past them',
      e: { loopDelayMs: { p50: 1, p99: 20, max: 20 }, scheduleLagMs: { p50: 1, p99: 20, max: 20 }, utilization: [0.949] },
      reasons: [],
    },
  ];
  for (const row of rows) {
    it(row.name, () => {
      const v = judgeGenerator(row.e);
      expect(v.limited).toBe(row.reasons.length > 0);
      expect(v.reasons).toHaveLength(row.reasons.length);
      row.reasons.forEach((re, i) => expect(v.reasons[i]).toMatch(re));
    });
  }
});

describe('the load document and its exit code', () => {
  const doc = (loopP99: number) =>
    loadSummary({
      version: '0',
      target: { baseUrl: 'http://x' },
      model: {},
      metrics: new LoadMetrics(),
      startedAt: new Date(0).toISOString(),
      durationMs: 2000,
      stoppedBy: 'completed',
      loopDelay: { p50: 1, p99: loopP99, max: loopP99 },
      peakInflight: 1,
      utilization: [0.3],
      cpuMs: 500,
      thresholds: [],
    });

  it('carries the evidence: threads, cores, verdict', () => {
    const g = doc(2).generator;
    expect(g).toMatchObject({ threads: 1, utilization: [0.3], cpu: { ms: 500, cores: 0.25 }, limited: false, saturated: false, reasons: [] });
  });

  it('exit 4 only when asked and the generator was the limit', () => {
    expect(loadExitCode(doc(50))).toBe(0);
    expect(loadExitCode(doc(50), { failOnGeneratorLimited: true })).toBe(4);
    expect(loadExitCode(doc(2), { failOnGeneratorLimited: true })).toBe(0);
  });
});
