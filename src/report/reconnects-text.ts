/** The reconnects of a verify run (`--client browser`, `--cut-after`) in words, for the terminal report. */
import type { ChalkInstance } from 'chalk';
import type { ReconnectDamage, ReconnectStep } from '../classify/reconnect-damage.js';
import { ms } from './format.js';

/** Why a session made no further request, in words. */
const STOPPED: Record<ReconnectDamage['stoppedBy'], string> = {
  terminal: 'at the terminal event',
  done: 'when the stream ended as the client watches it (idle, --observe)',
  fail: 'on an answer an EventSource fails on (204, non-200, not text/event-stream)',
  attempts: 'after --attempts failures in a row',
  'max-reconnects': 'at --max-reconnects',
  deadline: 'at --observe (the next reconnect would start after it)',
  interrupted: 'interrupted',
};

/**
 * Lines for the `reconnects` row: the count and damage, then one line per reconnect and, for a
 * cut, the resume check's verdict.
 */
export function reconnectLines(d: ReconnectDamage, c: ChalkInstance): string[] {
  const damage = [`${d.duplicated} duplicated`, `${d.lost} lost`, `${d.outOfOrder} out of order`].join(' · ');
  const head = `${d.client} client · ${d.reconnects} reconnect${d.reconnects === 1 ? '' : 's'} · ${d.reconnects > 0 ? damage : c.dim('no damage possible')} · stopped ${STOPPED[d.stoppedBy]}`;
  const lines = [head];
  if (d.lostWhat.length > 0) lines.push(c.dim(`lost: ${d.lostWhat.slice(0, 6).join(', ')}${d.lostWhat.length > 6 ? ', …' : ''}`));
  for (const s of d.steps.slice(0, 10)) lines.push(c.dim(stepLine(s)));
  if (d.steps.length > 10) lines.push(c.dim(`… ${d.steps.length - 10} more reconnects`));
  if (d.resume) {
    const r = d.resume;
    const verdict = r.verdict === 'resumed' ? c.green(r.verdict) : c.yellow(r.verdict);
    lines.push(`resume check: cut after ${r.cutAfterEvents} events at ${ms(r.cutAtMs)} → ${verdict}${r.step ? c.dim(` (attempt ${r.step.attempt})`) : ''}`);
  }
  return lines;
}

/** `attempt 2 after 100 ms (retry:) · Last-Event-ID 7 · resumed: node-complete a · 0 duplicated, 3 new`. */
function stepLine(s: ReconnectStep): string {
  const source = s.delaySource === 'retry' ? 'retry:' : s.delaySource === 'browser-default' ? 'browser default' : s.afterErrorEvent ? '--retry-delay from the event: error' : '--retry-delay';
  const first = s.firstEvent ? `: ${s.firstEvent.type}${s.firstEvent.node ? ` ${s.firstEvent.node}` : ''}` : '';
  const status = s.verdict === 'refused' ? ` (HTTP ${s.status ?? 'no answer'})` : '';
  return [
    `attempt ${s.attempt} after ${ms(s.delayMs)} (${source})`,
    s.lastEventId !== null ? `Last-Event-ID ${s.lastEventId}` : 'no Last-Event-ID',
    `${s.verdict}${status}${first}`,
    `${s.duplicated} duplicated, ${s.fresh} new`,
  ].join(' · ');
}
