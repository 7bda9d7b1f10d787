/** One finished run as an NDJSON line (`load --ndjson`), for jq and log shippers. Pure. Times in ms. */
import type { Transcript } from '../model.js';
import type { Sample } from './metrics.js';

/** Schema tag carried by every run line. */
export const RUN_LINE_SCHEMA = 'ssedoctor.load-run/v1';

const round1 = (ms: number | undefined): number | null => (ms === undefined ? null : Math.round(ms * 10) / 10);

/** The line for run number `n` (1-based, in finishing order within its generator). */
export function runLine(n: number, sample: Sample, t: Transcript): Record<string, unknown> {
  const d = sample.diagnosis;
  const timings: Record<string, number | null> = {};
  for (const [k, v] of Object.entries(d.timings)) timings[k] = round1(v as number | undefined);
  return {
    schema: RUN_LINE_SCHEMA,
    type: 'run',
    n,
    startedAt: t.startedAt,
    outcome: d.outcome.code,
    detail: d.detail,
    scheduledMs: Math.round(sample.scheduledMs),
    lagMs: round1(sample.lagMs),
    attempts: d.attempts,
    timings,
    id: t.enqueue.id ?? null,
  };
}
