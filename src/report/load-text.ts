/** The terminal report of a load run (or of merged result files). Returns a string. */
import type { ChalkInstance } from 'chalk';
import { outcomeInfo } from '../classify/outcomes.js';
import type { LoadSummary } from '../load/summary.js';
import type { MetricName } from '../load/metric-names.js';
import type { MetricSummary } from '../load/metrics.js';
import { compactTable, ms } from './format.js';
import { COUNT_ROWS, TIMING_ROWS, WAIT_ROWS } from './metric-rows.js';
import { stormLines } from './storm-text.js';
import { connectionsText } from './connections-text.js';

/** Server-wait bars: (from ms, count) pairs; the caller picks the bucket width. */
export type WaitBuckets = { fromMs: number; count: number }[];

export function loadText(doc: LoadSummary, waits: WaitBuckets, c: ChalkInstance): string {
  const out: string[] = [];
  const secs = doc.durationMs / 1000;
  const rate = secs > 0 ? doc.runs / secs : 0;
  out.push(
    `${c.bold('ssedoctor load')}  ${doc.runs} runs in ${secs.toFixed(1)} s (${rate.toFixed(1)} runs/s)` +
      (doc.dropped > 0 ? c.yellow(`, ${doc.dropped} dropped (no free slot)`) : '') +
      (doc.stoppedBy !== 'completed' ? c.red(`  — stopped early: ${doc.stoppedBy}`) : ''),
  );
  const where = doc.target.embeddedScenario
    ? `${doc.target.baseUrl} ${c.dim(`(embedded reference server, scenario ${doc.target.embeddedScenario})`)}`
    : doc.target.baseUrl;
  out.push(`target ${where}`);
  // How the streams travelled: HTTP version per run (with --http2 it is what ALPN settled) and the proxy.
  const protocols = Object.entries(doc.protocols ?? {}).map(([p, n]) => `${p === 'h2' ? 'HTTP/2' : 'HTTP/1.1'} ${n}`);
  if (protocols.length > 0 || doc.target.proxy) out.push(`network ${protocols.join(' · ') || 'no answer'} · ${doc.target.proxy ? `via proxy ${doc.target.proxy}` : 'direct'}`);
  out.push('');

  const outcomes = compactTable(['outcome', 'runs', '%', 'what happened'], c, ['left', 'right', 'right', 'left']);
  for (const o of doc.outcomes) {
    const info = outcomeInfo(o.code);
    const name = info.severity === 'ok' ? c.green(o.code) : c.red(o.code);
    outcomes.push([name, String(o.count), `${o.percent.toFixed(1)}`, info.summary]);
  }
  out.push(outcomes.toString(), '');

  const metrics = compactTable(['metric', 'p50', 'p90', 'p99', 'p99.9', 'max', 'runs'], c, ['left', 'right', 'right', 'right', 'right', 'right', 'right']);
  for (const name of TIMING_ROWS) {
    const s = doc.metrics[name];
    if (s) metrics.push([name, ms(s.p50), ms(s.p90), ms(s.p99), ms(s.p999), ms(s.max), String(s.count)]);
  }
  for (const name of COUNT_ROWS) {
    const s = doc.metrics[name];
    if (s) metrics.push([name, ...[s.p50, s.p90, s.p99, s.p999, s.max].map((v) => String(Math.round(v))), String(s.count)]);
  }
  out.push(metrics.toString());
  for (const note of inferredNotes(doc.metrics)) out.push(c.dim(note));
  if (doc.reconnects) out.push('', reconnectsLine(doc.reconnects, c));
  if (doc.storm) out.push('', ...stormLines(doc, c));
  const browsers = connectionsText(doc);
  if (browsers) out.push('', `${c.bold('browsers')} ${browsers.headline}`, `  ${browsers.evidence}`);

  if (waits.length > 0 && waits.some((b) => b.count > 0)) {
    out.push('', c.bold('server wait for the decision set') + c.dim(' (on the attempt that opened the stream: x-lookup-wait-ms, else GET → head)'));
    const peak = Math.max(...waits.map((b) => b.count));
    const width = waits.length > 1 ? waits[1]!.fromMs - waits[0]!.fromMs : 1;
    for (const b of waits) {
      const bar = '█'.repeat(Math.round((b.count / peak) * 40)) || (b.count > 0 ? '▏' : '');
      out.push(`  ${`${ms(b.fromMs)}–${ms(b.fromMs + width)}`.padStart(19)} ${c.cyan(bar)} ${b.count}`);
    }
  }

  out.push('', `${c.bold('recommendation')} ${doc.recommendation.text}`);
  if (doc.thresholds.length > 0) {
    out.push('', c.bold('thresholds'));
    for (const v of doc.thresholds) {
      const actual = v.actual === undefined ? 'no data' : v.unit === 'ms' ? ms(v.actual) : v.unit === '%' ? `${v.actual.toFixed(3)} %` : String(v.actual);
      out.push(`  ${v.passed ? c.green('✔ pass') : c.red('✖ fail')}  ${v.threshold}  ${c.dim(`(actual ${actual})`)}`);
    }
  }
  out.push('', `${c.bold('generator')} ${generatorLine(doc.generator)}`);
  for (const reason of doc.generator.reasons ?? []) out.push(c.yellow(`  ⚠ generator-limited: ${reason}`));
  if ((doc.generator.reasons ?? []).length > 0) out.push(c.dim('    lower the load, add --workers, or shard it over machines (--shard)'));
  return `${out.join('\n')}\n`;
}

/**
 * One line per wait metric with inferred values: `server-wait: 180 of 200 inferred from GET → head
 * (no x-lookup-wait-ms)`. Nothing when every value came from the server's headers.
 */
export function inferredNotes(metrics: Partial<Record<MetricName, MetricSummary>>): string[] {
  return WAIT_ROWS.flatMap((name) => {
    const m = metrics[name];
    if (!m?.inferred) return [];
    const all = m.inferred === m.count ? `all ${m.count}` : `${m.inferred} of ${m.count}`;
    return [`${name}: ${all} inferred from GET → head (no x-lookup-wait-ms header; includes the network round trip)`];
  });
}

/** `reconnects 12 of 20 runs reconnected · 12 with duplicates · 0 with lost events · 0 out of order · resume check: replayed 20`. */
export function reconnectsLine(r: NonNullable<LoadSummary['reconnects']>, c: ChalkInstance): string {
  const damage = [`${r.withDuplicates} with duplicates`, `${r.withLost} with lost events`, `${r.withOutOfOrder} out of order`];
  const verdicts = Object.entries(r.resume).map(([v, n]) => `${v} ${n}`);
  const resume = verdicts.length > 0 ? ` · resume check: ${verdicts.join(', ')}` : '';
  return `${c.bold('reconnects')} ${r.reconnected} of ${r.runs} runs reconnected · ${damage.join(' · ')}${resume}`;
}

/** Splits 0..max into about 15 buckets of a round width (ms). */
export function niceBucketWidth(maxMs: number): number {
  const raw = Math.max(maxMs, 1) / 15;
  const pow = 10 ** Math.floor(Math.log10(raw));
  return ([1, 2, 5, 10].map((f) => f * pow).find((w) => w >= raw) ?? 10 * pow);
}

/** `accurate: event-loop delay p99 1.2 ms, max 9 ms; launches late p99 0.4 ms; 2 threads busy 41 %/39 %, 0.8 cores; peak 20 in flight` */
export function generatorLine(g: LoadSummary['generator']): string {
  const parts = [`event-loop delay p99 ${ms(g.loopDelayMs.p99)}, max ${ms(g.loopDelayMs.max)}`];
  if (g.scheduleLagMs) parts.push(`launches late p99 ${ms(g.scheduleLagMs.p99)}, max ${ms(g.scheduleLagMs.max)}`);
  const busy = g.utilization?.map((u) => `${Math.round(u * 100)} %`).join('/');
  const threads = g.utilization ? `${g.utilization.length} thread${g.utilization.length === 1 ? '' : 's'} busy ${busy}` : undefined;
  const cores = g.cpu ? `${g.cpu.cores.toFixed(2)} cores` : undefined;
  if (threads || cores) parts.push([threads, cores].filter(Boolean).join(', '));
  parts.push(`peak ${g.peakInflight} in flight`);
  // Older files carry only `saturated`.
  const limited = g.limited ?? g.saturated;
  return `${limited ? 'limited' : 'accurate'}: ${parts.join('; ')}`;
}

/** `HTTP/1.1 38 · HTTP/2 2 · via proxy http://proxy:3128` (runs per HTTP version of the stream answer; the proxy redacted). */
export function networkText(s: LoadSummary): string {
  const protocols = Object.entries(s.protocols ?? {}).map(([p, n]) => `${p === 'h2' ? 'HTTP/2' : p === 'http/1.1' ? 'HTTP/1.1' : p} ${n} run${n === 1 ? '' : 's'}`);
  return `${protocols.join(' · ') || 'no stream answer'} · ${s.target.proxy ? `via proxy ${s.target.proxy}` : 'direct'}`;
}
