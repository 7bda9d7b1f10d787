/**
 * What a browser sees: the stream is requested with a browser's Accept-Encoding and decoded;
 * a compressed stream that delivers no progress gets an identity comparison run.
 */
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { classify } from '../../src/classify/classify.js';
import { runProbe } from '../../src/probe/run-probe.js';
import type { ProbeStep } from '../../src/probe/steps.js';
import { startReferenceServer } from '../../src/server/index.js';
import { chunk, enqueueThen, startRawServer } from '../helpers/raw-server.js';

const quiet = { log: { level: 'off', format: 'text' } } as const;
const fast = { retryDelayMs: 300, timeoutMs: 5000, observeMs: 2500 };

describe('Accept-Encoding', () => {
  it('default: a non-flushing gzip stream is silent for the browser; the identity check run gets the events', async () => {
    const server = await startReferenceServer({ ...quiet, scenario: 'compressed' });
    const steps: ProbeStep[] = [];
    const t = await runProbe({ ...fast, baseUrl: server.url, onStep: (s) => steps.push(s) }).finally(() => server.close());
    const a = t.attempts[0]!;
    expect(a.acceptEncoding).toBe('gzip, deflate, br');
    expect(a.headers!['content-encoding']).toBe('gzip');
    expect(a.counts['node-start'] ?? 0).toBe(0);
    expect(t.encodingCheck).toBeDefined();
    expect(t.encodingCheck!.acceptEncoding).toBe('identity');
    const check = t.encodingCheck!.transcript;
    expect(check.enqueue.id).toBeDefined();
    expect(check.enqueue.id).not.toBe(t.enqueue.id); // a second job
    expect(check.attempts).toHaveLength(1);
    expect(check.attempts[0]!.acceptEncoding).toBe('identity');
    expect(check.attempts[0]!.headers!['content-encoding']).toBeUndefined();
    expect(check.attempts[0]!.counts['node-complete']).toBeGreaterThan(0);
    // The check's steps are on the main clock, after the main run's.
    const first = steps.findIndex((s) => s.kind === 'encoding-check');
    expect(first).toBeGreaterThan(0);
    expect(steps.slice(first + 1).every((s) => s.run === 'identity-check')).toBe(true);
    expect(steps[first + 1]!.atMs).toBeGreaterThan(a.endMs!);
  });

  it('identity only: the same server is healthy and no check runs', async () => {
    const server = await startReferenceServer({ ...quiet, scenario: 'compressed' });
    const t = await runProbe({ ...fast, observeMs: 10_000, baseUrl: server.url, encoding: 'identity' }).finally(() => server.close());
    expect(t.attempts[0]!.acceptEncoding).toBe('identity');
    expect(classify(t).outcome).toBe('healthy');
    expect(t.encodingCheck).toBeUndefined();
  });

  it('browser only (--compressed): silent, and no comparison run', async () => {
    const server = await startReferenceServer({ ...quiet, scenario: 'compressed' });
    const t = await runProbe({ ...fast, baseUrl: server.url, encoding: 'browser' }).finally(() => server.close());
    expect(t.attempts[0]!.counts['node-start'] ?? 0).toBe(0);
    expect(t.encodingCheck).toBeUndefined();
  });

  it('a gzip stream that flushes each event delivers progress: no check run, healthy', async () => {
    const server = await startRawServer(
      enqueueThen(async (_req, socket) => {
        socket.write('HTTP/1.1 200 OK\r\ncontent-type: text/event-stream\r\ncontent-encoding: gzip\r\ntransfer-encoding: chunked\r\n\r\n');
        // Two complete gzip members, one per event: a decoder yields each at once.
        socket.write(chunk(gzipSync('event: node-start\ndata: {"node": "a"}\n\n')));
        await new Promise((r) => setTimeout(r, 50));
        socket.write(chunk(gzipSync('event: workflow-complete\ndata: {}\n\n')));
      }),
    );
    const t = await runProbe({ ...fast, baseUrl: server.url }).finally(() => server.close());
    expect(server.requests[1]!.headers['accept-encoding']).toBe('gzip, deflate, br');
    expect(t.encodingCheck).toBeUndefined();
    expect(classify(t).outcome).toBe('healthy');
  });
});
