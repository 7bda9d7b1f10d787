/**
 * A self-contained HTML report: inline CSS and inline SVG charts, no script and nothing fetched
 * at view time. Charts: the server-wait histogram and outcomes over time; tables: outcomes,
 * percentiles, threshold verdicts (and, for reproduce, the strategies and the max-wait sweep).
 */
import { OUTCOMES, outcomeInfo, type OutcomeCode } from '../classify/outcomes.js';
import type { LoadSummary } from '../load/summary.js';
import type { MetricName } from '../load/metrics.js';
import { ms } from './format.js';
import { TIMING_ROWS } from './metric-rows.js';
import { inferredNotes } from './load-text.js';
import { outcomePercent, type ReproduceDocument } from './reproduce-text.js';

const esc = (s: string): string =>
  s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&#39;');

/** A fixed colour per outcome, so every chart and table agrees. */
const COLOURS: Record<OutcomeCode, string> = {
  healthy: '#2e9d5b',
  'early-404': '#d9412b',
  'heartbeat-only': '#e08a1e',
  stalled: '#c9a227',
  'error-event': '#a3339f',
  'closed-early': '#7a4fd6',
  'not-sse': '#3b6fd6',
  'http-error': '#8a5a44',
  'enqueue-failed': '#6b7280',
  timeout: '#0f8aa6',
  'malformed-stream': '#b03060',
  unreachable: '#111827',
  'client-limit': '#d1a3a3',
  interrupted: '#9ca3af',
};

const STYLE = `body{font:14px/1.45 system-ui,sans-serif;margin:2rem auto;max-width:1000px;color:#1f2937;padding:0 1rem}
h1{font-size:1.4rem}h2{font-size:1.1rem;margin-top:2rem}table{border-collapse:collapse;margin:.5rem 0}
td,th{border-bottom:1px solid #e5e7eb;padding:.25rem .7rem;text-align:right}td:first-child,th:first-child{text-align:left}
.pass{color:#2e9d5b;font-weight:600}.fail{color:#d9412b;font-weight:600}.muted{color:#6b7280}
.swatch{display:inline-block;width:.8em;height:.8em;border-radius:2px;margin-right:.4em;vertical-align:-1px}
svg text{font:11px system-ui,sans-serif;fill:#374151}.warn{background:#fff7e6;border:1px solid #f2c27a;padding:.5rem .8rem}`;

function page(title: string, body: string): string {
  return `<!doctype html>\n<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>${esc(title)}</title><style>${STYLE}</style></head><body>\n${body}\n</body></html>\n`;
}

/** Vertical bars: one `<rect class="bar">` per value, with a label under every few. */
function barChart(id: string, bars: { label: string; value: number; colour?: string }[], yLabel: string): string {
  const w = 900;
  const h = 220;
  const pad = { l: 48, b: 34, t: 10 };
  const peak = Math.max(1, ...bars.map((b) => b.value));
  const step = (w - pad.l) / Math.max(1, bars.length);
  const every = Math.ceil(bars.length / 12);
  const rects = bars.map((b, i) => {
    const bh = ((h - pad.b - pad.t) * b.value) / peak;
    const x = pad.l + i * step;
    const label = i % every === 0 ? `<text x="${x + step / 2}" y="${h - pad.b + 14}" text-anchor="middle">${esc(b.label)}</text>` : '';
    return `<rect class="bar" x="${x + 1}" y="${h - pad.b - bh}" width="${Math.max(1, step - 2)}" height="${bh}" fill="${b.colour ?? '#3b6fd6'}" data-value="${b.value}"><title>${esc(`${b.label}: ${b.value}`)}</title></rect>${label}`;
  });
  return `<svg id="${id}" role="img" viewBox="0 0 ${w} ${h}" width="100%"><text x="4" y="14">${esc(yLabel)}</text><text x="4" y="${h - pad.b}">0</text><text x="4" y="${pad.t + 14}">${peak}</text>
<line x1="${pad.l}" y1="${h - pad.b}" x2="${w}" y2="${h - pad.b}" stroke="#9ca3af"/>${rects.join('')}</svg>`;
}

/** Stacked bars per second: one `<rect class="seg">` per outcome and second. */
function timelineChart(timeline: Partial<Record<OutcomeCode, number>>[]): string {
  const w = 900;
  const h = 220;
  const pad = { l: 48, b: 34, t: 10 };
  const totals = timeline.map((b) => Object.values(b).reduce((n, v) => n + (v ?? 0), 0));
  const peak = Math.max(1, ...totals);
  const step = (w - pad.l) / Math.max(1, timeline.length);
  const every = Math.ceil(timeline.length / 12);
  const parts: string[] = [];
  timeline.forEach((bucket, i) => {
    let y = h - pad.b;
    const x = pad.l + i * step;
    for (const o of OUTCOMES) {
      const n = bucket[o.code] ?? 0;
      if (n === 0) continue;
      const bh = ((h - pad.b - pad.t) * n) / peak;
      y -= bh;
      parts.push(`<rect class="seg" x="${x + 1}" y="${y}" width="${Math.max(1, step - 2)}" height="${bh}" fill="${COLOURS[o.code]}"><title>${i} s: ${n} ${o.code}</title></rect>`);
    }
    if (i % every === 0) parts.push(`<text x="${x + step / 2}" y="${h - pad.b + 14}" text-anchor="middle">${i}s</text>`);
  });
  return `<svg id="timeline" role="img" viewBox="0 0 ${w} ${h}" width="100%"><text x="4" y="14">runs finished per second</text><text x="4" y="${pad.t + 14}">${peak}</text>
<line x1="${pad.l}" y1="${h - pad.b}" x2="${w}" y2="${h - pad.b}" stroke="#9ca3af"/>${parts.join('')}</svg>`;
}

const ROWS = TIMING_ROWS;

/** The run's steps from the enqueue, in flow order, as the waterfall chart draws them. */
const WATERFALL_STEPS: [MetricName, string][] = [
  ['enqueue', 'enqueue answered'],
  ['headers', 'stream head'],
  ['first-meaningful-event', 'first meaningful event'],
  ['first-node-event', 'first node event'],
  ['terminal', 'terminal event'],
];

/**
 * The timing waterfall across runs: per step a bar from T0 to its p50 and a tick at its p99
 * (`<rect class="step">` with `data-p50`/`data-p99` in ms). Steps no run reached are left out.
 */
function waterfallChart(s: LoadSummary): string {
  const steps = WATERFALL_STEPS.filter(([name]) => s.metrics[name]).map(([name, label]) => ({ name, label, m: s.metrics[name]! }));
  if (steps.length === 0) return '<p class="muted">No run reached the stream.</p>';
  const w = 900;
  const rowH = 26;
  const pad = { l: 170, r: 90, t: 8 };
  const h = pad.t + steps.length * rowH + 20;
  const peak = Math.max(1, ...steps.map((x) => x.m.p99));
  const x = (v: number): number => pad.l + ((w - pad.l - pad.r) * v) / peak;
  const rows = steps.map(({ name, label, m }, i) => {
    const y = pad.t + i * rowH;
    return `<text x="4" y="${y + 16}">${esc(label)}</text><rect class="step" x="${pad.l}" y="${y + 4}" width="${Math.max(1, x(m.p50) - pad.l)}" height="${rowH - 10}" fill="#3b6fd6" data-metric="${name}" data-p50="${m.p50}" data-p99="${m.p99}"><title>${esc(`${label}: p50 ${ms(m.p50)}, p99 ${ms(m.p99)}`)}</title></rect><line x1="${x(m.p99)}" y1="${y + 2}" x2="${x(m.p99)}" y2="${y + rowH - 4}" stroke="#d9412b" stroke-width="2"/><text x="${x(m.p99) + 6}" y="${y + 16}">${esc(`${ms(m.p50)} / ${ms(m.p99)}`)}</text>`;
  });
  return `<svg id="waterfall" role="img" viewBox="0 0 ${w} ${h}" width="100%">${rows.join('')}<text x="${pad.l}" y="${h - 4}">ms since the enqueue was sent: bar = p50, red tick = p99</text></svg>`;
}

function loadSections(s: LoadSummary, waits: { fromMs: number; count: number }[]): string {
  const outcomes = s.outcomes
    .map((o) => `<tr><td><span class="swatch" style="background:${COLOURS[o.code]}"></span>${o.code}</td><td>${o.count}</td><td>${o.percent.toFixed(2)} %</td><td style="text-align:left">${esc(outcomeInfo(o.code).summary)}</td></tr>`)
    .join('');
  const metrics = ROWS.filter((n) => s.metrics[n])
    .map((n) => {
      const m = s.metrics[n]!;
      return `<tr><td>${n}</td><td>${ms(m.p50)}</td><td>${ms(m.p90)}</td><td>${ms(m.p99)}</td><td>${ms(m.p999)}</td><td>${ms(m.max)}</td><td>${m.count}</td></tr>`;
    })
    .join('');
  const thresholds =
    s.thresholds.length === 0
      ? '<p class="muted">No thresholds were set.</p>'
      : `<table id="thresholds"><tr><th>threshold</th><th>verdict</th><th>actual</th></tr>${s.thresholds
          .map((t) => {
            const actual = t.actual === undefined ? 'no data' : t.unit === 'ms' ? ms(t.actual) : t.unit === '%' ? `${t.actual.toFixed(3)} %` : String(t.actual);
            return `<tr><td><code>${esc(t.threshold)}</code></td><td class="${t.passed ? 'pass' : 'fail'}">${t.passed ? 'pass' : 'fail'}</td><td>${actual}</td></tr>`;
          })
          .join('')}</table>`;
  const width = waits.length > 1 ? waits[1]!.fromMs - waits[0]!.fromMs : 0;
  const waitChart =
    waits.length > 0
      ? barChart('waits', waits.map((b) => ({ label: ms(b.fromMs), value: b.count })), `runs per ${ms(width)} of server wait`)
      : '<p class="muted">No server wait was measured: no stream response head was seen.</p>';
  const notes = inferredNotes(s.metrics)
    .map((n) => `<p class="muted">${esc(n)}</p>`)
    .join('');
  return `<h2>Outcomes</h2><table id="outcomes"><tr><th>outcome</th><th>runs</th><th>%</th><th style="text-align:left">what happened</th></tr>${outcomes}</table>
<h2>Outcomes over time</h2>${timelineChart(s.encoded.timeline)}
<h2>Timing waterfall</h2>${waterfallChart(s)}
<h2>Server wait for the decision set</h2>${waitChart}${notes}
<p><strong>Recommendation:</strong> ${esc(s.recommendation.text)}</p>
<h2>Percentiles</h2><table id="metrics"><tr><th>metric</th><th>p50</th><th>p90</th><th>p99</th><th>p99.9</th><th>max</th><th>runs</th></tr>${metrics}</table>
<h2>Thresholds</h2>${thresholds}
${(s.generator.reasons ?? []).map((r) => `<p class="warn">Generator-limited: ${esc(r)}</p>`).join('')}`;
}

/** The HTML page of a load summary; `waits` are server-wait buckets (see LoadMetrics.buckets). */
export function loadHtml(s: LoadSummary, waits: { fromMs: number; count: number }[]): string {
  const head = `<h1>ssedoctor load — ${s.runs} runs in ${(s.durationMs / 1000).toFixed(1)} s</h1>
<p class="muted">${esc(s.target.baseUrl)}${s.target.embeddedScenario ? ` (embedded reference server, scenario ${esc(s.target.embeddedScenario)})` : ''} · started ${esc(s.startedAt)}${s.mergedFrom ? ` · merged from ${s.mergedFrom} result files` : ''}${s.dropped ? ` · ${s.dropped} dropped` : ''}</p>`;
  return page('ssedoctor load report', head + loadSections(s, waits));
}

/** The HTML page of a reproduce run: strategies, the sweep chart, and the window strategy's details. */
export function reproduceHtml(doc: ReproduceDocument, windowWaits: { fromMs: number; count: number }[]): string {
  const rows = doc.strategies
    .map((r) => `<tr><td>${r.lookup}</td><td>${r.windowMs > 0 ? ms(r.windowMs) : 'none'}</td><td>${outcomePercent(r.summary, 'early-404').toFixed(1)} %</td><td>${ms(r.summary.metrics['server-wait']?.p50)}</td><td>${ms(r.summary.metrics['server-wait']?.p99)}</td></tr>`)
    .join('');
  const sweep = barChart(
    'sweep',
    doc.sweep.map((r) => ({ label: ms(r.windowMs), value: Number(outcomePercent(r.summary, 'early-404').toFixed(2)), colour: COLOURS['early-404'] })),
    'early-404 % by STREAM_DECISION_SET_MAX_WAIT',
  );
  const window = doc.strategies.find((s) => s.lookup === 'window');
  const body = `<h1>ssedoctor reproduce</h1><p class="muted">persistence delay ${esc(doc.persistDelay)} · ${doc.requests} runs per step · seed ${doc.seed}</p>
<h2>Lookup strategies</h2><table id="strategies"><tr><th>strategy</th><th>window</th><th>early-404</th><th>wait p50</th><th>wait p99</th></tr>${rows}</table>
<h2>Max-wait sweep</h2>${sweep}
<p><strong>Smallest safe window:</strong> ${doc.smallestSafeWindowMs === null ? 'none of the swept values' : ms(doc.smallestSafeWindowMs)}</p>
${window ? `<h2>Window strategy in detail</h2>${loadSections(window.summary, windowWaits)}` : ''}`;
  return page('ssedoctor reproduce report', body);
}
