/** The terminal report of one verify run. Returns a string; the caller decides where it goes. */
import type { ChalkInstance } from 'chalk';
import type { Diagnosis } from '../classify/diagnose.js';
import type { Evidence } from '../classify/findings.js';
import { waitSourceText } from '../classify/server-wait.js';
import { waterfall, type Waterfall } from '../classify/waterfall.js';
import type { Transcript } from '../model.js';
import { compactTable, ms } from './format.js';
import { reconnectLines } from './reconnects-text.js';
import { networkDocument, type VerifyDocumentShape, type VerifyTarget } from './verify-json.js';

export interface TextOptions {
  chalk: ChalkInstance;
  /** Include every event and comment with its arrival time and read index. */
  transcript?: boolean;
}

/**
 * The stream request's HTTP version and route: `HTTP/2 (h2) · via proxy http://[redacted]@p:3128`;
 * undefined when no stream request got an answer and no proxy was used.
 */
export function networkText(t: Transcript): string | undefined {
  const { protocol, proxy } = networkDocument(t);
  if (protocol === null && proxy === null) return undefined;
  const shown = protocol === 'h2' ? 'HTTP/2 (h2, by ALPN)' : protocol === 'http/1.1' ? 'HTTP/1.1' : 'no answer';
  return `${shown} · ${proxy ? `via proxy ${proxy}` : 'direct'}`;
}

export function verifyText(target: VerifyTarget, d: Diagnosis, t: Transcript, opts: TextOptions): string {
  const c = opts.chalk;
  const ok = d.outcome.severity === 'ok';
  const mark = ok ? c.green('✔') : c.red('✖');
  const label = ok ? c.green.bold(d.outcome.code) : c.red.bold(d.outcome.code);
  const lines: string[] = [`${mark} ${label}  ${d.outcome.summary}`, `  ${c.dim(d.detail)}`, ''];
  const row = (name: string, value: string): void => void lines.push(`  ${c.bold(name.padEnd(10))} ${value}`);

  const where = target.embeddedScenario
    ? `${target.baseUrl}  ${c.dim(`(embedded reference server, scenario ${target.embeddedScenario})`)}`
    : target.baseUrl;
  row('target', where);
  const net = networkText(t);
  if (net) row('network', net);
  if (t.attempts.length === 0) {
    // Nothing was streamed: the enqueue answer is the whole story.
    const e = t.enqueue;
    row('enqueue', e.status !== undefined ? `HTTP ${e.status} in ${ms(d.timings.enqueueMs)} ${c.dim(oneLine(e.bodyPreview))}` : `${e.error?.code ?? 'no answer'}`);
    return finish();
  }
  const a = d.attempts;
  row(
    'attempts',
    [
      `client ${a.client}`,
      a.recoveredOnAttempt ? `recovered on attempt ${a.recoveredOnAttempt}` : undefined,
      a.serverLookups !== undefined ? `server lookups ${a.serverLookups}` : undefined,
    ]
      .filter(Boolean)
      .join(' · '),
  );
  // Indented continuation lines keep a reconnect per line under the row.
  if (d.reconnects) reconnectLines(d.reconnects, c).forEach((l, i) => (i === 0 ? row('reconnects', l) : lines.push(`  ${''.padEnd(10)} ${l}`)));
  const tm = d.timings;
  row('waits', `${serverWaitText(d)} · enqueue answered in ${ms(tm.enqueueMs)}`);
  row('waterfall', waterfallText(d.waterfall, c) + c.dim('  (from enqueue sent)'));
  if (t.encodingCheck) {
    // The identity comparison run, its own T0: what the same flow delivered without compression.
    const check = waterfall(t.encodingCheck.transcript);
    row('identity', waterfallText(check, c) + c.dim(`  (second run, Accept-Encoding: ${t.encodingCheck.acceptEncoding})`));
  }
  const w = d.waterfall;
  if (w.headMs !== undefined && t.attempts.some((x) => x.status === 200)) {
    row('gaps', `between events p50 ${ms(w.gapP50Ms)} · p99 ${ms(w.gapP99Ms)} · longest stall ${ms(w.longestStallMs)} · first node event ${ms(tm.firstNodeEventMs)}`);
  }
  const events = Object.entries(d.counts.events)
    .map(([type, n]) => `${type} ${n}`)
    .join(' · ');
  row('events', events || c.dim('none'));
  row('keepalive', `heartbeat events ${d.counts.heartbeats} · ping comments ${d.counts.pings}`);

  if (d.nodes.length > 0) {
    const table = compactTable(['node', 'start', 'complete', 'took', 'events'], c);
    for (const n of d.nodes) {
      const took = n.startMs !== undefined && n.completeMs !== undefined ? n.completeMs - n.startMs : undefined;
      table.push([n.node, ms(n.startMs), ms(n.completeMs), ms(took), String(n.events)]);
    }
    lines.push('', indent(table.toString()));
  }

  if (d.findings.length > 0) {
    lines.push('', `  ${c.bold('findings')}`);
    for (const f of d.findings) {
      const layer = f.layer && f.layer !== 'unknown' ? c.dim(` [${f.layer}]`) : '';
      lines.push(`  ${c.yellow('!')} ${f.code}${layer}: ${f.message}`);
      const evidence = evidenceText(f.evidence);
      if (evidence) lines.push(`      ${c.dim(evidence)}`);
    }
  }
  return finish();

  function finish(): string {
    if (opts.transcript) lines.push('', ...transcriptLines(t, c));
    if (!ok) lines.push('', `  ${c.bold('hint')} ${d.hint}`);
    return `${lines.join('\n')}\n`;
  }
}

/** "server wait 0.60 s (inferred from GET → head)", or "unknown" when no head was seen. */
function serverWaitText(d: Diagnosis): string {
  const wait = d.timings.serverWaitMs;
  const source = d.waitSources.serverWait;
  if (wait === undefined || !source) return 'server wait unknown (no response head)';
  const n = d.attempts.serverLookups;
  const lookups = n !== undefined ? `, ${n} lookup${n === 1 ? '' : 's'}` : '';
  const held = source === 'inferred' && d.findings.some((f) => f.code === 'head-held') ? '; the head was held, so the lookup took at most this' : '';
  return `server wait ${(wait / 1000).toFixed(2)} s (${waitSourceText(source)}${lookups}${held})`;
}

/** POST → id → GET → head → byte → event → 2nd event → end, `—` for a step that did not happen. */
export function waterfallText(w: Waterfall, c: ChalkInstance): string {
  const end = w.endKind === 'terminal' ? 'terminal' : `end${w.endKind ? ` (${w.endKind})` : ''}`;
  const steps: [string, number | undefined][] = [
    ['POST', w.postSentMs],
    ['id', w.enqueueAnsweredMs],
    ['GET', w.getSentMs],
    ['head', w.headMs],
    ['1st byte', w.firstByteMs],
    ['1st event', w.firstEventMs],
    ['2nd event', w.secondEventMs],
    [end, w.endMs],
  ];
  return steps.map(([name, at]) => `${name} ${ms(at)}`).join(c.dim(' → '));
}

/** `headMs=3005 · server=uvicorn · via=—`: a finding's evidence on one line. */
export function evidenceText(e: Evidence): string {
  return Object.entries(e)
    .map(([k, v]) => `${k}=${v === null ? '—' : typeof v === 'number' ? String(Math.round(v * 10) / 10) : v}`)
    .join(' · ');
}

/** One line per saved verify document (`report` over verify results). */
export function verifyLine(doc: VerifyDocumentShape): string {
  return `${doc.ok ? '✔' : '✖'} ${doc.outcome.padEnd(16)} ${doc.target.baseUrl}  ${doc.startedAt}  ${doc.detail}\n`;
}

/** Every phase, event and comment with its time since T0. */
function transcriptLines(t: Transcript, c: ChalkInstance): string[] {
  const out = [`  ${c.bold('transcript')} ${c.dim('(ms since enqueue sent; #read = network read index)')}`];
  const e = t.enqueue;
  out.push(`  ${ms(e.sentMs).padStart(9)}  POST ${e.url}`);
  if (e.headersMs !== undefined) out.push(`  ${ms(e.headersMs).padStart(9)}  ← ${e.status} ${c.dim(oneLine(e.bodyPreview))}`);
  for (const a of t.attempts) {
    const again = a.reconnect ? `, ${a.reconnect.reason} after ${ms(a.reconnect.delayMs)}${a.reconnect.lastEventId !== undefined ? `, Last-Event-ID ${a.reconnect.lastEventId}` : ''}` : '';
    out.push(`  ${ms(a.requestedMs).padStart(9)}  GET ${a.url} ${c.dim(`(attempt ${a.attempt}${again})`)}`);
    if (a.headersMs !== undefined) out.push(`  ${ms(a.headersMs).padStart(9)}  ← ${a.status} ${a.headers?.['content-type'] ?? ''}`);
    for (const r of a.records) {
      const what = r.kind === 'comment' ? c.dim(`: ${r.data}`) : `${c.cyan(r.type)}${r.node ? ` ${r.node}` : ''}`;
      out.push(`  ${ms(r.atMs).padStart(9)}  ${c.dim(`#${r.read}`.padEnd(5))} ${what}`);
    }
    if (a.recordsDropped > 0) out.push(`  ${''.padStart(9)}  … ${a.recordsDropped} more records not kept`);
    out.push(`  ${ms(a.endMs).padStart(9)}  end: ${a.end}${a.error ? ` (${a.error.code})` : ''}`);
  }
  return out;
}

function indent(s: string): string {
  return s
    .split('\n')
    .map((l) => `  ${l}`)
    .join('\n');
}

function oneLine(s: string | undefined): string {
  const text = (s ?? '').replace(/\s+/g, ' ');
  return text.length > 100 ? `${text.slice(0, 100)}…` : text;
}
