/**
 * ssedoctor as a library: run a probe, classify it, render it, or start the reference server.
 * Never imports the CLI.
 */
export { runProbe, joinUrl } from './probe/run-probe.js';
export { DEFAULT_PROBE_OPTIONS, type ProbeOptions, type EncodingMode } from './probe/options.js';
export type { ProbeStep } from './probe/steps.js';
export { createDispatcher } from './probe/dispatcher.js';
export { SseReader, type ParsedRecord } from './probe/sse-reader.js';
export { classify, type Classification } from './classify/classify.js';
export { diagnose, type Diagnosis } from './classify/diagnose.js';
export { runMetrics, type RunMetrics } from './classify/metrics.js';
export { waterfall } from './classify/waterfall.js';
export { comparePaths, type PathDifference } from './classify/compare.js';
export { OUTCOMES, OUTCOME_CODES, outcomeInfo, type OutcomeCode, type OutcomeInfo } from './classify/outcomes.js';
export { runLoad, type LoadOptions, type LoadResult, type LoadModel } from './load/runner.js';
export { runLoadParallel, type ParallelLoadOptions, type ParallelLoadResult } from './load/parallel.js';
export type { LoadModelSpec } from './load/model-spec.js';
export { constantSchedule, rampSchedule, type Schedule } from './load/pacer.js';
export { LoadMetrics, type Sample, type EncodedMetrics } from './load/metrics.js';
export { METRIC_NAMES } from './load/metric-names.js';
export { parseThreshold, evaluateThresholds, type Threshold, type ThresholdVerdict } from './load/thresholds.js';
export { recommendMaxWait, type Recommendation } from './load/recommend.js';
export { loadSummary, LOAD_SCHEMA, type LoadSummary } from './load/summary.js';
export { mergeSummaries } from './load/merge.js';
export { verifyDocument, VERIFY_SCHEMA } from './report/verify-json.js';
export { verifyText } from './report/verify-text.js';
export { startReferenceServer, SCENARIOS, type ReferenceServer, type StartOptions } from './server/index.js';
export { EXIT, SsedoctorError } from './errors.js';
export type * from './model.js';
