/** Reconnect damage and resume verdicts: a pure function of the transcript, table-tested. */
import { describe, expect, it } from 'vitest';
import { classify } from '../../src/classify/classify.js';
import { keyOf, reconnectDamage, type ReconnectDamage } from '../../src/classify/reconnect-damage.js';
import { reconnectDetail, reconnectFindings } from '../../src/classify/reconnect-findings.js';
import type { StreamRecord, StreamSession } from '../../src/model.js';
import { stream, transcript } from './builders.js';

/** An origin-style event: JSON envelope with a timestamp second `s`, optional node and id. */
function e(type: string, s: number, node?: string, id?: string): StreamRecord {
  const data = JSON.stringify({ type, decision_set_id: 'ds', timestamp: `2026-01-01T00:00:${String(s).padStart(2, '0')}.000001+00:00`, data: node ? { node } : {} });
  return { kind: 'event', type, atMs: s, read: s, data, ...(node ? { node } : {}), ...(id !== undefined ? { id } : {}) };
}
const again = { reason: 'reconnect', delayMs: 3000, delaySource: 'browser-default' } as const;
const session = (over: Partial<StreamSession> = {}): StreamSession => ({ client: 'browser', reconnects: 1, maxReconnects: 10, stoppedBy: 'terminal', ...over });
const run = (streams: StreamRecord[][], over: Partial<StreamSession> = {}): ReconnectDamage =>
  reconnectDamage(
    transcript(
      streams.map((records, i) => stream(records, { attempt: i + 1, ...(i > 0 ? { reconnect: again } : {}) })),
      { session: session({ reconnects: streams.length - 1, ...over }) },
    ),
  )!;

describe('reconnectDamage', () => {
  const start = e('workflow-start', 1);
  const aStart = e('node-start', 2, 'a');
  const aDone = e('node-complete', 3, 'a');
  const bStart = e('node-start', 4, 'b');
  const bDone = e('node-complete', 5, 'b');
  const done = e('workflow-complete', 6);

  it.each([
    // [name, streams, expected counts, verdicts]
    ['resumed: the next event continues', [[start, aStart], [aDone, bStart, bDone, done]], { duplicated: 0, lost: 0, outOfOrder: 0 }, ['resumed']],
    ['replayed: history again, then live', [[start, aStart], [start, aStart, aDone, bStart, bDone, done]], { duplicated: 2, lost: 0, outOfOrder: 0 }, ['replayed']],
    ['lost: a node-start whose node-complete never came, in a finished run', [[start, aStart], [bStart, bDone, done]], { duplicated: 0, lost: 1, outOfOrder: 0 }, ['resumed']],
    ['restarted: a new workflow-start (new timestamp)', [[start, aStart], [e('workflow-start', 7), e('node-start', 8, 'a')]], { duplicated: 0, lost: 0, outOfOrder: 0 }, ['restarted']],
    ['out of order: a new event older than one already delivered', [[start, bStart], [aStart, aDone, bDone, done]], { duplicated: 0, outOfOrder: 2 }, ['resumed']],
    ['silent: the reconnected stream brought nothing', [[start, aStart], []], { duplicated: 0, lost: 0 }, ['silent']],
  ] as const)('%s', (_name, streams, counts, verdicts) => {
    const d = run(streams.map((s) => [...s]));
    expect(d).toMatchObject(counts);
    expect(d.steps.map((s) => s.verdict)).toEqual(verdicts);
  });

  it('a run without the terminal event proves nothing lost: it may still be on that node', () => {
    expect(run([[start, aStart], [bStart]]).lost).toBe(0);
  });

  it('heartbeats and comments are neither duplicates nor the first event', () => {
    const hb: StreamRecord = { kind: 'event', type: 'heartbeat', atMs: 1, read: 1, data: '{"type": "heartbeat"}' };
    const ping: StreamRecord = { kind: 'comment', type: 'comment', atMs: 1, read: 1, data: 'ping' };
    const d = run([[hb, ping, start], [hb, ping, aStart, done]]);
    expect(d).toMatchObject({ duplicated: 0 });
    expect(d.steps[0]!.firstEvent).toMatchObject({ type: 'node-start', seenBefore: false });
  });

  it('consecutive ids that jump at a reconnect prove the events in between lost', () => {
    const plain = (type: string, id: string): StreamRecord => ({ kind: 'event', type, atMs: 1, read: 1, data: `${type}-${id}`, id });
    const d = run([[plain('tick', '1'), plain('tick', '2')], [plain('tick', '6'), plain('tick', '7')]], { stoppedBy: 'deadline' });
    expect(d).toMatchObject({ lost: 3, lostWhat: ['ids 3-5'], outOfOrder: 0, duplicated: 0 });
  });

  it('a 404 retry and a refused reconnect: only reconnects after an open stream are steps', () => {
    const t = transcript(
      [
        stream([], { attempt: 1, status: 404, headers: { 'content-type': 'application/json' }, bodyPreview: '{"detail":"Decision set not found"}' }),
        stream([start], { attempt: 2, reconnect: { reason: 'failed-retry', delayMs: 2500, delaySource: 'retry-delay' } }),
        stream([], { attempt: 3, status: 204, headers: {}, reconnect: { ...again, lastEventId: '9' } }),
      ],
      { session: session({ stoppedBy: 'fail' }) },
    );
    const d = reconnectDamage(t)!;
    expect(d.steps).toEqual([expect.objectContaining({ attempt: 3, verdict: 'refused', status: 204, lastEventId: '9', firstEvent: null })]);
  });

  it('the resume check is the first reconnect after the cut', () => {
    const d = run([[start, aStart], [start, aStart, aDone, done]], { cut: { afterEvents: 2, attempt: 1, atMs: 40 } });
    expect(d.resume).toMatchObject({ cutAfterEvents: 2, cutAtMs: 40, verdict: 'replayed', step: { attempt: 2 } });
    expect(reconnectFindings(d).map((f) => f.code)).toEqual(['resume-check', 'reconnect-damage']);
    expect(reconnectDetail(d)).toBe('; after 1 reconnect (2 duplicated)');
  });

  it('no session (the default client without --cut-after): nothing to say', () => {
    expect(reconnectDamage(transcript([stream([start])]))).toBeUndefined();
    expect(reconnectFindings(undefined)).toEqual([]);
  });
});

describe('keyOf: the origin hook\'s dedup key', () => {
  it.each([
    // [record, key]
    [{ type: 'node-start', data: '{"type": "node-start", "timestamp": "T1", "data": {"node": "a"}}' }, 'node-start:a:T1'],
    [{ type: 'reason-card', data: '{"timestamp": "T2", "data": {"agent": "planner"}}' }, 'reason-card:planner:T2'],
    [{ type: 'message', data: 'hello' }, 'message:hello'], // no envelope: type + data
    [{ type: 'x', data: '{"no": "timestamp"}' }, 'x:{"no": "timestamp"}'],
    [{ type: 'x', data: '{"timestamp": "T3", "dat' }, 'x:{"timestamp": "T3", "dat'], // cut to the preview size
  ])('%j → %s', (r, key) => {
    expect(keyOf(r).key).toBe(key);
  });

  it('python isoformat timestamps with microseconds parse to epoch ms', () => {
    expect(keyOf({ type: 'a', data: '{"timestamp": "2026-11-24T10:11:00.204161+00:00"}' }).ts).toBe(Date.UTC(2026, 10, 24, 10, 11, 0, 204));
  });
});

describe('classify with a session', () => {
  it.each([
    // [last attempt end, session stop, outcome]
    ['cut', 'max-reconnects', 'closed-early'], // --cut-after with no reconnect after it
    ['eof', 'interrupted', 'interrupted'], // Ctrl-C during the wait before a reconnect
    ['terminal', 'terminal', 'healthy'],
  ] as const)('last attempt %s, stopped by %s → %s', (end, stoppedBy, outcome) => {
    const records = [e('workflow-start', 1), ...(end === 'terminal' ? [e('workflow-complete', 2)] : [])];
    const t = transcript([stream(records, { end })], { session: session({ reconnects: 0, stoppedBy }) });
    expect(classify(t).outcome).toBe(outcome);
  });
});
