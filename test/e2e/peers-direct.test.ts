/**
 * verify against a backend ssedoctor did not start: the FastAPI origin app (test/peers/origin_app.py)
 * under Debian's uvicorn, spoken to directly. It sends no x-lookup-* headers, so the server's wait
 * must be inferred from the wire, and no proxy is in the path, so none may be blamed.
 */
import { describe, expect, it, vi } from 'vitest';
import { buffersOrProxies, explain, loadPeers, peersAvailable, verifyPeers } from '../helpers/peers.js';

const run = peersAvailable('peers-direct.test', ['uvicorn']);

// The cases wait on sleeps and timeouts, not on the CPU: three at a time keep the suite short while
// leaving the shared cores room for the peers' own timing.
vi.setConfig({ maxConcurrency: 3 });

describe.skipIf(!run)('verify against uvicorn directly (no proxy, no lookup headers)', { concurrent: true }, () => {
  it('healthy app: healthy, the server wait inferred ≈ the persistence delay, nothing about buffering or a proxy', async () => {
    // The worker starts 1 s after the enqueue, once the stream is open (≈0.6 s): its events arrive live.
    const r = await verifyPeers({ PEER_PERSIST_DELAY: '0.5', PEER_WORKER_DELAY: '1', PEER_NODE_DURATION: '0.2' }, undefined, ['--observe', '8s']);
    const why = explain(r);
    expect(r.doc.outcome, why).toBe('healthy');
    expect(r.code, why).toBe(0);
    // The origin polls every 0.2 s, so a 0.5 s persistence is seen at ≈0.6 s.
    expect(r.doc.timings.serverWaitMs, why).toBeGreaterThanOrEqual(400);
    expect(r.doc.timings.serverWaitMs, why).toBeLessThanOrEqual(1200);
    const { transcript: _t, ...rest } = r.doc;
    expect(JSON.stringify(rest), `the wait is labelled as inferred\n${why}`).toContain('inferred');
    const codes = r.doc.findings.map((f) => f.code);
    for (const code of ['body-buffered', 'head-held', 'proxy-buffering', 'compression-holds-events', 'idle-cutoff', 'replayed']) {
      expect(codes, why).not.toContain(code);
    }
    expect(buffersOrProxies(r), why).toEqual([]);
  });

  it('an app that holds its head 2 s until its first frame: head-held, layer application (server: uvicorn, no Via)', async () => {
    const r = await verifyPeers({ PEER_HOLD_HEAD: '1', PEER_WORKER_DELAY: '2', PEER_NODE_DURATION: '0.1' }, undefined, ['--observe', '8s']);
    const why = explain(r);
    const attempt = r.doc.transcript.attempts.at(-1)!;
    expect(attempt.headers?.server, why).toBe('uvicorn');
    expect(attempt.headers?.via, why).toBeUndefined();
    expect(attempt.headersMs! - attempt.requestedMs, why).toBeGreaterThan(1800); // measured: the head really waited
    const held = r.doc.findings.find((f) => f.code === 'head-held');
    expect(held, why).toBeDefined();
    expect(held!.layer, why).toBe('application');
    expect(held!.evidence, why).toBeDefined();
    expect(buffersOrProxies(r), why).toEqual([]);
  });

  it('persistence 8 s, window 1 s: early-404 with window-exhausted, the server wait ≈ 1 s measured', async () => {
    const r = await verifyPeers({ PEER_PERSIST_DELAY: '8', STREAM_DECISION_SET_MAX_WAIT: '1' }, undefined, ['--observe', '4s']);
    const why = explain(r);
    expect(r.doc.outcome, why).toBe('early-404');
    expect(r.doc.transcript.attempts[0]?.status, why).toBe(404);
    const wait = r.doc.timings.serverWaitMs ?? r.doc.timings.notFoundWaitMs;
    expect(wait, why).toBeGreaterThanOrEqual(900);
    expect(wait, why).toBeLessThanOrEqual(1800);
    expect(r.doc.findings.map((f) => f.code), why).toContain('window-exhausted');
    expect(`${r.doc.detail} ${r.doc.hint}`, `the advice is about the window, not "poll before answering 404"\n${why}`).not.toMatch(/poll before answering/i);
    expect(buffersOrProxies(r), why).toEqual([]);
  });

  it("Starlette's GZipMiddleware (no flush): compressed, compression-holds-events, while identity shows events", async () => {
    const r = await verifyPeers({ PEER_GZIP: '1', PEER_NODE_DURATION: '0.2' }, undefined, ['--observe', '2.5s']);
    const why = explain(r);
    const attempt = r.doc.transcript.attempts.at(-1)!;
    expect(attempt.acceptEncoding, `verify attaches with a browser's Accept-Encoding by default\n${why}`).toMatch(/gzip/);
    expect(attempt.headers?.['content-encoding'], why).toBe('gzip');
    const codes = r.doc.findings.map((f) => f.code);
    expect(codes, why).toContain('compressed');
    expect(codes, why).toContain('compression-holds-events');
    expect(r.doc.outcome, why).not.toBe('healthy');
    const identity = r.doc.transcript.encodingCheck;
    expect(identity?.acceptEncoding, why).toBe('identity');
    expect(identity?.transcript.attempts.at(-1)?.counts['node-complete'], why).toBeGreaterThan(0);
    expect(buffersOrProxies(r, /proxy|proxies/i), why).toEqual([]); // no proxy in the path
  });

  it('load: the server wait of every run inferred from GET → head (no "waits unknown"), ≈ the persistence delay', async () => {
    const r = await loadPeers({ PEER_PERSIST_DELAY: '0.5', PEER_NODE_DURATION: '0.05' }, ['-n', '6', '-c', '3', '--observe', '5s']);
    const wait = r.doc.metrics['server-wait'];
    expect(wait, r.explain).toBeDefined();
    expect(wait!.count, r.explain).toBe(6);
    expect(wait!.inferred, `every wait is labelled inferred\n${r.explain}`).toBe(6);
    expect(wait!.p50, r.explain).toBeGreaterThanOrEqual(400);
    expect(wait!.max, r.explain).toBeLessThanOrEqual(1500);
  });

  it('load: persistence 8 s, window 1 s: every run an early 404 whose server wait ≈ the 1 s window', async () => {
    const r = await loadPeers({ PEER_PERSIST_DELAY: '8', STREAM_DECISION_SET_MAX_WAIT: '1' }, ['-n', '4', '-c', '4', '--attempts', '0', '--observe', '3s']);
    expect(r.doc.outcomes, r.explain).toEqual([expect.objectContaining({ code: 'early-404', count: 4 })]);
    const notFound = r.doc.metrics['not-found-wait'];
    expect(notFound, r.explain).toBeDefined();
    expect(notFound!.count, r.explain).toBe(4);
    expect(notFound!.inferred, r.explain).toBe(4);
    expect(notFound!.min, r.explain).toBeGreaterThanOrEqual(900);
    expect(notFound!.max, r.explain).toBeLessThanOrEqual(2000);
  });
});
