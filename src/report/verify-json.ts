/** The stable, versioned JSON document of one verify run. */
import type { Diagnosis } from '../classify/diagnose.js';
import type { NodeSpan, RunTimings } from '../classify/metrics.js';
import type { OutcomeCode } from '../classify/outcomes.js';
import type { Transcript } from '../model.js';
import { round, roundAll } from './format.js';

/** Bump on any breaking change to the document's shape. */
export const VERIFY_SCHEMA = 'ssedoctor.verify/v1';

export interface VerifyTarget {
  baseUrl: string;
  /** Scenario of the embedded reference server, when ssedoctor started one. */
  embeddedScenario?: string;
}

/** The verify JSON document. Times are ms, rounded to 0.1; null when the phase never happened. */
export interface VerifyDocumentShape {
  schema: typeof VERIFY_SCHEMA;
  tool: { name: 'ssedoctor'; version: string };
  startedAt: string;
  target: VerifyTarget;
  outcome: OutcomeCode;
  ok: boolean;
  summary: string;
  detail: string;
  hint: string | null;
  attempts: { client: number; recoveredOnAttempt: number | null; serverLookups: number | null };
  timings: Partial<Record<keyof RunTimings, number | null>>;
  counts: Diagnosis['counts'];
  nodes: (Omit<NodeSpan, 'startMs' | 'completeMs'> & { startMs: number | null; completeMs: number | null })[];
  findings: Diagnosis['findings'];
  transcript: Transcript;
}

/** Builds the document (a plain object; JSON.stringify it). */
export function verifyDocument(target: VerifyTarget, d: Diagnosis, t: Transcript, version: string): VerifyDocumentShape {
  const timings = roundAll(d.timings);
  return {
    schema: VERIFY_SCHEMA,
    tool: { name: 'ssedoctor', version },
    startedAt: t.startedAt,
    target,
    outcome: d.outcome.code,
    ok: d.outcome.severity === 'ok',
    summary: d.outcome.summary,
    detail: d.detail,
    hint: d.outcome.severity === 'ok' ? null : d.outcome.hint,
    attempts: {
      client: d.attempts.client,
      recoveredOnAttempt: d.attempts.recoveredOnAttempt ?? null,
      serverLookups: d.attempts.serverLookups ?? null,
    },
    timings,
    counts: d.counts,
    nodes: d.nodes.map((n) => ({ ...n, startMs: round(n.startMs) ?? null, completeMs: round(n.completeMs) ?? null })),
    findings: d.findings,
    transcript: t,
  };
}
