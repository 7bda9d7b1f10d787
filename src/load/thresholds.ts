/**
 * CI thresholds, k6 style but for this domain:
 *   rate(early-404)<0.1%    share of finished runs with that outcome (`ok` = healthy)
 *   count(heartbeat-only)==0
 *   p99(first-node-event)<2s   p50/p90/p95/p99/p99.9/max/mean/min of a metric (durations: src/duration.ts)
 *   max(server-lookups)<=10
 * Pure: parse text → Threshold, evaluate against the aggregate.
 */
import { OUTCOME_CODES, type OutcomeCode } from '../classify/outcomes.js';
import { DURATION_GRAMMAR, parseDurationMs } from '../duration.js';
import { SsedoctorError, EXIT } from '../errors.js';
import { METRIC_NAMES, TIMING_METRICS, type MetricName } from './metric-names.js';
import type { LoadMetrics } from './metrics.js';

type Op = '<' | '<=' | '>' | '>=' | '==';
type Stat = 'p50' | 'p90' | 'p95' | 'p99' | 'p99.9' | 'max' | 'min' | 'mean';

export type Threshold =
  | { text: string; kind: 'rate' | 'count'; outcome: OutcomeCode | 'ok' | 'dropped'; op: Op; value: number }
  | { text: string; kind: 'stat'; stat: Stat; metric: MetricName; op: Op; value: number };

export interface ThresholdVerdict {
  threshold: string;
  passed: boolean;
  /** The measured value, in the threshold's unit (ms, %, count); undefined when there was no data. */
  actual?: number;
  unit: 'ms' | '%' | 'count';
}

const STATS: Stat[] = ['p50', 'p90', 'p95', 'p99', 'p99.9', 'max', 'min', 'mean'];

function fail(text: string, why: string): never {
  throw new SsedoctorError('bad-threshold', `--threshold "${text}": ${why}`, {
    exitCode: EXIT.usage,
    hint: 'examples: rate(early-404)<0.1%  count(heartbeat-only)==0  p99(first-node-event)<2s  max(server-lookups)<=10',
  });
}

/** Parses one threshold expression; throws a usage error naming what is wrong. */
export function parseThreshold(text: string): Threshold {
  const m = /^\s*([a-z0-9.]+)\(([a-z0-9-]+)\)\s*(<=|>=|==|<|>)\s*(\S+)\s*$/i.exec(text);
  if (!m) fail(text, 'expected FUNCTION(NAME) OP VALUE');
  const [, fn, name, op, raw] = m as unknown as [string, string, string, Op, string];
  // The value: a plain number, a percentage, or a duration in the one grammar (src/duration.ts).
  const plain = /^(\d+(?:\.\d+)?|\.\d+)(%?)$/.exec(raw);
  const unit: '%' | 'duration' | undefined = plain ? (plain[2] ? '%' : undefined) : 'duration';
  const durationMs = unit === 'duration' ? parseDurationMs(raw) : undefined;
  if (unit === 'duration' && durationMs === undefined) fail(text, `"${raw}" is not a number, a percentage or a duration (${DURATION_GRAMMAR})`);
  const value = plain ? Number(plain[1]) : durationMs!;
  if (fn === 'rate' || fn === 'count') {
    const known = [...OUTCOME_CODES, 'ok', 'dropped'];
    if (!known.includes(name)) fail(text, `unknown outcome "${name}" (known: ${known.join(', ')})`);
    if (fn === 'rate' && unit !== '%') fail(text, 'a rate needs a percentage, e.g. <0.1%');
    if (fn === 'count' && unit) fail(text, 'a count takes a plain number');
    return { text, kind: fn, outcome: name as OutcomeCode | 'ok' | 'dropped', op, value };
  }
  if (!STATS.includes(fn as Stat)) fail(text, `unknown function "${fn}" (rate, count, ${STATS.join(', ')})`);
  if (!METRIC_NAMES.includes(name as MetricName)) fail(text, `unknown metric "${name}" (known: ${METRIC_NAMES.join(', ')})`);
  const timing = name in TIMING_METRICS;
  // `0` alone is a duration too (the grammar's one unitless value).
  if (timing && unit !== 'duration' && raw !== '0') fail(text, `${name} is a duration: give a unit, e.g. 2s or 500ms`);
  if (!timing && unit) fail(text, `${name} is a count: give a plain number`);
  return { text, kind: 'stat', stat: fn as Stat, metric: name as MetricName, op, value };
}

function compare(actual: number, op: Op, value: number): boolean {
  switch (op) {
    case '<': return actual < value;
    case '<=': return actual <= value;
    case '>': return actual > value;
    case '>=': return actual >= value;
    case '==': return actual === value;
  }
}

/** Evaluates thresholds against an aggregate. A stat with no data fails (nothing proves it). */
export function evaluateThresholds(thresholds: Threshold[], m: LoadMetrics): ThresholdVerdict[] {
  const runs = m.runs;
  return thresholds.map((t) => {
    if (t.kind !== 'stat') {
      const n = t.outcome === 'dropped' ? m.dropped : (m.outcomes.get(t.outcome === 'ok' ? 'healthy' : t.outcome) ?? 0);
      if (t.kind === 'count') return { threshold: t.text, passed: compare(n, t.op, t.value), actual: n, unit: 'count' };
      const total = t.outcome === 'dropped' ? runs + m.dropped : runs;
      if (total === 0) return { threshold: t.text, passed: false, unit: '%' };
      const pct = (n / total) * 100;
      return { threshold: t.text, passed: compare(pct, t.op, t.value), actual: pct, unit: '%' };
    }
    const s = m.summary(t.metric);
    const unit = t.metric in TIMING_METRICS ? 'ms' : 'count';
    if (!s) return { threshold: t.text, passed: false, unit };
    // A percentile is its HDR bucket's upper edge: clamped to the exact [min, max], as reports show it.
    const actual =
      t.stat === 'max' ? s.max : t.stat === 'min' ? s.min : t.stat === 'mean' ? s.mean : Math.min(s.max, Math.max(s.min, m.percentile(t.metric, Number(t.stat.slice(1)))!));
    return { threshold: t.text, passed: compare(actual, t.op, t.value), actual, unit };
  });
}
