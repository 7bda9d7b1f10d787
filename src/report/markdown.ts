/** Markdown reports: GitHub step summaries and `report --format markdown`. */
import { outcomeInfo } from '../classify/outcomes.js';
import type { LoadSummary } from '../load/summary.js';
import { ms } from './format.js';
import { TIMING_ROWS } from './metric-rows.js';
import { inferredNotes } from './load-text.js';
import { networkText } from './load-text.js';
import { connectionsText } from './connections-text.js';
import { reconnectSpreadMs, STORM_TIMINGS, stormCaveat, stormDuplicates, stormHeadline, stormReplies } from './storm-text.js';
import type { VerifyDocumentShape } from './verify-json.js';

const cell = (s: string): string => s.replace(/\|/g, '\\|').replace(/\n/g, ' ');

/** One verify run. */
export function verifyMarkdown(doc: VerifyDocumentShape): string {
  const ok = doc.ok;
  const t = doc.timings;
  const lines = [
    `### ssedoctor verify: ${ok ? '✅' : '❌'} \`${doc.outcome}\``,
    '',
    `${cell(doc.summary)} — ${cell(doc.detail)}`,
    '',
    '| target | client attempts | server lookups | server wait | headers | first meaningful event | first node event | terminal |',
    '|---|---|---|---|---|---|---|---|',
    `| ${cell(doc.target.baseUrl)} | ${doc.attempts.client} | ${doc.attempts.serverLookups ?? '—'} | ${ms(t.serverWaitMs ?? undefined)}${doc.serverWait?.source === 'inferred' ? ' (inferred from GET → head)' : ''} | ${ms(t.headersMs ?? undefined)} | ${ms(t.firstMeaningfulEventMs ?? undefined)} | ${ms(t.firstNodeEventMs ?? undefined)} | ${ms(t.terminalMs ?? undefined)} |`,
  ];
  if (doc.findings.length > 0) {
    lines.push('', ...doc.findings.map((f) => `- **${f.code}**${f.layer && f.layer !== 'unknown' ? ` (${f.layer})` : ''}: ${cell(f.message)}`));
  }
  if (!ok && doc.hint) lines.push('', `**Hint:** ${cell(doc.hint)}`);
  return `${lines.join('\n')}\n`;
}

const ROWS = TIMING_ROWS;

/** The reconnect counters and the storm (`--client browser|origin`, `--cut-after`, `--storm-at`), when present. */
function reconnectsMarkdown(s: LoadSummary): string[] {
  const lines: string[] = [];
  const r = s.reconnects;
  if (r) {
    const resume = Object.entries(r.resume).map(([v, n]) => `${v} ${n}`);
    lines.push('', `**Reconnects:** ${r.reconnected} of ${r.runs} runs reconnected · ${r.withDuplicates} with duplicates · ${r.withLost} with lost events · ${r.withOutOfOrder} out of order${resume.length > 0 ? ` · resume check: ${resume.join(', ')}` : ''}`);
  }
  const storm = s.storm;
  if (!storm) return lines;
  lines.push('', `**Reconnect storm:** ${cell(stormHeadline(storm))}`);
  const caveat = stormCaveat(storm);
  if (caveat) return [...lines, '', `⚠ ${cell(caveat)}`];
  lines.push('', '| first reply after the cut | streams | % |', '|---|---:|---:|', ...stormReplies(storm).map((x) => `| ${cell(x.label)} | ${x.count} | ${x.percent} |`));
  lines.push('', '| from the cut | p50 | p99 | max |', '|---|---:|---:|---:|');
  for (const [name, label] of STORM_TIMINGS) {
    const m = s.metrics[name];
    if (m) lines.push(`| ${label} | ${ms(m.p50)} | ${ms(m.p99)} | ${ms(m.max)} |`);
  }
  const spread = reconnectSpreadMs(s.metrics);
  lines.push('', `${spread !== undefined ? `Reconnects spread over ${ms(spread)}. ` : ''}Duplicates: ${cell(stormDuplicates(storm))}.`);
  return lines;
}

/** A load run (or merged runs). */
export function loadMarkdown(s: LoadSummary, title = 'ssedoctor load'): string {
  const failed = s.thresholds.filter((t) => !t.passed).length;
  const lines = [
    `### ${title}: ${failed > 0 ? `❌ ${failed} threshold${failed > 1 ? 's' : ''} failed` : '✅'} — ${s.runs} runs in ${(s.durationMs / 1000).toFixed(1)} s` +
      (s.dropped ? `, ${s.dropped} dropped` : ''),
    '',
    '| outcome | runs | % | what happened |',
    '|---|---:|---:|---|',
    ...s.outcomes.map((o) => `| \`${o.code}\` | ${o.count} | ${o.percent.toFixed(2)} | ${cell(outcomeInfo(o.code).summary)} |`),
    '',
    '| metric | p50 | p90 | p99 | p99.9 | max |',
    '|---|---:|---:|---:|---:|---:|',
  ];
  for (const name of ROWS) {
    const m = s.metrics[name];
    if (m) lines.push(`| ${name} | ${ms(m.p50)} | ${ms(m.p90)} | ${ms(m.p99)} | ${ms(m.p999)} | ${ms(m.max)} |`);
  }
  const notes = inferredNotes(s.metrics);
  if (notes.length > 0) lines.push('', ...notes.map((n) => `_${cell(n)}_`));
  lines.push('', `**Network:** ${cell(networkText(s))}`);
  lines.push(...reconnectsMarkdown(s));
  const browsers = connectionsText(s);
  if (browsers) lines.push('', `**Browsers:** ${cell(browsers.headline)}; ${cell(browsers.evidence)}`);
  lines.push('', `**Recommendation:** ${cell(s.recommendation.text)}`);
  if (s.thresholds.length > 0) {
    lines.push('', '| threshold | verdict | actual |', '|---|---|---|');
    for (const t of s.thresholds) {
      const actual = t.actual === undefined ? 'no data' : t.unit === 'ms' ? ms(t.actual) : t.unit === '%' ? `${t.actual.toFixed(3)} %` : String(t.actual);
      lines.push(`| \`${cell(t.threshold)}\` | ${t.passed ? '✅ pass' : '❌ fail'} | ${actual} |`);
    }
  }
  return `${lines.join('\n')}\n`;
}
