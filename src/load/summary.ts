/**
 * The versioned load result document: what `load --json` prints and `--out` writes, and what
 * `report` reads back and merges. Histograms travel encoded, so merging is exact.
 */
import { OUTCOMES, type OutcomeCode } from '../classify/outcomes.js';
import { LoadMetrics, METRIC_NAMES, type EncodedMetrics, type MetricName, type MetricSummary } from './metrics.js';
import { recommendMaxWait, type Recommendation } from './recommend.js';
import type { LoadResult, LoopDelay } from './runner.js';
import { evaluateThresholds, type Threshold, type ThresholdVerdict } from './thresholds.js';
import type { Transcript } from '../model.js';

export const LOAD_SCHEMA = 'ssedoctor.load/v1';

/** Event-loop delay past which the generator's own timings are not trusted, ms. */
export const SATURATION_P99_MS = 20;

export interface LoadTarget {
  baseUrl: string;
  embeddedScenario?: string;
  /** The server's STREAM_DECISION_SET_MAX_WAIT when known (embedded), ms. */
  windowMs?: number;
}

export interface LoadSummary {
  schema: typeof LOAD_SCHEMA;
  tool: { name: 'ssedoctor'; version: string };
  startedAt: string;
  durationMs: number;
  stoppedBy: LoadResult['stoppedBy'];
  target: LoadTarget;
  /** The load model as the user gave it (flags), for the record. */
  model: Record<string, unknown>;
  runs: number;
  dropped: number;
  outcomes: { code: OutcomeCode; count: number; percent: number }[];
  metrics: Partial<Record<MetricName, MetricSummary>>;
  recommendation: Recommendation;
  thresholds: ThresholdVerdict[];
  generator: { loopDelayMs: LoopDelay; peakInflight: number; saturated: boolean };
  encoded: EncodedMetrics;
  /** Which part of a sharded run this is (`--shard i/n`). */
  shard?: { index: number; count: number };
  /** The result files merged into this one (`report`). */
  mergedFrom?: number;
  /** The slowest transcripts per outcome (only in files written with --out). */
  worst?: Partial<Record<OutcomeCode, Transcript[]>>;
}

export interface DocumentInput {
  version: string;
  target: LoadTarget;
  model: Record<string, unknown>;
  metrics: LoadMetrics;
  startedAt: string;
  durationMs: number;
  stoppedBy: LoadResult['stoppedBy'];
  loopDelay: LoopDelay;
  peakInflight: number;
  thresholds: Threshold[];
  worst?: LoadSummary['worst'];
  shard?: LoadSummary['shard'];
  mergedFrom?: number;
}

/** Builds the document from an aggregate (fresh from a run, or merged from files). */
export function loadSummary(input: DocumentInput): LoadSummary {
  const m = input.metrics;
  const runs = m.runs;
  const outcomes = OUTCOMES.filter((o) => m.outcomes.has(o.code)).map((o) => {
    const count = m.outcomes.get(o.code)!;
    return { code: o.code, count, percent: runs > 0 ? (count / runs) * 100 : 0 };
  });
  const metrics: Partial<Record<MetricName, MetricSummary>> = {};
  for (const name of METRIC_NAMES) {
    const summary = m.summary(name);
    if (summary) metrics[name] = summary;
  }
  return {
    schema: LOAD_SCHEMA,
    tool: { name: 'ssedoctor', version: input.version },
    startedAt: input.startedAt,
    durationMs: input.durationMs,
    stoppedBy: input.stoppedBy,
    target: input.target,
    model: input.model,
    runs,
    dropped: m.dropped,
    outcomes,
    metrics,
    recommendation: recommendMaxWait(m, input.target.windowMs),
    thresholds: evaluateThresholds(input.thresholds, m),
    generator: { loopDelayMs: input.loopDelay, peakInflight: input.peakInflight, saturated: input.loopDelay.p99 > SATURATION_P99_MS },
    encoded: m.encode(),
    ...(input.shard ? { shard: input.shard } : {}),
    ...(input.mergedFrom ? { mergedFrom: input.mergedFrom } : {}),
    ...(input.worst ? { worst: input.worst } : {}),
  };
}
