/** Reconnect damage and the resume check in the words of findings and the outcome detail. Pure. */
import type { Finding } from './findings.js';
import type { ReconnectDamage, ReconnectStep, ResumeCheck } from './reconnect-damage.js';

/** What each verdict means, for messages. */
const VERDICT_TEXT: Record<ResumeCheck['verdict'], string> = {
  resumed: 'resumed: the first event after the reconnect was new',
  replayed: 'replayed: the first event after the reconnect had been seen before',
  restarted: 'restarted: the first event after the reconnect was a new workflow-start',
  silent: 'sent nothing meaningful on the reconnected stream',
  refused: 'refused the reconnect',
  none: 'was not asked again: no reconnect followed the cut',
};

/**
 * `reconnect-damage` when a reconnect duplicated, lost or reordered events; `resume-check`
 * whenever --cut-after cut a stream (the answer to a question the user asked, damage or not).
 */
export function reconnectFindings(d: ReconnectDamage | undefined): Finding[] {
  if (!d) return [];
  const out: Finding[] = [];
  if (d.resume) {
    const r = d.resume;
    const s = r.step;
    const first = s?.firstEvent ? `${s.firstEvent.type}${s.firstEvent.node ? ` ${s.firstEvent.node}` : ''}` : null;
    out.push({
      code: 'resume-check',
      message: `cut after ${r.cutAfterEvents} events; the server ${VERDICT_TEXT[r.verdict]}${s && first ? ` (${first})` : ''}${s ? stepCounts(s) : ''}`,
      evidence: {
        verdict: r.verdict,
        cutAtMs: Math.round(r.cutAtMs * 10) / 10,
        status: s?.status ?? null,
        delayMs: s ? Math.round(s.delayMs) : null,
        lastEventId: s?.lastEventId ?? null,
        firstEvent: first,
        duplicated: s?.duplicated ?? null,
        fresh: s?.fresh ?? null,
      },
    });
  }
  if (d.duplicated + d.lost + d.outOfOrder > 0) {
    const parts = [
      d.duplicated > 0 ? `${d.duplicated} duplicated` : '',
      d.lost > 0 ? `${d.lost} lost (${d.lostWhat.slice(0, 3).join(', ')}${d.lostWhat.length > 3 ? ', …' : ''})` : '',
      d.outOfOrder > 0 ? `${d.outOfOrder} out of order` : '',
    ].filter(Boolean);
    out.push({
      code: 'reconnect-damage',
      message: `across ${d.reconnects} reconnect${d.reconnects === 1 ? '' : 's'} a page saw ${parts.join(', ')}: ${advice(d)}`,
      evidence: { reconnects: d.reconnects, duplicated: d.duplicated, lost: d.lost, outOfOrder: d.outOfOrder, verdicts: d.steps.map((s) => s.verdict).join(',') || null },
    });
  }
  return out;
}

/** ` · 3 duplicated, 5 new`. */
function stepCounts(s: ReconnectStep): string {
  return `; ${s.duplicated} duplicated, ${s.fresh} new on that stream`;
}

/** The fix the damage points at. */
function advice(d: ReconnectDamage): string {
  if (d.duplicated > 0 && d.steps.every((s) => s.lastEventId === null)) {
    return 'the server replays history on a reconnect and sends no ids; send `id:` lines and resume after Last-Event-ID, or have the page dedup (type + node + timestamp)';
  }
  if (d.duplicated > 0) return 'the server ignored Last-Event-ID and sent history again; resume after it';
  if (d.lost > 0) return 'events emitted while the client was away never came; replay what the client missed (Last-Event-ID, or replay on reconnect with dedup)';
  return 'events came in a different order than the server stamped them';
}

/** `; 2 reconnects, 14 duplicated` for the outcome detail, or '' without reconnects. */
export function reconnectDetail(d: ReconnectDamage | undefined): string {
  if (!d || d.reconnects === 0) return '';
  const damage = [d.duplicated ? `${d.duplicated} duplicated` : '', d.lost ? `${d.lost} lost` : '', d.outOfOrder ? `${d.outOfOrder} out of order` : '']
    .filter(Boolean)
    .join(', ');
  return `; after ${d.reconnects} reconnect${d.reconnects === 1 ? '' : 's'}${damage ? ` (${damage})` : ''}`;
}
