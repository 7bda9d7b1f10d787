/**
 * How far a load run can trust its own generator: event-loop delay (every timing may be late by
 * it), schedule lateness (open model: launches behind the schedule make the offered rate a lie)
 * and CPU (a generator thread busy all the time is the bottleneck, not the target). Pure.
 */
import type { LoopDelay } from './runner.js';

/** Event-loop delay p99 past which timings are not trusted, ms. */
export const LOOP_DELAY_LIMIT_MS = 20;
/** Launch lateness p99 (open model) past which the schedule was not kept, ms. */
export const SCHEDULE_LAG_LIMIT_MS = 20;
/** Event-loop busy share of a generator thread past which it, not the target, set the pace (0–1). */
export const BUSY_LIMIT = 0.95;

/** What the run measured about its generator. */
export interface GeneratorEvidence {
  loopDelayMs: LoopDelay;
  /** Open model only: how late launches were against the schedule, ms. */
  scheduleLagMs?: { p50: number; p99: number; max: number };
  /** Busy share of each generator thread's event loop over the run, 0–1. */
  utilization?: number[];
  /** CPU time of the generator (all its threads), ms, and that time over the run's wall time (cores kept busy). */
  cpu?: { ms: number; cores: number };
}

/** The verdict: `limited` with one reason per broken limit, each carrying its figures. */
export interface GeneratorVerdict {
  limited: boolean;
  reasons: string[];
}

const ms = (x: number): string => `${x < 10 ? x.toFixed(1) : Math.round(x)} ms`;

export function judgeGenerator(e: GeneratorEvidence): GeneratorVerdict {
  const reasons: string[] = [];
  if (e.loopDelayMs.p99 > LOOP_DELAY_LIMIT_MS) {
    reasons.push(`event-loop delay p99 ${ms(e.loopDelayMs.p99)} (limit ${LOOP_DELAY_LIMIT_MS} ms): every timing may be late by up to ${ms(e.loopDelayMs.max)}`);
  }
  if (e.scheduleLagMs && e.scheduleLagMs.p99 > SCHEDULE_LAG_LIMIT_MS) {
    reasons.push(
      `launches ran late against the schedule: p99 ${ms(e.scheduleLagMs.p99)}, max ${ms(e.scheduleLagMs.max)} (limit ${SCHEDULE_LAG_LIMIT_MS} ms); the offered rate was not kept`,
    );
  }
  const busy = (e.utilization ?? []).map((u, i) => ({ u, i })).filter(({ u }) => u >= BUSY_LIMIT);
  if (busy.length > 0) {
    const which = busy.map(({ u, i }) => `thread ${i + 1} ${Math.round(u * 100)} %`).join(', ');
    reasons.push(`generator busy (${which} of the run; limit ${Math.round(BUSY_LIMIT * 100)} %): ssedoctor's CPU, not the target, set the pace`);
  }
  return { limited: reasons.length > 0, reasons };
}
