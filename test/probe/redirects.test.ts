/**
 * Redirects on the stream request, followed hop by hop as a browser's fetch does (up to 20),
 * each hop recorded; loops and too-long chains end as the HTTP answer they are.
 */
import { describe, expect, it } from 'vitest';
import { classify } from '../../src/classify/classify.js';
import { runProbe } from '../../src/probe/run-probe.js';
import { chunk, enqueueThen, startRawServer } from '../helpers/raw-server.js';

const redirect = (status: number, location: string): string =>
  `HTTP/1.1 ${status} Moved\r\nlocation: ${location}\r\ncontent-type: text/plain\r\ncontent-length: 5\r\n\r\nmoved`;
const stream = (socket: import('node:net').Socket): void => {
  socket.write('HTTP/1.1 200 OK\r\ncontent-type: text/event-stream\r\ntransfer-encoding: chunked\r\n\r\n');
  socket.write(chunk('event: node-start\ndata: {"node": "a"}\n\nevent: workflow-complete\ndata: {}\n\n'));
};
const fast = { timeoutMs: 3000, observeMs: 5000, attempts: 0 };

describe('stream redirects', () => {
  it('a 302 to the real stream: followed, recorded with its status, location and time', async () => {
    const server = await startRawServer(
      enqueueThen((req, socket) => {
        if (req.path.startsWith('/api/streams/')) return void socket.end(redirect(302, '/real/ds-1?token=s3cret'));
        stream(socket);
      }),
    );
    const t = await runProbe({ ...fast, baseUrl: server.url });
    await server.close();
    const a = t.attempts[0]!;
    expect(server.requests.map((r) => r.path)).toEqual(['/api/chat/async', '/api/streams/ds-1', '/real/ds-1?token=s3cret']);
    expect(a.redirects).toHaveLength(1);
    expect(a.redirects![0]).toMatchObject({ status: 302, location: expect.stringMatching(/^http:\/\/127\.0\.0\.1:\d+\/real\/ds-1\?token=/) });
    expect(a.redirects![0]!.location).not.toContain('s3cret'); // redacted
    expect(a.redirects![0]!.atMs).toBeLessThanOrEqual(a.headersMs!);
    expect(a.status).toBe(200);
    expect(classify(t).outcome).toBe('healthy');
  });

  it('an A→B→A loop stops at the second sight of A, as an HTTP answer (not unreachable)', async () => {
    const server = await startRawServer(
      enqueueThen((req, socket) => {
        if (req.path.startsWith('/api/streams/')) return void socket.end(redirect(307, '/b'));
        if (req.path === '/b') return void socket.end(redirect(301, '/api/streams/ds-1'));
        stream(socket);
      }),
    );
    const t = await runProbe({ ...fast, baseUrl: server.url });
    await server.close();
    const a = t.attempts[0]!;
    expect(server.requests.map((r) => r.path)).toEqual(['/api/chat/async', '/api/streams/ds-1', '/b']);
    expect(a.redirects!.map((r) => r.status)).toEqual([307, 301]);
    expect(a).toMatchObject({ status: 301, end: 'rejected', bodyPreview: 'moved' });
    expect(a.headers!.location).toBe('/api/streams/ds-1');
    expect(a.error).toBeUndefined();
    expect(classify(t).outcome).toBe('http-error');
  });

  it('a 6-hop chain reaches the stream (fetch follows 20)', async () => {
    const server = await startRawServer(
      enqueueThen((req, socket) => {
        const m = /^\/hop\/(\d+)$/.exec(req.path);
        const n = req.path.startsWith('/api/streams/') ? 0 : m ? Number(m[1]) : -1;
        if (n >= 0 && n < 6) return void socket.end(redirect(308, `/hop/${n + 1}`));
        stream(socket);
      }),
    );
    const t = await runProbe({ ...fast, baseUrl: server.url });
    await server.close();
    expect(t.attempts[0]!.redirects).toHaveLength(6);
    expect(classify(t).outcome).toBe('healthy');
  });

  it('a 6-hop chain past a limit of 5 stops at the limit with the 3xx', async () => {
    const server = await startRawServer(
      enqueueThen((req, socket) => {
        const m = /^\/hop\/(\d+)$/.exec(req.path);
        const n = req.path.startsWith('/api/streams/') ? 0 : m ? Number(m[1]) : -1;
        if (n >= 0 && n < 6) return void socket.end(redirect(302, `/hop/${n + 1}`));
        stream(socket);
      }),
    );
    const t = await runProbe({ ...fast, baseUrl: server.url, maxRedirects: 5 });
    await server.close();
    const a = t.attempts[0]!;
    expect(a.redirects).toHaveLength(6); // five followed, the sixth recorded and not followed
    expect(server.requests.at(-1)!.path).toBe('/hop/5');
    expect(a).toMatchObject({ status: 302, end: 'rejected' });
    expect(classify(t).outcome).toBe('http-error');
  });

  it('an endless chain of new URLs stops after 20 hops', async () => {
    let hop = 0;
    const server = await startRawServer(enqueueThen((_req, socket) => void socket.end(redirect(302, `/next/${++hop}`))));
    const t = await runProbe({ ...fast, baseUrl: server.url });
    await server.close();
    expect(t.attempts[0]!.redirects).toHaveLength(21);
    expect(server.requests).toHaveLength(1 + 21); // the POST, the stream GET, 20 hops
    expect(classify(t).outcome).toBe('http-error');
  });
});
