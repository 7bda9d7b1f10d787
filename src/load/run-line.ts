/** One finished run as an NDJSON line (`load --ndjson`), for jq and log shippers. Pure. Times in ms. */
import type { Transcript } from '../model.js';
import type { ReconnectDamage } from '../classify/reconnect-damage.js';
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
    // --client browser/origin, --cut-after: what reconnects did to this run.
    ...(d.reconnects ? { reconnects: reconnectFigures(d.reconnects) } : {}),
    // --storm-at: how the storm met this run (times from the cut); --browser-tabs: its waits for a connection.
    ...(sample.storm ? { storm: { ...sample.storm, reconnectMs: round1(sample.storm.reconnectMs), backMs: round1(sample.storm.backMs), firstEventMs: round1(sample.storm.firstEventMs) } } : {}),
    ...(sample.connectionWait ? { connectionWait: { enqueueMs: round1(sample.connectionWait.enqueueMs), streamMs: round1(sample.connectionWait.streamMs) } } : {}),
  };
}

/** The figures of a run's reconnects for its line: counts, and the resume verdict when it cut. */
function reconnectFigures(r: ReconnectDamage): Record<string, unknown> {
  return { n: r.reconnects, duplicated: r.duplicated, lost: r.lost, outOfOrder: r.outOfOrder, stoppedBy: r.stoppedBy, ...(r.resume ? { resume: r.resume.verdict } : {}) };
}
