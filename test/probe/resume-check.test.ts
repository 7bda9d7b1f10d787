/**
 * The resume check (`--cut-after N`): the client drops the stream after N meaningful events,
 * reconnects, and the first event after the reconnect says whether the server resumed,
 * replayed or restarted. Against the reference server (replays its last 50 frames unless
 * `?replay=0`, sends no ids) and a raw server that starts a new run on every connection.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { diagnose } from '../../src/classify/diagnose.js';
import { runProbe } from '../../src/probe/run-probe.js';
import { startReferenceServer, type ReferenceServer } from '../../src/server/index.js';
import { chunk, enqueueThen, sseHead, startRawServer } from '../helpers/raw-server.js';

const servers: ReferenceServer[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()));
});
async function reference(): Promise<ReferenceServer> {
  const server = await startReferenceServer({ scenario: 'healthy', log: { level: 'off', format: 'text' } });
  servers.push(server);
  return server;
}
const fast = { timeoutMs: 5000, observeMs: 10_000, jobStatusPath: '', reconnectTimeMs: 50, retryDelayMs: 50 };

describe('resume check against the reference server', () => {
  it('browser client, no replay parameter: the server replays history, named as duplicates', async () => {
    const server = await reference();
    const t = await runProbe({ ...fast, client: 'browser', cutAfter: 3, baseUrl: server.url });
    const d = diagnose(t);
    expect(t.attempts[0]!.end).toBe('cut');
    expect(t.session).toMatchObject({ client: 'browser', reconnects: 1, stoppedBy: 'terminal', cut: { afterEvents: 3, attempt: 1 } });
    expect(d.outcome.code).toBe('healthy');
    expect(d.reconnects!.resume).toMatchObject({ verdict: 'replayed', cutAfterEvents: 3 });
    // Everything seen before the cut came again (the server keeps 50 frames; a run has fewer).
    expect(d.reconnects!.duplicated).toBeGreaterThanOrEqual(3);
    expect(d.reconnects!.resume!.step!.firstEvent).toMatchObject({ type: 'workflow-start', seenBefore: true });
    expect(d.findings.map((f) => f.code)).toEqual(expect.arrayContaining(['resume-check', 'reconnect-damage']));
  });

  it('the origin hook\'s ?replay=1 becomes replay=0 after the cut: the server resumes, no duplicates', async () => {
    const server = await reference();
    const t = await runProbe({ ...fast, client: 'browser', cutAfter: 2, streamPath: '/api/streams/{id}?replay=1', baseUrl: server.url });
    const d = diagnose(t);
    expect(t.attempts[1]!.reconnect).toMatchObject({ reason: 'reconnect', replayOff: true, delaySource: 'browser-default', delayMs: 50 });
    expect(d.reconnects!.resume!.verdict).toBe('resumed');
    expect(d.reconnects!.duplicated).toBe(0);
    expect(d.reconnects!.resume!.step!.firstEvent!.seenBefore).toBe(false);
  });

  it('the default client reconnects once after --retry-delay, without Last-Event-ID', async () => {
    const server = await reference();
    const t = await runProbe({ ...fast, cutAfter: 4, baseUrl: server.url });
    expect(t.session).toMatchObject({ client: 'probe', reconnects: 1 });
    expect(t.attempts).toHaveLength(2);
    expect(t.attempts[1]!.reconnect).toMatchObject({ reason: 'reconnect', delayMs: 50, delaySource: 'retry-delay' });
    expect(t.attempts[1]!.reconnect!.lastEventId).toBeUndefined();
    expect(diagnose(t).reconnects!.resume!.verdict).toBe('replayed');
  });

  it('--max-reconnects 0: the cut is reported with no reconnect after it', async () => {
    const server = await reference();
    const t = await runProbe({ ...fast, client: 'browser', cutAfter: 2, maxReconnects: 0, baseUrl: server.url });
    expect(t.attempts).toHaveLength(1);
    expect(t.session!.stoppedBy).toBe('max-reconnects');
    expect(diagnose(t).reconnects!.resume).toMatchObject({ verdict: 'none', step: null });
  });
});

describe('resume check against a raw server', () => {
  it('a server that starts a new run on every connection: restarted, and the Last-Event-ID it ignored', async () => {
    let n = 0;
    const server = await startRawServer(
      enqueueThen((_req, socket) => {
        const run = ++n;
        const ts = (s: number): string => `2026-01-01T00:0${run}:0${s}+00:00`;
        const ev = (id: number, type: string, node?: string): string =>
          `id: ${id}\nevent: ${type}\ndata: ${JSON.stringify({ type, timestamp: ts(id), data: node ? { node } : {} })}\n\n`;
        socket.write(sseHead());
        socket.write(chunk(`retry: 30\n\n${ev(1, 'workflow-start')}${ev(2, 'node-start', 'a')}${ev(3, 'node-complete', 'a')}`));
        if (run > 1) socket.write(chunk(ev(4, 'workflow-complete')));
      }),
    );
    const t = await runProbe({ ...fast, client: 'browser', cutAfter: 2, baseUrl: server.url });
    await server.close();
    const d = diagnose(t);
    expect(server.requests.filter((r) => r.method === 'GET')[1]!.headers['last-event-id']).toBeDefined();
    expect(d.reconnects!.resume).toMatchObject({ verdict: 'restarted', step: { firstEvent: { type: 'workflow-start', seenBefore: false } } });
    // The new run's ids start again at 1, below the ones already seen.
    expect(d.reconnects!.outOfOrder).toBeGreaterThan(0);
  });
});
