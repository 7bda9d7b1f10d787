/**
 * Connection timeouts like uvicorn's, on raw sockets: idle keep-alive connections close after 5 s
 * (uvicorn `timeout_keep_alive=5`), a request head or body that dribbles in is cut with 408, and a
 * stream response outlives all of them (Node times the request, not the response).
 */
import { connect, type Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { resolveServerOptions } from '../../src/server/options.js';
import { startReferenceServer, type ReferenceServer, type StartOptions } from '../../src/server/index.js';

const servers: ReferenceServer[] = [];
const sockets: Socket[] = [];
afterEach(async () => {
  for (const s of sockets.splice(0)) s.destroy();
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

async function start(options: StartOptions = {}): Promise<ReferenceServer> {
  const s = await startReferenceServer({ log: { level: 'off', format: 'text' }, ...options });
  servers.push(s);
  return s;
}

interface Conn {
  socket: Socket;
  /** Everything received so far, latin1. */
  received(): string;
  /** Resolves with ms since connect when the server closes the connection. */
  closed: Promise<number>;
  /** Resolves once `text` has been received. */
  waitFor(text: string): Promise<void>;
}

function open(server: ReferenceServer): Promise<Conn> {
  return new Promise((resolve, reject) => {
    const socket = connect(server.port, '127.0.0.1');
    sockets.push(socket);
    const t0 = performance.now();
    let data = '';
    const waiters: { text: string; done: () => void }[] = [];
    socket.on('data', (c: Buffer) => {
      data += c.toString('latin1');
      for (const w of waiters.filter((w) => data.includes(w.text))) w.done();
    });
    socket.on('error', () => undefined);
    const closed = new Promise<number>((r) => socket.once('close', () => r(performance.now() - t0)));
    socket.once('connect', () =>
      resolve({
        socket,
        received: () => data,
        closed,
        waitFor: (text) => (data.includes(text) ? Promise.resolve() : new Promise<void>((done) => waiters.push({ text, done }))),
      }),
    );
    socket.once('error', reject);
  });
}

const GET_PLAN = 'GET /api/workflow/plan HTTP/1.1\r\nHost: x\r\n\r\n';

describe('reference server: connection timeouts', () => {
  it('uses uvicorn-like defaults: keep-alive 5 s, head 10 s, request 30 s', () => {
    expect(resolveServerOptions()).toMatchObject({ keepAliveTimeoutMs: 5000, headersTimeoutMs: 10_000, requestTimeoutMs: 30_000 });
  });

  it('closes an idle keep-alive connection after 5 s by default, not before', async () => {
    const s = await start();
    const c = await open(s);
    c.socket.write(GET_PLAN);
    await c.waitFor('"graph_type"');
    const answeredMs = performance.now();
    expect(c.received()).toMatch(/^HTTP\/1\.1 200 OK\r\n/);
    expect(c.received()).toMatch(/\r\nKeep-Alive: timeout=5\r\n/i); // told to the client, as undici reads it
    await c.closed;
    const idleMs = performance.now() - answeredMs;
    expect(idleMs).toBeGreaterThan(4900);
    expect(idleMs).toBeLessThan(5800); // uvicorn's 5 s, not Node's 5 s + 1 s margin (6 s); generous for CI's two cores
  }, 15_000);

  it('keeps a connection that is used again within the keep-alive time', async () => {
    const s = await start({ keepAliveTimeoutMs: 600 });
    const c = await open(s);
    for (let i = 0; i < 3; i++) {
      c.socket.write(GET_PLAN);
      await new Promise((r) => setTimeout(r, 300));
    }
    expect(c.received().match(/HTTP\/1\.1 200 OK/g)).toHaveLength(3);
    expect(c.socket.destroyed).toBe(false);
    expect(await c.closed).toBeGreaterThan(1000); // three requests 300 ms apart, then 600 ms idle
  });

  it('answers 408 and closes when the request head dribbles in past the head timeout', async () => {
    const s = await start({ headersTimeoutMs: 400, requestTimeoutMs: 2000 });
    const c = await open(s);
    c.socket.write('GET /api/workflow/plan HTTP/1.1\r\nHost: x\r\n'); // never the blank line
    const ms = await c.closed;
    expect(c.received()).toMatch(/^HTTP\/1\.1 408 /);
    expect(ms).toBeGreaterThan(350);
    expect(ms).toBeLessThan(3000);
  });

  it('answers 408 and closes when a request body dribbles in past the request timeout (slow loris)', async () => {
    const s = await start({ headersTimeoutMs: 300, requestTimeoutMs: 800 });
    const c = await open(s);
    c.socket.write('POST /api/chat/async HTTP/1.1\r\nHost: x\r\ncontent-type: application/json\r\ncontent-length: 100\r\n\r\n{"messages"');
    const ms = await c.closed;
    expect(c.received()).toMatch(/^HTTP\/1\.1 408 /);
    expect(ms).toBeGreaterThan(700);
    expect(ms).toBeLessThan(4000);
  });

  it('lets a stream live past every timeout: they time the request, not the response', async () => {
    const s = await start({
      scenario: 'heartbeat-only',
      pingIntervalMs: 200,
      keepAliveTimeoutMs: 300,
      headersTimeoutMs: 300,
      requestTimeoutMs: 500,
    });
    const post = await open(s);
    const body = JSON.stringify({ messages: [{ role: 'user', content: 'hi' }] });
    post.socket.write(`POST /api/chat/async HTTP/1.1\r\nHost: x\r\ncontent-type: application/json\r\ncontent-length: ${body.length}\r\n\r\n${body}`);
    await post.waitFor('"status":"queued"');
    const id = /"decision_set_id":"([^"]+)"/.exec(post.received())![1]!;
    const c = await open(s);
    c.socket.write(`GET /api/streams/${id} HTTP/1.1\r\nHost: x\r\naccept: text/event-stream\r\n\r\n`);
    await c.waitFor('\r\n\r\n');
    await new Promise((r) => setTimeout(r, 2000)); // 4× the request timeout
    expect(c.socket.destroyed).toBe(false);
    expect(c.received()).toMatch(/^HTTP\/1\.1 200 OK\r\n/);
    expect(c.received().match(/: ping - /g)!.length).toBeGreaterThanOrEqual(5); // pings kept coming
    expect(s.stats().connections).toBeGreaterThanOrEqual(1);
  });
});
