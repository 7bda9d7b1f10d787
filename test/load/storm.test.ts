/** Reconnect storm (load --storm-at): the per-run reading and the counts (pure), then storms on the wire. */
import { afterEach, describe, expect, it } from 'vitest';
import { LoadMetrics } from '../../src/load/metrics.js';
import { runLoad, type LoadOptions } from '../../src/load/runner.js';
import { runLine } from '../../src/load/run-line.js';
import { addStormRun, emptyStormCounts, mergeStormCounts, stormReply, stormRun } from '../../src/load/storm.js';
import type { StreamAttempt, Transcript } from '../../src/model.js';
import { DEFAULT_PROBE_OPTIONS } from '../../src/probe/options.js';
import { parseDistribution, startReferenceServer, type ReferenceServer, type StartOptions } from '../../src/server/index.js';
import { chunk, jsonResponse, sseHead, startRawServer, type RawServer } from '../helpers/raw-server.js';

const sse = { 'content-type': 'text/event-stream' };
const attempt = (n: number, a: Partial<StreamAttempt>): StreamAttempt =>
  ({ attempt: n, url: 'u', requestedMs: 0, reads: 0, bytes: 0, records: [], recordsDropped: 0, counts: {}, warnings: [], ...a }) as StreamAttempt;
const ev = (type: string, atMs: number, data = '{}') => ({ kind: 'event' as const, type, atMs, read: 0, data });
const netError = (code: string) => ({ code, codes: [code], message: code });

describe('stormReply: how the first request after the cut was answered', () => {
  it.each([
    ['no request after the cut', undefined, 'none'],
    ['200 event-stream', attempt(2, { status: 200, headers: sse }), 'opened'],
    ['200 but text/html (not a stream)', attempt(2, { status: 200, headers: { 'content-type': 'text/html' } }), 'failed'],
    ['decision-set 404', attempt(2, { status: 404 }), 'not-found'],
    ['503 from a gateway', attempt(2, { status: 503 }), 'server-error'],
    ['no head within --timeout', attempt(2, { error: netError('UND_ERR_HEADERS_TIMEOUT') }), 'timeout'],
    ['connection refused', attempt(2, { error: netError('ECONNREFUSED') }), 'failed'],
    ['429 rate limited', attempt(2, { status: 429 }), 'failed'],
  ] as const)('%s → %s', (_why, a, reply) => {
    expect(stormReply(a)).toBe(reply);
  });
});

describe('stormRun: one run read off its transcript', () => {
  const base = { heartbeatEvents: ['heartbeat'], terminalEvent: 'workflow-complete' };
  it('no storm cut: undefined', () => {
    const t = { ...base, attempts: [attempt(1, { status: 200, headers: sse })], session: { client: 'browser', reconnects: 0, maxReconnects: 10, stoppedBy: 'terminal' } } as unknown as Transcript;
    expect(stormRun(t, undefined)).toBeUndefined();
  });
  it('404 first, open on the retry: times from the cut, heartbeats skipped, duplicates from the reopened step', () => {
    const t = {
      ...base,
      attempts: [
        attempt(1, { status: 200, headers: sse, end: 'cut', records: [ev('node-start', 500)] }),
        attempt(2, { status: 404, requestedMs: 4000, headersMs: 4100 }),
        attempt(3, { status: 200, headers: sse, requestedMs: 6600, headersMs: 6700, records: [ev('heartbeat', 6710), ev('node-start', 6750)] }),
      ],
      session: { client: 'browser', reconnects: 1, maxReconnects: 10, stoppedBy: 'terminal', storm: { attempt: 1, atMs: 1000 } },
    } as unknown as Transcript;
    const damage = { steps: [{ attempt: 2, duplicated: 0 }, { attempt: 3, duplicated: 4 }] } as never;
    expect(stormRun(t, damage)).toEqual({ reply: 'not-found', reopened: true, reconnectMs: 3000, backMs: 5700, firstEventMs: 5750, duplicated: 4 });
  });
  it('the run ended before it could reconnect: none, no times', () => {
    const t = { ...base, attempts: [attempt(1, { status: 200, headers: sse, end: 'cut' })], session: { client: 'browser', reconnects: 0, maxReconnects: 10, stoppedBy: 'deadline', storm: { attempt: 1, atMs: 900 } } } as unknown as Transcript;
    expect(stormRun(t, undefined)).toEqual({ reply: 'none', reopened: false, duplicated: 0 });
  });
});

describe('storm counts add and merge exactly', () => {
  it('sums every figure; the plan stays', () => {
    const a = emptyStormCounts({ atMs: 1000, jitterMs: 0 });
    a.fired = 1;
    addStormRun(a, { reply: 'opened', reopened: true, duplicated: 3 });
    addStormRun(a, { reply: 'not-found', reopened: false, duplicated: 0 });
    const b = emptyStormCounts({ atMs: 1000, jitterMs: 0 });
    b.fired = 1;
    addStormRun(b, { reply: 'opened', reopened: true, duplicated: 0 });
    mergeStormCounts(a, b);
    expect(a).toEqual({ atMs: 1000, jitterMs: 0, fired: 2, cut: 3, replies: { opened: 2, 'not-found': 1 }, reopened: 2, withDuplicates: 1, duplicated: 3 });
  });
});

const servers: ReferenceServer[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

/** A server whose runs last ≈ 3 s (38 frames, 150 ms per node) and replay history to a reconnect. */
async function serve(options: StartOptions = {}): Promise<string> {
  const s = await startReferenceServer({ log: { level: 'off', format: 'text' }, nodeDuration: parseDistribution('150ms'), persistDelay: parseDistribution('20ms'), ...options });
  servers.push(s);
  return s.url;
}

function opts(baseUrl: string, storm: LoadOptions['storm']): LoadOptions {
  return {
    probe: { ...DEFAULT_PROBE_OPTIONS, attempts: 0, baseUrl, timeoutMs: 5000, observeMs: 15_000, jobStatusPath: '', client: 'browser', reconnectTimeMs: 200 },
    model: { kind: 'closed', concurrency: 12, requests: 12 },
    graceMs: 200,
    keepWorst: 0,
    bailAfterUnreachable: 20,
    ...(storm ? { storm } : {}),
  };
}

describe('a storm on the wire (reference server)', () => {
  it('without jitter: all 12 open streams cut at 1 s reconnect within a few ms of each other, reopen, and get history replayed', async () => {
    const url = await serve();
    const lines: Record<string, unknown>[] = [];
    const r = await runLoad({ ...opts(url, { atMs: 1000, jitterMs: 0 }), onSample: (s, t) => lines.push(runLine(lines.length + 1, s, t)) });
    expect(r.metrics.outcomes.get('healthy')).toBe(12);
    // Each --ndjson run line says how the storm met it.
    expect(lines.map((l) => l.storm)).toEqual(Array(12).fill(expect.objectContaining({ reply: 'opened', reopened: true, reconnectMs: expect.any(Number), backMs: expect.any(Number) })));
    expect(r.metrics.storm).toEqual({ atMs: 1000, jitterMs: 0, fired: 1, cut: 12, replies: { opened: 12 }, reopened: 12, withDuplicates: 12, duplicated: expect.any(Number) });
    const sent = r.metrics.summary('storm-reconnect')!;
    expect(sent.count).toBe(12);
    // The browser's reconnection time (200 ms here); the cut is one tick for every stream, so the spread
    // is the event loop's: a few ms when idle, up to ~50 ms on a busy 2-core CI machine (the bound leaves room).
    expect(sent.min).toBeGreaterThanOrEqual(199);
    expect(sent.max - sent.min).toBeLessThan(100);
    const back = r.metrics.summary('storm-back')!;
    expect(back.min).toBeGreaterThanOrEqual(sent.min);
    expect(r.metrics.summary('storm-first-event')!.count).toBe(12);
    // The counts survive encode → decode (result files, generator threads).
    const merged = LoadMetrics.decode(r.metrics.encode());
    merged.merge(r.metrics.encode());
    expect(merged.storm).toMatchObject({ fired: 2, cut: 24, reopened: 24 });
    expect(merged.summary('storm-reconnect')!.count).toBe(24);
  });

  it('with 800 ms of jitter the reconnects spread over the window', async () => {
    const url = await serve();
    const r = await runLoad(opts(url, { atMs: 1000, jitterMs: 800 }));
    expect(r.metrics.storm).toMatchObject({ fired: 1, cut: 12, reopened: 12 });
    const sent = r.metrics.summary('storm-reconnect')!;
    expect(sent.min).toBeGreaterThanOrEqual(199);
    expect(sent.max).toBeLessThanOrEqual(1000 + 100);
    expect(sent.max - sent.min).toBeGreaterThan(200);
  });

  it('a storm after the load ended fires nothing and cuts nothing, and says so', async () => {
    const url = await serve({ nodeDuration: parseDistribution('5ms') });
    const r = await runLoad({ ...opts(url, { atMs: 60_000, jitterMs: 0 }), model: { kind: 'closed', concurrency: 2, requests: 2 } });
    expect(r.metrics.storm).toMatchObject({ fired: 0, cut: 0 });
    expect(r.metrics.summary('storm-reconnect')).toBeUndefined();
  });
});

describe('a storm against a server that does not take the reconnects (raw server)', () => {
  let raw: RawServer | undefined;
  afterEach(async () => {
    await raw?.close();
    raw = undefined;
  });

  it('odd jobs answer the reconnect 503 (a gateway mid-deploy), even ones 404 (a new process that lost them): counted per reply, none reopened', async () => {
    let jobs = 0;
    const gets = new Map<string, number>();
    raw = await startRawServer((req, socket) => {
      if (req.method === 'POST') return void socket.end(jsonResponse(200, { decision_set_id: `ds-${++jobs}`, job_id: 'j' }));
      const id = /\/api\/streams\/([^?]+)/.exec(req.path)?.[1] ?? '';
      const n = (gets.get(id) ?? 0) + 1;
      gets.set(id, n);
      if (n === 1) {
        // The first stream stays open with a node event every 100 ms, until the client cuts it.
        socket.write(sseHead());
        let i = 0;
        const timer = setInterval(() => socket.write(chunk(`event: node-start\ndata: {"node": "n${i++}"}\n\n`)), 100);
        socket.on('close', () => clearInterval(timer));
        return;
      }
      if (Number(id.slice(3)) % 2 === 1) return void socket.end('HTTP/1.1 503 Service Unavailable\r\ncontent-length: 0\r\nconnection: close\r\n\r\n');
      socket.end(jsonResponse(404, { detail: `Decision set ${id} not found` }));
    });
    const o = opts(raw.url, { atMs: 600, jitterMs: 0 });
    const r = await runLoad({ ...o, probe: { ...o.probe, observeMs: 3000 }, model: { kind: 'closed', concurrency: 6, requests: 6 } });
    expect(r.metrics.storm).toEqual({ atMs: 600, jitterMs: 0, fired: 1, cut: 6, replies: { 'server-error': 3, 'not-found': 3 }, reopened: 0, withDuplicates: 0, duplicated: 0 });
    expect(r.metrics.summary('storm-reconnect')!.count).toBe(6);
    expect(r.metrics.summary('storm-back')).toBeUndefined();
  });
});
