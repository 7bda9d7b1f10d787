/** The stable, versioned JSON document of one verify run. */
import type { Diagnosis } from '../classify/diagnose.js';
import type { ReconnectDamage } from '../classify/reconnect-damage.js';
import type { NodeSpan, RunTimings } from '../classify/metrics.js';
import type { WaitSource } from '../classify/server-wait.js';
import type { Waterfall } from '../classify/waterfall.js';
import type { OutcomeCode } from '../classify/outcomes.js';
import type { Transcript } from '../model.js';
import { round, roundAll, roundTimesDeep } from './format.js';

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
  /**
   * The server's lookup wait, summed over attempts (ms), and where it came from: `header`
   * (x-lookup-wait-ms) or `inferred` (GET sent → response head); null when no head was seen.
   */
  serverWait: { ms: number; source: WaitSource; perAttempt: { attempt: number; status: number | null; ms: number; source: WaitSource; lookups: number | null }[] } | null;
  /** Step times since the enqueue was sent (ms, 0.1); null for a step that did not happen. */
  waterfall: WaterfallDocument;
  counts: Diagnosis['counts'];
  nodes: (Omit<NodeSpan, 'startMs' | 'completeMs'> & { startMs: number | null; completeMs: number | null })[];
  findings: Diagnosis['findings'];
  /**
   * How the last answered stream request travelled: `h2` or `http/1.1`, and the forward proxy
   * (redacted) or null for direct; protocol null when no stream request was answered.
   */
  network: { protocol: 'h2' | 'http/1.1' | null; proxy: string | null };
  /** `--client browser` / `--cut-after`: reconnects, their damage and the resume check (times in ms); absent otherwise. */
  reconnects?: ReconnectDamage;
  transcript: Transcript;
}

/** The waterfall as written: every step present, null where it did not happen. */
export type WaterfallDocument = { [K in Exclude<keyof Waterfall, 'endKind' | 'attempt' | 'meaningfulEvents'>]: number | null } & {
  attempt: number | null;
  endKind: string | null;
  meaningfulEvents: number;
};

const WATERFALL_STEPS = [
  'postSentMs',
  'enqueueAnsweredMs',
  'getSentMs',
  'headMs',
  'firstByteMs',
  'firstEventMs',
  'secondEventMs',
  'endMs',
  'gapP50Ms',
  'gapP99Ms',
  'longestStallMs',
] as const;

/** The waterfall with every step named (null when it did not happen), ms rounded to 0.1. */
export function waterfallDocument(w: Waterfall): WaterfallDocument {
  const steps = Object.fromEntries(WATERFALL_STEPS.map((k) => [k, round(w[k]) ?? null])) as Record<(typeof WATERFALL_STEPS)[number], number | null>;
  return { attempt: w.attempt ?? null, ...steps, endKind: w.endKind ?? null, meaningfulEvents: w.meaningfulEvents };
}

/** The stream request's protocol and proxy, from the last attempt that got an answer. */
export function networkDocument(t: Transcript): VerifyDocumentShape['network'] {
  const last = [...t.attempts].reverse().find((x) => x.protocol !== undefined) ?? t.attempts.at(-1);
  return { protocol: last?.protocol ?? null, proxy: last?.proxy ?? null };
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
    hint: d.outcome.severity === 'ok' ? null : d.hint,
    attempts: {
      client: d.attempts.client,
      recoveredOnAttempt: d.attempts.recoveredOnAttempt ?? null,
      serverLookups: d.attempts.serverLookups ?? null,
    },
    timings,
    serverWait:
      d.timings.serverWaitMs === undefined || !d.waitSources.serverWait
        ? null
        : {
            ms: round(d.timings.serverWaitMs)!,
            source: d.waitSources.serverWait,
            perAttempt: d.waits.map((w) => ({ attempt: w.attempt, status: w.status ?? null, ms: round(w.ms)!, source: w.source, lookups: w.lookups ?? null })),
          },
    waterfall: waterfallDocument(d.waterfall),
    counts: d.counts,
    nodes: d.nodes.map((n) => ({ ...n, startMs: round(n.startMs) ?? null, completeMs: round(n.completeMs) ?? null })),
    findings: d.findings,
    network: networkDocument(t),
    ...(d.reconnects ? { reconnects: roundTimesDeep(d.reconnects) } : {}),
    transcript: roundTimesDeep(t),
  };
}
