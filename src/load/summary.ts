/**
 * The versioned load result document: what `load --json` prints and `--out` writes, and what
 * `report` reads back and merges. Histograms travel encoded, so merging is exact.
 */
import { OUTCOMES, type OutcomeCode } from '../classify/outcomes.js';
import { METRIC_NAMES, TIMING_METRICS, type MetricName } from './metric-names.js';
import { LoadMetrics, type EncodedMetrics, type MetricSummary } from './metrics.js';
import { judgeGenerator, type GeneratorEvidence } from './generator-health.js';
import { recommendMaxWait, type Recommendation } from './recommend.js';
import type { LoadResult, LoopDelay } from './runner.js';
import { evaluateThresholds, type Threshold, type ThresholdVerdict } from './thresholds.js';
import type { Transcript } from '../model.js';
import type { ReconnectCounts } from './reconnect-counts.js';
import type { StormCounts } from './storm.js';
import type { ConnectionCapCounts } from './browser-tabs.js';

export const LOAD_SCHEMA = 'ssedoctor.load/v1';

export interface LoadTarget {
  baseUrl: string;
  embeddedScenario?: string;
  /** The server's STREAM_DECISION_SET_MAX_WAIT when known (embedded), ms. */
  windowMs?: number;
  /** Share of runs the recommended window may lose (`--target-miss-rate`), 0–1; default 0.001. */
  targetMissRate?: number;
  /** The forward proxy the runs went through (HTTP(S)_PROXY), credentials redacted; absent: direct. */
  proxy?: string;
  /** Source addresses the connections were spread over (`--local-address`); absent: the system's choice. */
  localAddresses?: string[];
}

export interface LoadSummary {
  schema: typeof LOAD_SCHEMA;
  tool: { name: 'ssedoctor'; version: string };
  /** The command line that produced the result, secrets redacted (absent in merged and older files). */
  command?: string;
  startedAt: string;
  durationMs: number;
  stoppedBy: LoadResult['stoppedBy'];
  target: LoadTarget;
  /** The load model as the user gave it (flags), for the record. */
  model: Record<string, unknown>;
  runs: number;
  dropped: number;
  outcomes: { code: OutcomeCode; count: number; percent: number }[];
  /** Runs per HTTP version their stream request was answered in (`h2`, `http/1.1`). */
  protocols: Record<string, number>;
  /** Per metric: `unit` says what every figure is in (ms or count); see {@link MetricFigures}. */
  metrics: Partial<Record<MetricName, MetricFigures>>;
  recommendation: Recommendation;
  thresholds: ThresholdVerdict[];
  /** The generator's own accuracy: what it measured of itself and whether its timings hold. */
  generator: GeneratorEvidence & {
    peakInflight: number;
    /** Generator threads (`--workers`). */
    threads?: number;
    /** "generator-limited": its timings or its pace cannot be trusted; `reasons` say why, with figures. */
    limited: boolean;
    reasons: string[];
    /** Same as `limited` (the v1 name, kept for readers of older files). */
    saturated: boolean;
  };
  encoded: EncodedMetrics;
  /** `--client browser` / `--cut-after`: runs that reconnected and the damage they saw (counts of runs). */
  reconnects?: ReconnectCounts;
  /** `--storm-at`: the reconnect storm's plan and what the cut streams met (counts; its timings are the `storm-*` metrics). */
  storm?: StormCounts;
  /** `--browser-tabs`: simulated browsers' waits for a free connection (6 per origin over HTTP/1.1); the waits are the `connection-wait` metric. */
  connectionCap?: ConnectionCapCounts;
  /** Which part of a sharded run this is (`--shard i/n`). */
  shard?: { index: number; count: number };
  /** The result files merged into this one (`report`). */
  mergedFrom?: number;
  /** The slowest transcripts per outcome (only in files written with --out). */
  worst?: Partial<Record<OutcomeCode, Transcript[]>>;
}

/**
 * One metric's figures as written: HDR percentiles are the upper edge of their bucket, so p99.9
 * can read above the exact max (4016.127 vs 4015.933); every percentile is clamped to [min, max].
 * Timings are rounded to 0.1 ms. `unit` was added within v1: readers of older files assume ms for
 * timing metrics and count for the others.
 */
export type MetricFigures = MetricSummary & { unit: 'ms' | 'count' };

/** Clamps, rounds and labels a metric summary. */
export function metricFigures(name: MetricName, s: MetricSummary): MetricFigures {
  const timing = name in TIMING_METRICS;
  const r = (x: number): number => (timing ? Math.round(x * 10) / 10 : Math.round(x * 1000) / 1000);
  const clamp = (x: number): number => r(Math.min(s.max, Math.max(s.min, x)));
  return {
    ...s,
    unit: timing ? 'ms' : 'count',
    min: r(s.min),
    mean: clamp(s.mean),
    p50: clamp(s.p50),
    p90: clamp(s.p90),
    p99: clamp(s.p99),
    p999: clamp(s.p999),
    max: r(s.max),
  };
}

export interface DocumentInput {
  version: string;
  command?: string;
  target: LoadTarget;
  model: Record<string, unknown>;
  metrics: LoadMetrics;
  startedAt: string;
  durationMs: number;
  stoppedBy: LoadResult['stoppedBy'];
  loopDelay: LoopDelay;
  peakInflight: number;
  /** Busy share of each generator thread's event loop, 0–1. */
  utilization?: number[];
  /** CPU time of the generator process over the run, ms. */
  cpuMs?: number;
  /** Runs in flight when ssedoctor ran out of file descriptors or ports. */
  clientLimitInflight?: number;
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
  const metrics: Partial<Record<MetricName, MetricFigures>> = {};
  for (const name of METRIC_NAMES) {
    const summary = m.summary(name);
    if (summary) metrics[name] = metricFigures(name, summary);
  }
  return {
    schema: LOAD_SCHEMA,
    tool: { name: 'ssedoctor', version: input.version },
    ...(input.command ? { command: input.command } : {}),
    startedAt: input.startedAt,
    durationMs: input.durationMs,
    stoppedBy: input.stoppedBy,
    target: input.target,
    model: input.model,
    runs,
    dropped: m.dropped,
    outcomes,
    protocols: Object.fromEntries(m.protocols),
    metrics,
    recommendation: recommendMaxWait(m, input.target.windowMs, input.target.targetMissRate ? { targetMissRate: input.target.targetMissRate } : {}),
    thresholds: evaluateThresholds(input.thresholds, m),
    generator: generatorSection(input, m),
    encoded: m.encode(),
    ...(m.reconnectCounts ? { reconnects: m.reconnectCounts } : {}),
    ...(m.storm ? { storm: m.storm } : {}),
    ...(m.connectionCap ? { connectionCap: m.connectionCap } : {}),
    ...(input.shard ? { shard: input.shard } : {}),
    ...(input.mergedFrom ? { mergedFrom: input.mergedFrom } : {}),
    ...(input.worst ? { worst: input.worst } : {}),
  };
}

function generatorSection(input: DocumentInput, m: LoadMetrics): LoadSummary['generator'] {
  const lag = m.summary('schedule-lag');
  const evidence: GeneratorEvidence = {
    loopDelayMs: input.loopDelay,
    ...(lag ? { scheduleLagMs: { p50: round1(lag.p50), p99: round1(Math.min(lag.p99, lag.max)), max: round1(lag.max) } } : {}),
    ...(input.utilization ? { utilization: input.utilization.map((u) => Math.round(u * 1000) / 1000) } : {}),
    ...(input.cpuMs !== undefined && input.durationMs > 0
      ? { cpu: { ms: Math.round(input.cpuMs), cores: Math.round((input.cpuMs / input.durationMs) * 100) / 100 } }
      : {}),
  };
  const verdict = judgeGenerator(evidence);
  const outOfResources = m.outcomes.get('client-limit');
  if (outOfResources) {
    const at = input.clientLimitInflight !== undefined ? ` with ${input.clientLimitInflight} runs in flight` : '';
    verdict.reasons.unshift(`${outOfResources} run(s) failed on ssedoctor's own limits (file descriptors or local ports)${at}: the run stopped there`);
    verdict.limited = true;
  }
  return {
    ...evidence,
    peakInflight: input.peakInflight,
    ...(input.utilization ? { threads: input.utilization.length } : {}),
    limited: verdict.limited,
    reasons: verdict.reasons,
    saturated: verdict.limited,
  };
}

const round1 = (x: number): number => Math.round(x * 10) / 10;
