/**
 * The reconnect storm of a load (`--storm-at`) in words and rows, shared by the terminal, HTML and
 * markdown reports: what the plan was, how many open streams were cut, how the server answered the
 * reconnects, how long until the streams and their events were back, and what was replayed.
 */
import type { ChalkInstance } from 'chalk';
import type { MetricName } from '../load/metric-names.js';
import type { LoadSummary, MetricFigures } from '../load/summary.js';
import type { StormCounts, StormReply } from '../load/storm.js';
import { ms } from './format.js';

/** Each reply kind in report order, with what it means to the reader. */
export const STORM_REPLY_LABELS: readonly [StormReply, string][] = [
  ['opened', 'stream opened'],
  ['not-found', '404'],
  ['server-error', '5xx'],
  ['timeout', 'timeout (no head within --timeout)'],
  ['failed', 'other failure (status, network error)'],
  ['none', 'no reconnect (the client stopped, or the run ended first)'],
];

/** The storm's timing metrics in flow order, with their labels. */
export const STORM_TIMINGS: readonly [MetricName, string][] = [
  ['storm-reconnect', 'cut → reconnect sent'],
  ['storm-back', 'cut → stream back (head)'],
  ['storm-first-event', 'cut → first meaningful event'],
];

const pct = (n: number, of: number): string => (of > 0 ? `${((n / of) * 100).toFixed(1)} %` : '—');

/** `at 1.00 s, reconnects all at once (no jitter) · 12 open streams cut · 12 reopened (100.0 %)`. */
export function stormHeadline(s: StormCounts): string {
  const spread = s.jitterMs > 0 ? `reconnects spread over ${ms(s.jitterMs)} of jitter` : 'reconnects all at once (no jitter)';
  return `at ${ms(s.atMs)}, ${spread} · ${s.cut} open stream${s.cut === 1 ? '' : 's'} cut · ${s.reopened} reopened (${pct(s.reopened, s.cut)})`;
}

/** Why a storm shows nothing, when it does: it never fired, or found no open stream. */
export function stormCaveat(s: StormCounts): string | undefined {
  if (s.fired === 0) return 'the storm never fired: the load ended before --storm-at';
  if (s.cut === 0) return 'no stream was open when the storm fired: put --storm-at where runs are streaming (after the first events, before the terminal one)';
  if ((s.replies.none ?? 0) === s.cut) {
    return `none of the ${s.cut} cut streams reconnected: the client stopped (--client origin counts the cut as an error, and load's --attempts defaults to 0: give --attempts 5; or --max-reconnects), or the runs ended first`;
  }
  return undefined;
}

/** `first reply: stream opened 10 · 404 2` (kinds with a count only). */
export function stormReplies(s: StormCounts): { label: string; count: number; percent: string }[] {
  return STORM_REPLY_LABELS.filter(([k]) => (s.replies[k] ?? 0) > 0).map(([k, label]) => ({ label, count: s.replies[k]!, percent: pct(s.replies[k]!, s.cut) }));
}

/** Spread of the reconnect requests (max − min of cut → reconnect sent), ms; undefined without any. */
export function reconnectSpreadMs(metrics: LoadSummary['metrics']): number | undefined {
  const m = metrics['storm-reconnect'];
  return m ? Math.max(0, m.max - m.min) : undefined;
}

/** `12 of 12 reopened streams repeated events (412 events: history replayed)`. */
export function stormDuplicates(s: StormCounts): string {
  if (s.reopened === 0) return 'no stream reopened';
  if (s.withDuplicates === 0) return `none of the ${s.reopened} reopened streams repeated an event`;
  return `${s.withDuplicates} of ${s.reopened} reopened streams repeated events (${s.duplicated} events: history replayed)`;
}

/** A timing row's figures: `p50 200 ms · p99 203 ms · max 204 ms`. */
export function timingFigures(m: MetricFigures): string {
  return `p50 ${ms(m.p50)} · p99 ${ms(m.p99)} · max ${ms(m.max)}`;
}

/** The terminal report's storm lines. */
export function stormLines(doc: LoadSummary, c: ChalkInstance): string[] {
  const s = doc.storm;
  if (!s) return [];
  const lines = [`${c.bold('storm')} ${stormHeadline(s)}`];
  const caveat = stormCaveat(s);
  if (caveat) return [...lines, c.yellow(`  ⚠ ${caveat}`)];
  lines.push(`  first reply after the cut: ${stormReplies(s).map((r) => `${r.label} ${r.count}`).join(' · ')}`);
  for (const [name, label] of STORM_TIMINGS) {
    const m = doc.metrics[name];
    if (m) lines.push(`  ${label.padEnd(30)} ${timingFigures(m)}${name === 'storm-reconnect' ? c.dim(` · spread ${ms(reconnectSpreadMs(doc.metrics))}`) : ''}`);
  }
  lines.push(`  duplicates: ${stormDuplicates(s)}`);
  return lines;
}
