/**
 * verify through Debian's nginx, started by the test with the classic SSE configurations
 * (test/peers/nginx/*.conf), in front of the FastAPI origin app under uvicorn. The app sends no
 * x-lookup-* headers. Each case names what nginx 1.22 measurably does with that configuration; the
 * diagnosis must follow the evidence: a proxy named only where its header and its timing show it,
 * buffering only where events arrived late.
 */
import { describe, expect, it, vi } from 'vitest';
import { buffersOrProxies, explain, peersAvailable, verifyPeers } from '../helpers/peers.js';

const run = peersAvailable('peers-nginx.test');

/** Events stamped by the app over ≥ 2 s (3 nodes × 0.7 s), live after the stream opened. */
const SPREAD_EVENTS = { PEER_WORKER_DELAY: '0.5', PEER_NODE_DURATION: '0.7', PEER_END_AFTER_COMPLETE: '1' } as const;

// The cases wait on sleeps and timeouts, not on the CPU: three at a time keep the suite short while
// leaving the shared cores room for the peers' own timing.
vi.setConfig({ maxConcurrency: 3 });

describe.skipIf(!run)('verify through nginx', { concurrent: true }, () => {
  it('sane proxy (proxy_buffering off, HTTP/1.1): healthy, the server wait inferred ≈ the persistence delay, no buffering', async () => {
    const r = await verifyPeers({ PEER_PERSIST_DELAY: '0.5', PEER_WORKER_DELAY: '1', PEER_NODE_DURATION: '0.2' }, 'sane', ['--observe', '8s']);
    const why = explain(r);
    expect(r.doc.transcript.attempts.at(-1)?.headers?.server, why).toMatch(/^nginx/);
    expect(r.doc.outcome, why).toBe('healthy');
    expect(r.doc.timings.serverWaitMs, why).toBeGreaterThanOrEqual(400);
    expect(r.doc.timings.serverWaitMs, why).toBeLessThanOrEqual(1200);
    const codes = r.doc.findings.map((f) => f.code);
    for (const code of ['body-buffered', 'head-held', 'proxy-buffering', 'compressed', 'idle-cutoff']) expect(codes, why).not.toContain(code);
    expect(r.doc.findings.filter((f) => f.layer === 'proxy'), why).toEqual([]);
    expect(buffersOrProxies(r, /buffer/i), why).toEqual([]);
  });

  it("default nginx honouring the app's X-Accel-Buffering: no: healthy, no buffering finding", async () => {
    const r = await verifyPeers({ PEER_WORKER_DELAY: '0.5', PEER_NODE_DURATION: '0.4' }, 'default', ['--observe', '8s']);
    const why = explain(r);
    expect(r.doc.outcome, why).toBe('healthy');
    const codes = r.doc.findings.map((f) => f.code);
    for (const code of ['body-buffered', 'head-held', 'proxy-buffering']) expect(codes, why).not.toContain(code);
    expect(buffersOrProxies(r, /buffer/i), why).toEqual([]);
  });

  // Measured with nginx 1.22: buffered, with the default HTTP/1.0 to the upstream, nginx holds the
  // response head too (it waits in the output chain for the first body buffer), so head, first byte and
  // every event arrive together when the upstream ends. The events' own timestamps, later than the GET,
  // show they were live, not history; Server: nginx is the evidence of a proxy.
  /** Asserts the diagnosis of a stream held whole by nginx. */
  function expectHeldByProxy(r: Awaited<ReturnType<typeof verifyPeers>>): void {
    const why = explain(r);
    const attempt = r.doc.transcript.attempts.at(-1)!;
    expect(attempt.headers?.server, why).toMatch(/^nginx/);
    expect(attempt.headersMs! - attempt.requestedMs, `nginx held the head until the upstream ended\n${why}`).toBeGreaterThan(1800);
    const buffered = r.doc.findings.find((f) => f.code === 'body-buffered');
    expect(buffered, why).toBeDefined();
    expect(buffered!.layer, why).toBe('proxy');
    expect(buffered!.evidence, why).toBeDefined();
    const codes = r.doc.findings.map((f) => f.code);
    expect(codes, `events stamped after the GET are live, not replayed history\n${why}`).not.toContain('replayed');
    expect(codes, `the app streamed before the head arrived: no slow lookup\n${why}`).not.toContain('slow-lookup');
    for (const f of r.doc.findings.filter((f) => f.code === 'head-held')) expect(f.layer, why).toBe('proxy');
  }

  it('buffering on with X-Accel-Buffering ignored: events held until the upstream ends → body-buffered, layer proxy', async () => {
    expectHeldByProxy(await verifyPeers(SPREAD_EVENTS, 'buffering-ignored', ['--observe', '8s']));
  });

  it('default nginx and an app without X-Accel-Buffering: the same buffering, found the same way', async () => {
    expectHeldByProxy(await verifyPeers({ ...SPREAD_EVENTS, PEER_ACCEL_HEADER: '0' }, 'default', ['--observe', '8s']));
  });

  it('--compare direct vs through the buffering nginx: the difference is on the nginx path, and nginx is named', async () => {
    const r = await verifyPeers(SPREAD_EVENTS, 'buffering-ignored', ['--observe', '8s'], 'compare');
    const why = explain(r);
    const compare = r.doc.compare as { a: { outcome: string }; differences: { code: string; path: string; layer: string; fix?: string }[] } | undefined;
    expect(compare, why).toBeDefined();
    expect(compare!.a.outcome, `direct to uvicorn the stream is healthy\n${why}`).toBe('healthy');
    const onB = compare!.differences.filter((d) => d.path === 'b');
    expect(onB.map((d) => d.code), `${JSON.stringify(compare!.differences, null, 1)}\n${why}`).toEqual(expect.arrayContaining(['head-held']));
    expect(onB.some((d) => ['buffered', 'at-close'].includes(d.code)), `${JSON.stringify(compare!.differences, null, 1)}\n${why}`).toBe(true);
    expect(onB.every((d) => /nginx/.test(d.layer)), `${JSON.stringify(compare!.differences, null, 1)}\n${why}`).toBe(true);
    expect(compare!.differences.filter((d) => d.path === 'a' && d.code !== 'proxy-headers'), why).toEqual([]);
  });

  it('the same buffering with proxy_http_version 1.1: each upstream chunk passed on at once, so no buffering finding', async () => {
    const r = await verifyPeers(SPREAD_EVENTS, 'buffering-http11', ['--observe', '8s']);
    const why = explain(r);
    expect(r.doc.outcome, why).toBe('healthy');
    const codes = r.doc.findings.map((f) => f.code);
    for (const code of ['body-buffered', 'head-held', 'proxy-buffering', 'replayed']) expect(codes, why).not.toContain(code);
    expect(buffersOrProxies(r, /buffer/i), why).toEqual([]);
  });

  it('gzip on for text/event-stream, unbuffered (the app sends X-Accel-Buffering: no): compressed, yet flushed per event, so healthy', async () => {
    // Measured with nginx 1.22: an unbuffered upstream marks every chunk for flushing, and the gzip
    // filter answers with Z_SYNC_FLUSH, so a browser gets each event on time, compressed.
    const r = await verifyPeers({ PEER_WORKER_DELAY: '0.5', PEER_NODE_DURATION: '0.4' }, 'gzip', ['--observe', '8s']);
    const why = explain(r);
    const attempt = r.doc.transcript.attempts.at(-1)!;
    expect(attempt.acceptEncoding, `verify attaches with a browser's Accept-Encoding by default\n${why}`).toMatch(/gzip/);
    expect(attempt.headers?.['content-encoding'], why).toBe('gzip');
    const codes = r.doc.findings.map((f) => f.code);
    expect(codes, why).toContain('compressed');
    expect(codes, why).not.toContain('compression-holds-events');
    expect(codes, why).not.toContain('body-buffered');
    expect(r.doc.outcome, why).toBe('healthy');
  });

  it("an app compressing without flush (GZipMiddleware) behind the sane proxy: compression-holds-events, identity shows events", async () => {
    const r = await verifyPeers({ PEER_GZIP: '1', PEER_NODE_DURATION: '0.2' }, 'sane', ['--observe', '2.5s']);
    const why = explain(r);
    const codes = r.doc.findings.map((f) => f.code);
    expect(codes, why).toContain('compressed');
    expect(codes, why).toContain('compression-holds-events');
    expect(r.doc.outcome, why).not.toBe('healthy');
    expect(r.doc.transcript.encodingCheck?.transcript.attempts.at(-1)?.counts['node-complete'], why).toBeGreaterThan(0);
    expect(r.doc.hint ?? '', why).not.toMatch(/lookup that waits longer than --timeout/);
  });

  it('proxy_read_timeout 2s and an app that goes idle: closed-early with idle-cutoff ≈ 2 s after the last byte', async () => {
    // Three frames, then nothing: no event, no ping (every 30 s) for nginx to pass on.
    const r = await verifyPeers({ PEER_STALL_AFTER: '3', PEER_PING_INTERVAL: '30', PEER_NODE_DURATION: '0.1' }, 'short-read-timeout', ['--observe', '8s']);
    const why = explain(r);
    expect(r.doc.outcome, why).toBe('closed-early');
    const attempt = r.doc.transcript.attempts.at(-1)!;
    // nginx ends the response without the terminating chunk: the client sees a broken stream, not an end.
    expect(attempt.end, why).toBe('error');
    const idle = attempt.endMs! - attempt.lastByteMs!;
    expect(idle, `measured last byte → close\n${why}`).toBeGreaterThan(1800);
    expect(idle, why).toBeLessThan(3500);
    const cutoff = r.doc.findings.find((f) => f.code === 'idle-cutoff');
    expect(cutoff, why).toBeDefined();
    expect(cutoff!.message, why).toMatch(/\b(1\.[89]|2(\.[0-2])?)\d*\s?s\b/); // ≈ 2 s, as measured
    expect(Object.values(cutoff!.evidence ?? {}).some((v) => typeof v === 'number' && v > 1800 && v < 3500), `evidence carries the ≈2 s gap\n${why}`).toBe(true);
    expect(buffersOrProxies(r, /buffer/i), why).toEqual([]);
  });

  it('persistence 8 s, window 1 s, through the sane proxy: early-404 with window-exhausted, the server wait ≈ 1 s', async () => {
    const r = await verifyPeers({ PEER_PERSIST_DELAY: '8', STREAM_DECISION_SET_MAX_WAIT: '1' }, 'sane', ['--observe', '4s']);
    const why = explain(r);
    expect(r.doc.outcome, why).toBe('early-404');
    const wait = r.doc.timings.serverWaitMs ?? r.doc.timings.notFoundWaitMs;
    expect(wait, why).toBeGreaterThanOrEqual(900);
    expect(wait, why).toBeLessThanOrEqual(1800);
    expect(r.doc.findings.map((f) => f.code), why).toContain('window-exhausted');
    expect(buffersOrProxies(r, /buffer/i), why).toEqual([]);
  });
});
