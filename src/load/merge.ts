/**
 * Merging load results (shards, or runs kept over time) exactly: histograms are added and counts
 * summed from the encoded aggregates, never averaged from percentiles. Pure.
 */
import type { OutcomeCode } from '../classify/outcomes.js';
import type { Transcript } from '../model.js';
import { LoadMetrics } from './metrics.js';
import { loadSummary, type LoadSummary } from './summary.js';
import { parseThreshold, type Threshold } from './thresholds.js';

/**
 * Merges summaries into one. Thresholds recorded in the files are evaluated again on the merged
 * data, together with `extraThresholds`; the slowest `keepWorst` transcripts per outcome are kept.
 */
export function mergeSummaries(docs: LoadSummary[], extraThresholds: Threshold[], version: string, keepWorst = 3): LoadSummary {
  const metrics = new LoadMetrics();
  for (const d of docs) metrics.merge(d.encoded);
  const starts = docs.map((d) => Date.parse(d.startedAt));
  const ends = docs.map((d, i) => starts[i]! + d.durationMs);
  const start = Math.min(...starts);
  const thresholds = new Map<string, Threshold>();
  for (const t of [...docs.flatMap((d) => d.thresholds.map((v) => parseThreshold(v.threshold))), ...extraThresholds]) thresholds.set(t.text, t);
  const same = <T>(values: T[]): T | undefined => (values.every((v) => v === values[0]) ? values[0] : undefined);
  const stopped = docs.find((d) => d.stoppedBy !== 'completed')?.stoppedBy ?? 'completed';

  const worst: Partial<Record<OutcomeCode, Transcript[]>> = {};
  for (const d of docs) {
    for (const [code, list] of Object.entries(d.worst ?? {}) as [OutcomeCode, Transcript[]][]) (worst[code] ??= []).push(...list);
  }
  for (const list of Object.values(worst)) {
    list.sort((a, b) => b.endMs - a.endMs);
    list.length = Math.min(list.length, keepWorst);
  }

  return loadSummary({
    version,
    target: {
      baseUrl: same(docs.map((d) => d.target.baseUrl)) ?? 'several targets',
      embeddedScenario: same(docs.map((d) => d.target.embeddedScenario)),
      windowMs: same(docs.map((d) => d.target.windowMs)),
    },
    model: { merged: docs.length, parts: docs.map((d) => ({ ...d.model, ...(d.shard ? { shard: `${d.shard.index}/${d.shard.count}` } : {}) })) },
    metrics,
    startedAt: new Date(start).toISOString(),
    durationMs: Math.max(...ends) - start,
    stoppedBy: stopped,
    loopDelay: {
      p50: Math.max(...docs.map((d) => d.generator.loopDelayMs.p50)),
      p99: Math.max(...docs.map((d) => d.generator.loopDelayMs.p99)),
      max: Math.max(...docs.map((d) => d.generator.loopDelayMs.max)),
    },
    peakInflight: docs.reduce((n, d) => n + d.generator.peakInflight, 0),
    ...(docs.every((d) => d.generator.utilization) ? { utilization: docs.flatMap((d) => d.generator.utilization!) } : {}),
    ...(docs.every((d) => d.generator.cpu) ? { cpuMs: docs.reduce((n, d) => n + d.generator.cpu!.ms, 0) } : {}),
    thresholds: [...thresholds.values()],
    worst,
    mergedFrom: docs.length,
  });
}
