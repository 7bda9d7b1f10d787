/**
 * A load model as plain data, so it can cross to a worker thread (a Schedule holds functions),
 * and its division into equal parts, one per generator thread. Pure.
 */
import type { LoadModel } from './runner.js';
import { rampSchedule, sliceSchedule } from './pacer.js';

/** The load model in serialisable form. Rates in runs per second, durations in ms. */
export type LoadModelSpec =
  | { kind: 'closed'; concurrency: number; requests?: number; durationMs?: number }
  | { kind: 'open'; fromPerSec: number; toPerSec: number; durationMs: number; maxInflight: number };

/** Equal share of `total` for part `index` (0-based) of `count`; the first `total % count` parts get one more. */
function share(total: number, index: number, count: number): number {
  return Math.floor(total / count) + (index < total % count ? 1 : 0);
}

/**
 * The model part `index` (0-based) of `count` runs. Closed: its share of concurrency and requests.
 * Open: every count-th run of the one schedule, at its original time, and its share of the in-flight cap.
 * Undefined when the part has nothing to do (more parts than connections or requests).
 */
export function modelPart(spec: LoadModelSpec, index: number, count: number): LoadModel | undefined {
  if (spec.kind === 'closed') {
    const concurrency = share(spec.concurrency, index, count);
    const requests = spec.requests === undefined ? undefined : share(spec.requests, index, count);
    if (concurrency === 0 || requests === 0) return undefined;
    return { kind: 'closed', concurrency, ...(requests !== undefined ? { requests } : {}), ...(spec.durationMs !== undefined ? { durationMs: spec.durationMs } : {}) };
  }
  const schedule = sliceSchedule(rampSchedule(spec.fromPerSec, spec.toPerSec, spec.durationMs), index, count);
  const maxInflight = share(spec.maxInflight, index, count);
  if (schedule.total === 0 || maxInflight === 0) return undefined;
  return { kind: 'open', schedule, maxInflight };
}
