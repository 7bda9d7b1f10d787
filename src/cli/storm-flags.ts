/** `load --storm-at D [--storm-jitter J]`: the reconnect storm's plan from its flags (see src/load/storm.ts). */
import { usageError } from '../errors.js';
import type { StormPlan } from '../load/storm.js';
import { parseDuration, parsePositiveDuration } from './options.js';

export interface StormFlags {
  stormAt?: string;
  stormJitter?: string;
}

/** The plan, or undefined without --storm-at; --storm-jitter alone is a usage error. */
export function stormPlanFromFlags(f: StormFlags): StormPlan | undefined {
  if (f.stormAt === undefined) {
    if (f.stormJitter !== undefined) throw usageError('missing-flag', '--storm-jitter needs --storm-at, e.g. --storm-at 10s --storm-jitter 2s');
    return undefined;
  }
  const atMs = parsePositiveDuration(f.stormAt, '--storm-at');
  const jitterMs = f.stormJitter !== undefined ? parseDuration(f.stormJitter, '--storm-jitter') : 0;
  return { atMs, jitterMs };
}
