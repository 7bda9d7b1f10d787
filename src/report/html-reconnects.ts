/**
 * The HTML load report's reconnect cards: the reconnecting clients' counters (`--client browser|origin`,
 * `--cut-after`) and the reconnect storm (`--storm-at`): its plan, the server's replies, and the time
 * from the cut until the streams and their events were back, drawn as a waterfall (p50 bar, p99 tick).
 */
import type { LoadSummary } from '../load/summary.js';
import { ms } from './format.js';
import { reconnectSpreadMs, STORM_TIMINGS, stormCaveat, stormDuplicates, stormHeadline, stormReplies } from './storm-text.js';
import { esc, waterfallChart } from './svg-charts.js';

const pct = (n: number, of: number): string => (of > 0 ? `${((n / of) * 100).toFixed(1)} %` : '—');

/** Runs that reconnected and the damage a page would have seen (counts of runs), plus the per-run reconnects metric. */
export function reconnectsCard(s: LoadSummary): string {
  const r = s.reconnects!;
  const rows: [string, number][] = [
    ['runs with a reconnecting client', r.runs],
    ['reconnected at least once', r.reconnected],
    ['saw duplicated events', r.withDuplicates],
    ['lost events (proven)', r.withLost],
    ['saw events out of order', r.withOutOfOrder],
    ...Object.entries(r.resume).map(([verdict, n]): [string, number] => [`resume check: ${verdict}`, n ?? 0]),
  ];
  const m = s.metrics.reconnects;
  const per = m ? `<p class="muted">reconnects per run: p50 ${Math.round(m.p50)} · p99 ${Math.round(m.p99)} · max ${Math.round(m.max)}</p>` : '';
  return `<table id="reconnects"><tr><th>runs</th><th>count</th><th>%</th></tr>${rows
    .map(([k, n], i) => `<tr><td>${esc(k)}</td><td>${n}</td><td>${i === 0 ? '' : pct(n, r.runs)}</td></tr>`)
    .join('')}</table>${per}`;
}

/** The storm: headline, replies table, cut → back waterfall, duplicates. */
export function stormCard(s: LoadSummary): string {
  const storm = s.storm!;
  const head = `<p id="storm-headline"><strong>${esc(stormHeadline(storm))}</strong></p>`;
  const caveat = stormCaveat(storm);
  if (caveat) return `${head}<p class="warn">${esc(caveat)}</p>`;
  const replies = `<table id="storm-replies"><tr><th>first reply after the cut</th><th>streams</th><th>%</th></tr>${stormReplies(storm)
    .map((r) => `<tr><td>${esc(r.label)}</td><td>${r.count}</td><td>${r.percent}</td></tr>`)
    .join('')}</table>`;
  const steps = STORM_TIMINGS.filter(([name]) => s.metrics[name]).map(([name, label]) => ({ name, label, p50: s.metrics[name]!.p50, p99: s.metrics[name]!.p99 }));
  const chart = steps.length > 0 ? `${waterfallChart('storm-waterfall', steps, ms, 'time since the storm cut the stream')}<div class="legend"><span><span class="swatch" style="background:#94a3b8"></span>p50</span><span><span class="dash"></span>p99 (tick)</span></div>` : '';
  const spread = reconnectSpreadMs(s.metrics);
  const notes = [
    spread !== undefined ? `Reconnect requests spread over ${ms(spread)} (first to last, per generator thread's cut).` : '',
    `Duplicates: ${stormDuplicates(storm)}.`,
    storm.fired > 1 ? `${storm.fired} generator threads each cut their own streams at ${ms(storm.atMs)}.` : '',
  ].filter(Boolean);
  return `${head}${replies}${chart}${notes.map((n) => `<p>${esc(n)}</p>`).join('')}`;
}
