/** One call that turns a Transcript into everything a report shows. Pure. */
import type { Transcript } from '../model.js';
import { classify } from './classify.js';
import { findings, type Finding } from './findings.js';
import { runHint } from './hints.js';
import { runMetrics, type RunMetrics } from './metrics.js';
import { outcomeInfo, type OutcomeInfo } from './outcomes.js';
import { reconnectDamage, type ReconnectDamage } from './reconnect-damage.js';
import { reconnectDetail, reconnectFindings } from './reconnect-findings.js';
import { waterfall, type Waterfall } from './waterfall.js';

/**
 * What a load aggregates of every run: the outcome and all of its figures. The findings and the
 * hint are left out: a load shows them for the runs it keeps as examples (their transcripts are
 * diagnosed in full when reported), and building them for every run was a quarter of a load
 * run's CPU.
 */
export interface RunVerdict extends RunMetrics {
  outcome: OutcomeInfo;
  detail: string;
  /** Step times of the run from the enqueue (ms since T0). */
  waterfall: Waterfall;
  /** Reconnects and their damage (`--client browser`, `--cut-after`); absent otherwise. */
  reconnects?: ReconnectDamage;
}

export interface Diagnosis extends RunVerdict {
  /** The fix for this run: the outcome table's hint, or a sharper one when the evidence says more. */
  hint: string;
  findings: Finding[];
}

/** The outcome and figures of a run, without findings (see {@link RunVerdict}). */
export function verdict(t: Transcript): RunVerdict {
  return verdictOf(t, classify(t), reconnectDamage(t));
}

export function diagnose(t: Transcript): Diagnosis {
  const c = classify(t);
  const damage = reconnectDamage(t);
  const found = [...findings(t), ...reconnectFindings(damage)];
  return { ...verdictOf(t, c, damage), hint: runHint(t, c, found), findings: found };
}

function verdictOf(t: Transcript, c: ReturnType<typeof classify>, damage: ReconnectDamage | undefined): RunVerdict {
  const w = waterfall(t);
  return {
    outcome: outcomeInfo(c.outcome),
    detail: c.detail + reconnectDetail(damage),
    waterfall: w,
    ...runMetrics(t, w),
    ...(damage ? { reconnects: damage } : {}),
  };
}
