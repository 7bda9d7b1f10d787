/** One call that turns a Transcript into everything a report shows. Pure. */
import type { Transcript } from '../model.js';
import { classify } from './classify.js';
import { findings, type Finding } from './findings.js';
import { runMetrics, type RunMetrics } from './metrics.js';
import { outcomeInfo, type OutcomeInfo } from './outcomes.js';

export interface Diagnosis extends RunMetrics {
  outcome: OutcomeInfo;
  detail: string;
  findings: Finding[];
}

export function diagnose(t: Transcript): Diagnosis {
  const c = classify(t);
  return { outcome: outcomeInfo(c.outcome), detail: c.detail, findings: findings(t), ...runMetrics(t) };
}
