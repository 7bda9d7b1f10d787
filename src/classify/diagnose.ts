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

export interface Diagnosis extends RunMetrics {
  outcome: OutcomeInfo;
  detail: string;
  /** The fix for this run: the outcome table's hint, or a sharper one when the evidence says more. */
  hint: string;
  findings: Finding[];
  /** Step times of the run from the enqueue (ms since T0). */
  waterfall: Waterfall;
  /** Reconnects and their damage (`--client browser`, `--cut-after`); absent otherwise. */
  reconnects?: ReconnectDamage;
}

export function diagnose(t: Transcript): Diagnosis {
  const c = classify(t);
  const damage = reconnectDamage(t);
  const found = [...findings(t), ...reconnectFindings(damage)];
  const w = waterfall(t);
  const detail = c.detail + reconnectDetail(damage);
  return {
    outcome: outcomeInfo(c.outcome),
    detail,
    hint: runHint(t, c, found),
    findings: found,
    waterfall: w,
    ...runMetrics(t, w),
    ...(damage ? { reconnects: damage } : {}),
  };
}
