/**
 * A self-contained HTML report: inline CSS and inline SVG charts, no script and nothing fetched
 * at view time. A load page opens with the verdict (PASS/FAIL from the thresholds, else the
 * run's main outcome), its hint, the command line, version and target, then key figures, the
 * latency over time, outcomes over time, the timing waterfall, the server-wait histogram and the
 * tables. Each outcome has one colour everywhere; metric marks use neutral ink.
 */
import { outcomeInfo, type OutcomeCode } from '../classify/outcomes.js';
import type { LoadSummary } from '../load/summary.js';
import type { MetricName } from '../load/metric-names.js';
import { ms } from './format.js';
import { TIMING_ROWS } from './metric-rows.js';
import { inferredNotes, networkText } from './load-text.js';
import { outcomePercent, type ReproduceDocument } from './reproduce-text.js';
import { reconnectsCard, stormCard } from './html-reconnects.js';
import { connectionsText } from './connections-text.js';
import { card, outcomeColour, page } from './html-page.js';
import { latencySection, outcomesSection } from './html-timeline.js';
import { barChart, esc, waterfallChart } from './svg-charts.js';

/** The banner of a run that stopped early, by why it stopped. */
const STOPPED: Record<Exclude<LoadSummary['stoppedBy'], 'completed'>, { word: string; colour: OutcomeCode }> = {
  interrupted: { word: 'STOPPED', colour: 'interrupted' },
  unreachable: { word: 'UNREACHABLE', colour: 'unreachable' },
  'client-limit': { word: 'CLIENT LIMIT', colour: 'client-limit' },
};

/** The verdict: PASS/FAIL from thresholds; without thresholds the main outcome; a stopped run says so. */
export function loadVerdict(s: LoadSummary): { word: string; colour: string; why: string; hint: string } {
  const main = [...s.outcomes].sort((a, b) => b.count - a.count)[0];
  const unhealthy = [...s.outcomes].filter((o) => outcomeInfo(o.code).severity !== 'ok').sort((a, b) => b.count - a.count)[0];
  const hint = unhealthy
    ? `${unhealthy.code} (${unhealthy.percent.toFixed(1)} % of runs): ${outcomeInfo(unhealthy.code).hint}`
    : s.runs === 0
      ? 'No run finished.'
      : s.thresholds.some((t) => !t.passed)
        ? 'Every run was healthy; the failed thresholds are about timing: the latency over time and the waterfall below show where the time went.'
        : 'Every run was healthy: nothing to fix.';
  if (s.stoppedBy !== 'completed') {
    const stop = STOPPED[s.stoppedBy];
    return { word: stop.word, colour: outcomeColour(stop.colour), why: `The run stopped early (${s.stoppedBy}) after ${s.runs} runs; the figures are partial.`, hint };
  }
  if (s.thresholds.length > 0) {
    const failed = s.thresholds.filter((t) => !t.passed);
    const why = failed.length === 0 ? `All ${s.thresholds.length} thresholds passed.` : `${failed.length} of ${s.thresholds.length} thresholds failed: ${failed.map((t) => t.threshold).join(', ')}`;
    return { word: failed.length === 0 ? 'PASS' : 'FAIL', colour: failed.length === 0 ? outcomeColour('healthy') : outcomeColour('early-404'), why, hint };
  }
  if (!main) return { word: 'NO RUNS', colour: outcomeColour('interrupted'), why: 'No run finished.', hint };
  return { word: main.code.toUpperCase(), colour: outcomeColour(main.code), why: `${main.percent.toFixed(1)} % of ${s.runs} runs: ${outcomeInfo(main.code).summary} (no thresholds set)`, hint };
}

function banner(s: LoadSummary): string {
  const v = loadVerdict(s);
  return `<section class="card" id="verdict" style="--c:${v.colour}"><div class="word">${esc(v.word)}</div><div><div class="why">${esc(v.why)}</div><div class="hint" id="hint"><strong>Hint:</strong> ${esc(v.hint)}</div></div></section>`;
}

function metaList(s: LoadSummary, title: string): string {
  const target = `${esc(s.target.baseUrl)}${s.target.embeddedScenario ? ` <span class="muted">(embedded reference server, scenario ${esc(s.target.embeddedScenario)})</span>` : ''}`;
  const model = Object.entries(s.model)
    .filter(([, v]) => v !== undefined && typeof v !== 'object')
    .map(([k, v]) => `${k} ${v}`)
    .join(' · ');
  const rows: [string, string][] = [
    ['command', s.command ? `<code id="command">${esc(s.command)}</code>` : s.mergedFrom ? `<span class="muted" id="command">merged from ${s.mergedFrom} result files</span>` : '<span class="muted" id="command">not recorded</span>'],
    ['target', target],
    ['version', `<span id="version">ssedoctor ${esc(s.tool.version)}</span>`],
    ['started', `${esc(s.startedAt)} · ${(s.durationMs / 1000).toFixed(1)} s${s.stoppedBy !== 'completed' ? ` · stopped: ${esc(s.stoppedBy)}` : ''}`],
    ['model', esc(model)],
    ['network', `<span id="network">${esc(networkText(s))}</span>`],
  ];
  return `<section class="card"><h1>${esc(title)}</h1><dl class="meta">${rows.map(([k, v]) => `<dt>${k}</dt><dd>${v}</dd>`).join('')}</dl></section>`;
}

function keyFigures(s: LoadSummary): string {
  const fme = s.metrics['first-meaningful-event'];
  const healthy = s.outcomes.find((o) => o.code === 'healthy');
  const secs = s.durationMs / 1000;
  const items: [string, string][] = [
    [String(s.runs), `runs${s.dropped ? ` (+${s.dropped} dropped)` : ''}`],
    [secs > 0 ? (s.runs / secs).toFixed(1) : '—', 'runs per second'],
    [`${(healthy?.percent ?? 0).toFixed(1)} %`, 'healthy'],
    [ms(fme?.p50), 'first meaningful event p50'],
    [ms(fme?.p99), 'first meaningful event p99'],
  ];
  return `<section class="card figures">${items.map(([v, k]) => `<div class="figure"><div class="v">${esc(v)}</div><div class="k">${esc(k)}</div></div>`).join('')}</section>`;
}

/** The run's steps from the enqueue, in flow order, as the waterfall chart draws them. */
const WATERFALL_STEPS: [MetricName, string][] = [
  ['enqueue', 'enqueue answered'],
  ['headers', 'stream head'],
  ['first-meaningful-event', 'first meaningful event'],
  ['first-node-event', 'first node event'],
  ['terminal', 'terminal event'],
];

/** The timing waterfall across runs: per step a bar to its p50 (`rect.step` with data-p50/p99 in ms) and a tick at its p99. */
function waterfall(s: LoadSummary): string {
  const steps = WATERFALL_STEPS.filter(([name]) => s.metrics[name]).map(([name, label]) => ({ name, label, p50: s.metrics[name]!.p50, p99: s.metrics[name]!.p99 }));
  if (steps.length === 0) return '<p class="muted">No run reached the stream.</p>';
  return `${waterfallChart('waterfall', steps, ms)}<div class="legend"><span><span class="swatch" style="background:#94a3b8"></span>p50</span><span><span class="dash"></span>p99 (tick)</span></div>`;
}

function loadSections(s: LoadSummary, waits: { fromMs: number; count: number }[]): string {
  const outcomes = s.outcomes
    .map((o) => `<tr><td><span class="swatch" style="background:${outcomeColour(o.code)}"></span>${o.code}</td><td>${o.count}</td><td>${o.percent.toFixed(2)} %</td><td style="text-align:left">${esc(outcomeInfo(o.code).summary)}</td></tr>`)
    .join('');
  const metrics = TIMING_ROWS.filter((n) => s.metrics[n])
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
      ? barChart('waits', waits.map((b) => ({ label: ms(b.fromMs), value: b.count })), `runs per ${ms(width)} of server wait`, 'server wait (bucket start)')
      : '<p class="muted">No server wait was measured: no stream response head was seen.</p>';
  const notes = inferredNotes(s.metrics)
    .map((n) => `<p class="muted">${esc(n)}</p>`)
    .join('');
  const generator = (s.generator.reasons ?? []).map((r) => `<p class="warn">Generator-limited: ${esc(r)}</p>`).join('');
  return [
    card('thresholds', 'Thresholds', thresholds),
    card('latency', 'Latency over time', latencySection(s)),
    card('timeline', 'Outcomes over time', outcomesSection(s)),
    card('outcomes', 'Outcomes', `<table id="outcomes"><tr><th>outcome</th><th>runs</th><th>%</th><th style="text-align:left">what happened</th></tr>${outcomes}</table>`),
    card('waterfall', 'Timing waterfall', waterfall(s)),
    card('waits', 'Server wait for the decision set', `${waitChart}${notes}<p><strong>Recommendation:</strong> ${esc(s.recommendation.text)}</p>`),
    card('metrics', 'Percentiles', `<table id="metrics"><tr><th>metric</th><th>p50</th><th>p90</th><th>p99</th><th>p99.9</th><th>max</th><th>runs</th></tr>${metrics}</table>`),
    s.reconnects ? card('reconnects', 'Reconnects', reconnectsCard(s)) : '',
    s.storm ? card('storm', 'Reconnect storm', stormCard(s)) : '',
    s.connectionCap ? card('browsers', 'Connections per browser', browsersCard(s)) : '',
    generator,
  ].join('\n');
}

/** Simulated browsers (--browser-tabs): the cap, who waited, and the longest wait as evidence. */
function browsersCard(s: LoadSummary): string {
  const t = connectionsText(s)!;
  const m = s.metrics['connection-wait'];
  const figures = m ? `<p class="muted">longest wait per run: p50 ${ms(m.p50)} · p99 ${ms(m.p99)} · max ${ms(m.max)}</p>` : '';
  return `<p id="browsers-headline">${esc(t.headline)}</p><p id="browsers-evidence"${s.connectionCap!.longestMs >= 1 ? ' class="warn"' : ''}>${esc(t.evidence)}</p>${figures}`;
}

/** The HTML page of a load summary; `waits` are server-wait buckets (see LoadMetrics.buckets). */
export function loadHtml(s: LoadSummary, waits: { fromMs: number; count: number }[]): string {
  const title = `ssedoctor load — ${s.runs} runs in ${(s.durationMs / 1000).toFixed(1)} s`;
  const head = `${banner(s)}\n${metaList(s, title)}\n${keyFigures(s)}`;
  return page('ssedoctor load report', `${head}\n${loadSections(s, waits)}`);
}

/** The HTML page of a reproduce run: strategies, the sweep chart, and the window strategy's details. */
export function reproduceHtml(doc: ReproduceDocument, windowWaits: { fromMs: number; count: number }[]): string {
  const rows = doc.strategies
    .map((r) => `<tr><td>${r.lookup}</td><td>${r.windowMs > 0 ? ms(r.windowMs) : 'none'}</td><td>${outcomePercent(r.summary, 'early-404').toFixed(1)} %</td><td>${ms(r.summary.metrics['server-wait']?.p50)}</td><td>${ms(r.summary.metrics['server-wait']?.p99)}</td></tr>`)
    .join('');
  const sweep = barChart(
    'sweep',
    doc.sweep.map((r) => ({ label: ms(r.windowMs), value: Number(outcomePercent(r.summary, 'early-404').toFixed(2)), colour: outcomeColour('early-404') })),
    'early-404 % of runs',
    'STREAM_DECISION_SET_MAX_WAIT',
    (v) => `${v} %`,
  );
  const window = doc.strategies.find((s) => s.lookup === 'window');
  const body = `<section class="card"><h1>ssedoctor reproduce</h1><dl class="meta"><dt>version</dt><dd id="version">ssedoctor ${esc(doc.tool.version)}</dd><dt>persistence delay</dt><dd>${esc(doc.persistDelay)}</dd><dt>runs per step</dt><dd>${doc.requests} · seed ${doc.seed}</dd></dl></section>
${card('strategies', 'Lookup strategies', `<table id="strategies"><tr><th>strategy</th><th>window</th><th>early-404</th><th>wait p50</th><th>wait p99</th></tr>${rows}</table>`)}
${card('sweep', 'Max-wait sweep', `${sweep}<p><strong>Smallest safe window:</strong> ${doc.smallestSafeWindowMs === null ? 'none of the swept values' : ms(doc.smallestSafeWindowMs)}</p>`)}
${window ? `<h2 style="margin-top:2rem">Window strategy in detail</h2>${loadSections(window.summary, windowWaits)}` : ''}`;
  return page('ssedoctor reproduce report', body);
}
