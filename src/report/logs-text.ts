/** The terminal report of `ssedoctor logs`: the backend's view of every stream, then the advice. */
import type { ChalkInstance } from 'chalk';
import type { LogsReport } from '../serverlog/logs-report.js';
import { compactTable, ms } from './format.js';

/** Rows shown per list; the JSON document has them all. */
const LIST_LIMIT = 10;
const n = (v: number): string => v.toLocaleString('en-US');

export function logsText(doc: LogsReport, c: ChalkInstance): string {
  const l = doc.lines;
  const t = doc.totals;
  const out: string[] = [
    `${c.bold('ssedoctor logs')}  ${doc.source}: ${n(l.lines)} lines (${n(l.json)} JSON and ${n(l.text)} text lines about streams, ` +
      `${n(l.other)} other, ${l.bad > 0 ? c.yellow(`${n(l.bad)} unreadable`) : '0 unreadable'})` +
      (doc.spanSeconds !== null ? `, ${doc.spanSeconds.toFixed(1)} s of log` : ''),
    '',
  ];
  if (t.connections === 0) {
    out.push('no "SSE connection established" line: nothing to report about streams (is this the API process\'s log?)');
    return `${out.join('\n')}\n`;
  }
  out.push(`${c.bold('lookups')}  ${n(t.connections)} stream connection(s) to ${n(t.decisionSets)} decision set(s)` + (t.enqueued > 0 ? `; ${n(t.enqueued)} job(s) enqueued in this log` : ''));
  const w = doc.waits;
  const table = compactTable(['lookup', 'connections', 'evidence'], c, ['left', 'right', 'left']);
  table.push(['found at once', n(t.byLookup['at-once']), 'no lookup line (the origin logs none then)']);
  table.push([
    'found after retries',
    n(t.byLookup['after-retries']),
    w.count > 0 ? `wait p50 ${ms(w.p50 ?? undefined)}, p99 ${ms(w.p99 ?? undefined)}, max ${ms(w.max ?? undefined)}` + (w.retryDelayMs !== null ? `; retry delay ${ms(w.retryDelayMs)}` : '') : '',
  ]);
  table.push([
    t.byLookup.exhausted > 0 ? c.red('window exhausted (404)') : 'window exhausted (404)',
    n(t.byLookup.exhausted),
    w.windowMs !== null ? `the server's retry window (≈${ms(w.windowMs)}) ran out before the decision set was persisted` : '',
  ]);
  table.push([t.byLookup['single-404'] > 0 ? c.red('single lookup (404)') : 'single lookup (404)', n(t.byLookup['single-404']), t.byLookup['single-404'] > 0 ? 'looked up once, no wait: the original code' : '']);
  if (t.byLookup.unknown > 0) table.push(['unknown', n(t.byLookup.unknown), 'no result line of its own (see notes)']);
  out.push(table.toString());
  out.push(
    `${c.bold('heartbeat-only streams')} ${t.heartbeatOnly > 0 ? c.red(n(t.heartbeatOnly)) : '0'} (heartbeats yielded, no other event)` +
      (t.unheardEvents > 0 ? `; ${n(t.unheardEvents)} event(s) emitted with no connection listening` : ''),
  );

  const list = (title: string, rows: LogsReport['connections'], cell: (r: LogsReport['connections'][0]) => string): void => {
    if (rows.length === 0) return;
    out.push('', `${c.bold(title)}${rows.length > LIST_LIMIT ? c.dim(` (${LIST_LIMIT} of ${n(rows.length)}; --json has all)`) : ''}`);
    const table = compactTable(['decision set', 'line', 'attempts', 'wait', ''], c, ['left', 'right', 'right', 'right', 'left']);
    for (const r of rows.slice(0, LIST_LIMIT)) {
      table.push([r.id, String(r.line), r.attempts === null ? '—' : String(r.attempts), ms(r.waitMs ?? undefined), cell(r)]);
    }
    out.push(table.toString());
  };
  const rows = doc.connections;
  list('exhausted windows', rows.filter((r) => r.lookup === 'exhausted'), (r) => (r.enqueued === false ? c.yellow('never enqueued in this log: a wrong id?') : ''));
  list('heartbeat-only streams', rows.filter((r) => r.heartbeatOnly), (r) => `${r.events.HEARTBEAT ?? 0} heartbeat(s)`);
  list(
    'longest waits',
    rows.filter((r) => r.lookup === 'after-retries').sort((a, b) => (b.waitMs ?? 0) - (a.waitMs ?? 0)),
    (r) => (r.waitFrom === 'timestamps' ? c.dim('from timestamps') : ''),
  );

  out.push('', `${c.bold('recommendation')} ${doc.recommendation.text}`);
  if (doc.notes.length > 0) out.push('', c.bold('notes'), ...doc.notes.map((x) => `  - ${x}`));

  const j = doc.join;
  if (j) {
    out.push(
      '',
      `${c.bold('client and server')} (${j.source}): ${n(j.joined.length)} joined by decision-set id, ${n(j.clientOnly)} client run(s) not in this log, ` +
        `${n(j.serverOnly)} decision set(s) in the log but not in the client file` +
        (j.unusable > 0 ? `, ${n(j.unusable)} unusable document(s)` : '') +
        `; ${j.disagreeing > 0 ? c.yellow(`${n(j.disagreeing)} disagree`) : 'no disagreement'}`,
    );
    const shown = [...j.joined].sort((a, b) => b.disagreements.length - a.disagreements.length).slice(0, LIST_LIMIT);
    const table = compactTable(['decision set', 'client outcome', 'client GET→head', 'server lookup', 'server wait', 'misses', 'disagreement'], c);
    for (const r of shown) {
      table.push([
        r.id,
        r.clientOutcome,
        ms(r.clientWaitMs),
        r.serverLookup,
        ms(r.serverWaitMs),
        r.serverAttempts === undefined ? '—' : String(r.serverAttempts),
        r.disagreements.length > 0 ? c.yellow(r.disagreements.join('; ')) : '',
      ]);
    }
    out.push(table.toString());
  }
  return `${out.join('\n')}\n`;
}
