/**
 * Load-run aggregation: HDR histograms per phase, counts per outcome, an outcomes-over-time
 * series, and an encoding that lets several result files merge exactly (histograms are added,
 * counts summed; percentiles are never averaged).
 */
import * as hdr from 'hdr-histogram-js';
import type { RunVerdict } from '../classify/diagnose.js';
import type { OutcomeCode } from '../classify/outcomes.js';
import { addReconnects, emptyReconnectCounts, mergeReconnects, type ReconnectCounts } from './reconnect-counts.js';
import { addLatency, mergeLatency, type LatencyCounts } from '../latency-buckets.js';
import { addStormRun, mergeStormCounts, type StormCounts, type StormRun } from './storm.js';
import { addConnectionWait, mergeConnectionCap, type ConnectionCapCounts, type RunConnectionWait } from './browser-tabs.js';
import { TIMING_METRICS, WAIT_METRICS, type CountMetric, type MetricName, type TimingMetric, type WaitMetric } from './metric-names.js';


/** One finished run, as the aggregate sees it. */
export interface Sample {
  outcome: OutcomeCode;
  /** When the run was due to start, ms since the load began (open model: the schedule, not the launch). */
  scheduledMs: number;
  /** Lateness of the launch against the schedule, ms. */
  lagMs: number;
  /** HTTP version the stream request was answered in (`h2` or `http/1.1`); absent: no answer. */
  protocol?: string;
  /** True when the run had a schedule (open model); only then is `lagMs` recorded as schedule-lag. */
  scheduled?: boolean;
  /** The run's outcome and figures (findings are left to the kept examples). */
  diagnosis: RunVerdict;
  /** How a reconnect storm (--storm-at) met this run, when it cut its stream. */
  storm?: StormRun;
  /** With --browser-tabs: how long the run's requests waited for a free connection in their browser. */
  connectionWait?: RunConnectionWait;
}

/** Timings are stored in µs and reported in ms; counts are stored as they are. */
function scaleOf(name: MetricName): number {
  return name in TIMING_METRICS ? 1000 : 1;
}

function newHistogram(): hdr.Histogram {
  return hdr.build({ lowestDiscernibleValue: 1, highestTrackableValue: 2 ** 40, numberOfSignificantValueDigits: 3, autoResize: true });
}

/** Percentiles of one metric, in its unit (ms for timings, a count for counts). */
export interface MetricSummary {
  count: number;
  /** For server-wait and not-found-wait: how many of `count` were inferred (GET → head, no lookup headers). */
  inferred?: number;
  min: number;
  mean: number;
  p50: number;
  p90: number;
  p99: number;
  p999: number;
  max: number;
}

/** The serialisable state of an aggregate: what --out writes and `report` merges. */
export interface EncodedMetrics {
  /** Runs per outcome code. */
  outcomes: Partial<Record<OutcomeCode, number>>;
  /** Runs that found no free slot (open model). */
  dropped: number;
  /** hdr-histogram-js compressed base64, one per metric (timings in µs). */
  histograms: Partial<Record<MetricName, string>>;
  /** Outcome counts per whole second since the start (index = second). */
  timeline: Partial<Record<OutcomeCode, number>>[];
  /** Values of the wait metrics inferred from GET → head (absent in files written before it existed: 0). */
  inferred?: Partial<Record<WaitMetric, number>>;
  /** Runs per HTTP version of the stream answer (`h2`, `http/1.1`); absent in older files. */
  protocols?: Record<string, number>;
  /** Runs with a reconnecting client and the damage they saw; absent when no run reconnected. */
  reconnects?: ReconnectCounts;
  /**
   * first-meaningful-event per second the runs started in (index = second since the start):
   * counts per log bucket (see latency-buckets.ts), so files merge exactly. Absent in older files.
   */
  latencyTimeline?: LatencyCounts[];
  /** The reconnect storm (--storm-at) and what it met; absent without one. */
  storm?: StormCounts;
  /** Simulated browsers (--browser-tabs): runs that waited for a free connection; absent without. */
  connectionCap?: ConnectionCapCounts;
}

export class LoadMetrics {
  readonly outcomes = new Map<OutcomeCode, number>();
  /** Runs per HTTP version of the stream answer. */
  readonly protocols = new Map<string, number>();
  dropped = 0;
  private readonly histograms = new Map<MetricName, hdr.Histogram>();
  private readonly timeline: Partial<Record<OutcomeCode, number>>[] = [];
  private readonly inferred = new Map<WaitMetric, number>();
  /** Set by the first run with a reconnecting client (--client browser, --cut-after). */
  reconnectCounts: ReconnectCounts | undefined;
  /** Set when the load has a reconnect storm (--storm-at), before any run. */
  storm: StormCounts | undefined;
  /** Set when runs are made in simulated browsers (--browser-tabs), before any run. */
  connectionCap: ConnectionCapCounts | undefined;
  private readonly latencyTimeline: LatencyCounts[] = [];

  /** Adds one finished run. */
  add(sample: Sample): void {
    const { outcome, diagnosis: d } = sample;
    this.outcomes.set(outcome, (this.outcomes.get(outcome) ?? 0) + 1);
    if (sample.protocol) this.protocols.set(sample.protocol, (this.protocols.get(sample.protocol) ?? 0) + 1);
    const t = d.timings;
    // Client-side latencies count from the scheduled start (open model), so a late launch shows.
    const late = (ms: number | undefined): number | undefined => (ms === undefined ? undefined : ms + sample.lagMs);
    this.recordMs('enqueue', late(t.enqueueMs));
    this.recordMs('headers', late(t.headersMs));
    this.recordWait('server-wait', t.openedWaitMs, d.waitSources?.openedWait);
    this.recordWait('not-found-wait', t.notFoundWaitMs, d.waitSources?.notFoundWait);
    this.recordMs('first-meaningful-event', late(t.firstMeaningfulEventMs));
    this.recordMs('longest-stall', t.longestStallMs);
    this.recordMs('first-event', late(t.firstEventMs));
    this.recordMs('first-node-event', late(t.firstNodeEventMs));
    this.recordMs('terminal', late(t.terminalMs));
    this.recordMs('total', late(t.totalMs));
    if (sample.scheduled) this.recordMs('schedule-lag', sample.lagMs);
    this.record('client-attempts', d.attempts.client);
    this.record('server-lookups', d.attempts.serverLookups);
    if (d.reconnects) {
      this.record('reconnects', d.reconnects.reconnects);
      addReconnects((this.reconnectCounts ??= emptyReconnectCounts()), d.reconnects);
    }
    if (sample.storm && this.storm) {
      addStormRun(this.storm, sample.storm);
      this.recordMs('storm-reconnect', sample.storm.reconnectMs);
      this.recordMs('storm-back', sample.storm.backMs);
      this.recordMs('storm-first-event', sample.storm.firstEventMs);
    }
    if (sample.connectionWait && this.connectionCap) {
      addConnectionWait(this.connectionCap, sample.connectionWait);
      this.recordMs('connection-wait', Math.max(sample.connectionWait.enqueueMs, sample.connectionWait.streamMs));
    }
    const second = Math.max(0, Math.floor((sample.scheduledMs + sample.lagMs + t.totalMs) / 1000));
    while (this.timeline.length <= second) this.timeline.push({});
    const bucket = this.timeline[second]!;
    bucket[outcome] = (bucket[outcome] ?? 0) + 1;
    const first = late(t.firstMeaningfulEventMs);
    if (first !== undefined && Number.isFinite(first)) addLatency(this.latencySecond(Math.floor(sample.scheduledMs / 1000)), first);
  }

  /** Total runs finished (dropped ones excluded). */
  get runs(): number {
    let n = 0;
    for (const c of this.outcomes.values()) n += c;
    return n;
  }

  /** The value at percentile `p` (0-100) in the metric's unit (ms or count); undefined without data. */
  percentile(name: MetricName, p: number): number | undefined {
    const h = this.histograms.get(name);
    if (!h || h.totalCount === 0) return undefined;
    return h.getValueAtPercentile(p) / scaleOf(name);
  }

  /** Percentiles of a metric; undefined when nothing was recorded. */
  summary(name: MetricName): MetricSummary | undefined {
    const h = this.histograms.get(name);
    if (!h || h.totalCount === 0) return undefined;
    const scale = scaleOf(name);
    const at = (p: number): number => h.getValueAtPercentile(p) / scale;
    const inferred = (WAIT_METRICS as readonly string[]).includes(name) ? (this.inferred.get(name as WaitMetric) ?? 0) : undefined;
    return {
      count: h.totalCount,
      ...(inferred !== undefined ? { inferred } : {}),
      min: at(0),
      mean: h.mean / scale,
      p50: at(50),
      p90: at(90),
      p99: at(99),
      p999: at(99.9),
      max: h.maxValue / scale,
    };
  }

  /** Counts of values per bucket of `widthMs` (for the terminal histogram), from a timing metric. */
  buckets(name: TimingMetric, widthMs: number): { fromMs: number; count: number }[] {
    const h = this.histograms.get(name) as (hdr.Histogram & { recordedValuesIterator?: RecordedValues }) | undefined;
    if (!h || h.totalCount === 0 || !h.recordedValuesIterator) return [];
    const out = Array.from({ length: Math.floor(h.maxValue / 1000 / widthMs) + 1 }, (_, i) => ({ fromMs: i * widthMs, count: 0 }));
    const it = h.recordedValuesIterator;
    it.reset();
    while (it.hasNext()) {
      const v = it.next();
      const bucket = out[Math.min(out.length - 1, Math.floor(v.valueIteratedTo / 1000 / widthMs))]!;
      bucket.count += v.countAddedInThisIterationStep;
    }
    return out;
  }

  /** Outcome counts per second. */
  series(): Partial<Record<OutcomeCode, number>>[] {
    return this.timeline;
  }

  /** first-meaningful-event counts per log bucket, per second the runs started in. */
  latencySeries(): LatencyCounts[] {
    return this.latencyTimeline;
  }

  encode(): EncodedMetrics {
    const histograms: Partial<Record<MetricName, string>> = {};
    for (const [name, h] of this.histograms) histograms[name] = hdr.encodeIntoCompressedBase64(h);
    return {
      outcomes: Object.fromEntries(this.outcomes),
      dropped: this.dropped,
      histograms,
      timeline: this.timeline,
      inferred: Object.fromEntries(this.inferred),
      protocols: Object.fromEntries(this.protocols),
      ...(this.reconnectCounts ? { reconnects: this.reconnectCounts } : {}),
      ...(this.storm ? { storm: this.storm } : {}),
      ...(this.connectionCap ? { connectionCap: this.connectionCap } : {}),
      latencyTimeline: this.latencyTimeline,
    };
  }

  /** Rebuilds an aggregate from its encoding. */
  static decode(e: EncodedMetrics): LoadMetrics {
    const m = new LoadMetrics();
    m.merge(e);
    return m;
  }

  /** Adds another aggregate's encoding to this one, exactly. */
  merge(e: EncodedMetrics): void {
    for (const [code, n] of Object.entries(e.outcomes) as [OutcomeCode, number][]) {
      this.outcomes.set(code, (this.outcomes.get(code) ?? 0) + n);
    }
    this.dropped += e.dropped;
    for (const [p, n] of Object.entries(e.protocols ?? {})) this.protocols.set(p, (this.protocols.get(p) ?? 0) + n);
    if (e.reconnects) mergeReconnects((this.reconnectCounts ??= emptyReconnectCounts()), e.reconnects);
    if (e.storm) {
      if (this.storm) mergeStormCounts(this.storm, e.storm);
      else this.storm = { ...e.storm, replies: { ...e.storm.replies } };
    }
    if (e.connectionCap) {
      if (this.connectionCap) mergeConnectionCap(this.connectionCap, e.connectionCap);
      else this.connectionCap = { ...e.connectionCap };
    }
    for (const [name, encoded] of Object.entries(e.histograms) as [MetricName, string][]) {
      const h = hdr.decodeFromCompressedBase64(encoded, 32, false);
      this.histogram(name).add(h);
      h.destroy();
    }
    for (const [name, n] of Object.entries(e.inferred ?? {}) as [WaitMetric, number][]) {
      this.inferred.set(name, (this.inferred.get(name) ?? 0) + n);
    }
    e.latencyTimeline?.forEach((counts, i) => mergeLatency(this.latencySecond(i), counts));
    e.timeline.forEach((bucket, i) => {
      while (this.timeline.length <= i) this.timeline.push({});
      const mine = this.timeline[i]!;
      for (const [code, n] of Object.entries(bucket) as [OutcomeCode, number][]) mine[code] = (mine[code] ?? 0) + n;
    });
  }

  private latencySecond(i: number): LatencyCounts {
    while (this.latencyTimeline.length <= i) this.latencyTimeline.push({});
    return this.latencyTimeline[i]!;
  }

  private histogram(name: MetricName): hdr.Histogram {
    let h = this.histograms.get(name);
    if (!h) this.histograms.set(name, (h = newHistogram()));
    return h;
  }

  private recordMs(name: TimingMetric, ms: number | undefined): void {
    if (ms !== undefined && Number.isFinite(ms)) this.histogram(name).recordValue(Math.max(0, Math.round(ms * 1000)));
  }

  /** Records a wait and counts it as inferred when its figure came from GET → head. */
  private recordWait(name: WaitMetric, ms: number | undefined, source: 'header' | 'inferred' | undefined): void {
    if (ms === undefined || !Number.isFinite(ms)) return;
    this.recordMs(name, ms);
    if (source === 'inferred') this.inferred.set(name, (this.inferred.get(name) ?? 0) + 1);
  }

  private record(name: CountMetric, n: number | undefined): void {
    if (n !== undefined && Number.isFinite(n)) this.histogram(name).recordValue(Math.max(0, Math.round(n)));
  }
}

/** The part of hdr-histogram-js's JsHistogram iterator that `buckets` uses. */
interface RecordedValues {
  reset(): void;
  hasNext(): boolean;
  next(): { valueIteratedTo: number; countAddedInThisIterationStep: number };
}
