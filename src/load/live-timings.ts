/**
 * The few per-run figures live metrics need (`load --metrics-port`), small enough to travel with
 * every finished run from a generator thread to the main thread. Pure.
 */
import type { Sample } from './metrics.js';

/**
 * A finished run's waterfall timings in ms, counted from its scheduled start as the load
 * histograms count them (so a late launch shows); a step that did not happen is absent.
 * `lagMs` is the launch's lateness against the schedule.
 */
export interface LiveTimings {
  enqueueMs?: number;
  headersMs?: number;
  firstMeaningfulEventMs?: number;
  totalMs?: number;
  lagMs: number;
}

/** The live timings of one sample (the same figures `LoadMetrics.add` records). */
export function liveTimings(sample: Sample): LiveTimings {
  const t = sample.diagnosis.timings;
  const late = (ms: number | undefined): number | undefined => (ms === undefined || !Number.isFinite(ms) ? undefined : ms + sample.lagMs);
  const out: LiveTimings = { lagMs: sample.lagMs };
  const enqueue = late(t.enqueueMs);
  const headers = late(t.headersMs);
  const first = late(t.firstMeaningfulEventMs);
  const total = late(t.totalMs);
  if (enqueue !== undefined) out.enqueueMs = enqueue;
  if (headers !== undefined) out.headersMs = headers;
  if (first !== undefined) out.firstMeaningfulEventMs = first;
  if (total !== undefined) out.totalMs = total;
  return out;
}
