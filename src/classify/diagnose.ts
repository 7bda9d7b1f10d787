/** One call that turns a Transcript into everything a report shows. Pure. */
import type { Transcript } from '../model.js';
import { classify } from './classify.js';
import { findings, type Finding } from './findings.js';
import { runHint } from './hints.js';
import { runMetrics, type RunMetrics } from './metrics.js';
import { outcomeInfo, type OutcomeInfo } from './outcomes.js';
import { waterfall, type Waterfall } from './waterfall.js';

export interface Diagnosis extends RunMetrics {
  outcome: OutcomeInfo;
  detail: string;
  /** The fix for this run: the outcome table's hint, or a sharper one when the evidence says more. */
  hint: string;
  findings: Finding[];
  /** Step times of the run from the enqueue (ms since T0). */
  waterfall: Waterfall;
}

export function diagnose(t: Transcript): Diagnosis {
  const c = classify(t);
  const found = findings(t);
  const w = waterfall(t);
  return { outcome: outcomeInfo(c.outcome), detail: c.detail, hint: runHint(t, c, found), findings: found, waterfall: w, ...runMetrics(t, w) };
}
