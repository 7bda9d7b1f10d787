/** The stable, versioned JSON document of one verify run. */
import type { Diagnosis } from '../classify/diagnose.js';
import type { Transcript } from '../model.js';
import { round } from './format.js';

/** Bump on any breaking change to the document's shape. */
export const VERIFY_SCHEMA = 'ssedoctor.verify/v1';

export interface VerifyTarget {
  baseUrl: string;
  /** Scenario of the embedded reference server, when ssedoctor started one. */
  embeddedScenario?: string;
}

/** Builds the document (a plain object; JSON.stringify it). Times are ms, rounded to 0.1. */
export function verifyDocument(target: VerifyTarget, d: Diagnosis, t: Transcript, version: string): Record<string, unknown> {
  const timings = Object.fromEntries(Object.entries(d.timings).map(([k, v]) => [k, round(v) ?? null]));
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
