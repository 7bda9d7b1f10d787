/**
 * Live load metrics in the Prometheus text exposition format (version 0.0.4), for
 * `load --metrics-port`. Pure: a state object that finished runs are added to, and a renderer
 * from that state to text. Names follow Prometheus conventions: the `ssedoctor_` prefix, base
 * units in the name (`_seconds`), `_total` on counters.
 * Format: https://prometheus.io/docs/instrumenting/exposition_formats/#text-based-format
 */
import { OUTCOMES, type OutcomeCode } from '../classify/outcomes.js';
import type { LiveTimings } from '../load/live-timings.js';

/** The media type a scraper expects for this format. */
export const PROMETHEUS_CONTENT_TYPE = 'text/plain; version=0.0.4; charset=utf-8';

/**
 * Histogram upper bounds, seconds. Wide on purpose: an enqueue answers in milliseconds, a whole
 * run lasts up to `--observe` (2 min by default).
 */
export const BUCKETS_SECONDS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300] as const;

/** The histograms: metric name → the live timing it observes and its help text. */
const HISTOGRAMS = {
  ssedoctor_enqueue_seconds: ['enqueueMs', 'Enqueue request to its response head, from the run\'s scheduled start.'],
  ssedoctor_stream_head_seconds: ['headersMs', 'Enqueue sent to the stream\'s response head, from the run\'s scheduled start.'],
  ssedoctor_first_meaningful_event_seconds: ['firstMeaningfulEventMs', 'Enqueue sent to the first event that is not a comment or heartbeat, from the run\'s scheduled start.'],
  ssedoctor_run_duration_seconds: ['totalMs', 'Whole run, from its scheduled start.'],
  ssedoctor_schedule_lag_seconds: ['lagMs', 'Generator health: how late each run was launched against its schedule.'],
} as const satisfies Record<string, [keyof LiveTimings, string]>;
export type HistogramName = keyof typeof HISTOGRAMS;

/** One histogram: counts per bucket (not cumulative; the last one is +Inf), the sum in seconds, the count. */
export interface HistogramState {
  counts: number[];
  sum: number;
  count: number;
}

/** Event-loop delay of one thread, ms (cumulative since the run started). */
export interface LoopDelayState {
  p99Ms: number;
  maxMs: number;
}

/** Everything the exporter shows. Plain data, so tests can build it by hand. */
export interface LiveMetrics {
  version: string;
  /** When the load started, seconds since the Unix epoch. */
  startedAtSeconds: number;
  runs: Partial<Record<OutcomeCode, number>>;
  histograms: Record<HistogramName, HistogramState>;
  /** Runs in flight overall, as the last finished run reported it. */
  inflight: number;
  /** Event-loop delay per thread: `main`, and `worker-N` for generator threads. */
  loopDelay: Record<string, LoopDelayState>;
}

/** A fresh state: every outcome at 0 (so `rate()` works from the first scrape), empty histograms. */
export function newLiveMetrics(version: string, startedAtSeconds: number): LiveMetrics {
  const empty = (): HistogramState => ({ counts: new Array<number>(BUCKETS_SECONDS.length + 1).fill(0), sum: 0, count: 0 });
  const histograms = Object.fromEntries(Object.keys(HISTOGRAMS).map((name) => [name, empty()])) as Record<HistogramName, HistogramState>;
  return { version, startedAtSeconds, runs: {}, histograms, inflight: 0, loopDelay: {} };
}

/** Adds one finished run: its outcome, and its timings (ms) when the generator sent them. */
export function observeRun(m: LiveMetrics, outcome: OutcomeCode, inflight: number, timings?: LiveTimings): void {
  m.runs[outcome] = (m.runs[outcome] ?? 0) + 1;
  m.inflight = inflight;
  if (!timings) return;
  for (const [name, [field]] of Object.entries(HISTOGRAMS) as [HistogramName, [keyof LiveTimings, string]][]) {
    const ms = timings[field];
    if (ms !== undefined && Number.isFinite(ms)) observe(m.histograms[name], Math.max(0, ms) / 1000);
  }
}

/** Adds one value (seconds) to a histogram; `le` bounds are inclusive, as Prometheus defines them. */
export function observe(h: HistogramState, seconds: number): void {
  let i = BUCKETS_SECONDS.findIndex((le) => seconds <= le);
  if (i < 0) i = BUCKETS_SECONDS.length;
  h.counts[i]!++;
  h.sum += seconds;
  h.count++;
}

/** A sample value as the format writes it: `+Inf`, `-Inf`, `NaN`, or a Go-parsable float. */
export function formatValue(v: number): string {
  if (Number.isNaN(v)) return 'NaN';
  if (v === Infinity) return '+Inf';
  if (v === -Infinity) return '-Inf';
  return String(v);
}

/** A label value with `\`, `"` and line feeds escaped, as the format requires. */
export function escapeLabel(v: string): string {
  return v.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');
}

const labels = (pairs: Record<string, string>): string => {
  const text = Object.entries(pairs)
    .map(([k, v]) => `${k}="${escapeLabel(v)}"`)
    .join(',');
  return text ? `{${text}}` : '';
};

/** HELP and TYPE lines of one metric family (HELP escapes `\` and line feeds). */
const family = (name: string, type: 'counter' | 'gauge' | 'histogram', help: string): string =>
  `# HELP ${name} ${help.replace(/\\/g, '\\\\').replace(/\n/g, '\\n')}\n# TYPE ${name} ${type}\n`;

/** The whole exposition: one family per metric, histograms with cumulative buckets, `_sum` and `_count`. */
export function prometheusText(m: LiveMetrics): string {
  let out = family('ssedoctor_build_info', 'gauge', 'Always 1; the label says which ssedoctor runs the load.');
  out += `ssedoctor_build_info${labels({ version: m.version })} 1\n`;
  out += family('ssedoctor_load_start_time_seconds', 'gauge', 'When the load started, seconds since the Unix epoch.');
  out += `ssedoctor_load_start_time_seconds ${formatValue(m.startedAtSeconds)}\n`;
  out += family('ssedoctor_runs_total', 'counter', 'Finished runs (one enqueue and its stream) by outcome.');
  for (const o of OUTCOMES) out += `ssedoctor_runs_total${labels({ outcome: o.code })} ${m.runs[o.code] ?? 0}\n`;
  out += family('ssedoctor_runs_in_flight', 'gauge', 'Runs in flight, as of the last finished run.');
  out += `ssedoctor_runs_in_flight ${m.inflight}\n`;
  for (const [name, [, help]] of Object.entries(HISTOGRAMS) as [HistogramName, [string, string]][]) {
    const h = m.histograms[name];
    out += family(name, 'histogram', help);
    let cumulative = 0;
    BUCKETS_SECONDS.forEach((le, i) => {
      cumulative += h.counts[i]!;
      out += `${name}_bucket${labels({ le: formatValue(le) })} ${cumulative}\n`;
    });
    out += `${name}_bucket${labels({ le: '+Inf' })} ${h.count}\n`;
    out += `${name}_sum ${formatValue(h.sum)}\n${name}_count ${h.count}\n`;
  }
  const threads = Object.keys(m.loopDelay).sort();
  // The monitor resolves nanoseconds; microseconds are plenty and keep float noise out of the text.
  const seconds = (ms: number): string => formatValue(Math.round(ms * 1000) / 1e6);
  if (threads.length > 0) {
    out += family('ssedoctor_event_loop_delay_p99_seconds', 'gauge', 'Generator health: 99th percentile of the thread\'s event-loop delay since the load started (timings are inflated past 0.02 s).');
    for (const t of threads) out += `ssedoctor_event_loop_delay_p99_seconds${labels({ thread: t })} ${seconds(m.loopDelay[t]!.p99Ms)}\n`;
    out += family('ssedoctor_event_loop_delay_max_seconds', 'gauge', 'Generator health: longest event-loop delay of the thread since the load started.');
    for (const t of threads) out += `ssedoctor_event_loop_delay_max_seconds${labels({ thread: t })} ${seconds(m.loopDelay[t]!.maxMs)}\n`;
  }
  return out;
}
