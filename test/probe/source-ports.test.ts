/**
 * Source ports for `--local-address` connections: a cycle over a range (pure), and a connector
 * that binds each connection to its address and a chosen port, skipping ports that are taken,
 * checked on the wire against plain and TLS servers on loopback.
 */
import { createServer, type Server, type Socket } from 'node:net';
import { createSecureServer } from 'node:http2';
import { createServer as createTlsServer } from 'node:tls';
import { afterEach, describe, expect, it } from 'vitest';
import { Agent, request } from 'undici';
import { PortCycle, sourcePortConnector } from '../../src/probe/source-ports.js';
import { makePki } from '../helpers/tls-peers.js';

describe('PortCycle', () => {
  it.each([
    // [why, lo, hi, start, ports taken in turn]
    ['from the start, wrapping to lo', 100, 103, 102, [102, 103, 100, 101, 102]],
    ['a start below the range begins at lo', 100, 102, 5, [100, 101, 102, 100]],
    ['a start above the range begins at hi', 100, 102, 900, [102, 100, 101]],
    ['a range of one port', 7, 7, 7, [7, 7, 7]],
  ])('%s', (_why, lo, hi, start, want) => {
    const cycle = new PortCycle(lo, hi, start);
    expect(want.map(() => cycle.take())).toEqual(want);
    expect(cycle.size).toBe(hi - lo + 1);
  });

  it.each([
    // [random, where the walk goes on]
    [0, 100],
    [0.5, 105],
    [0.999, 109],
    [1, 109], // never past hi, even for a random of exactly 1
  ])('jump(%s) goes on from %s', (random, want) => {
    const cycle = new PortCycle(100, 109, 103);
    cycle.take();
    cycle.jump(random);
    expect([cycle.take(), cycle.take()]).toEqual([want, want === 109 ? 100 : want + 1]);
  });

  it('a random start stays inside the range', () => {
    for (let i = 0; i < 200; i++) {
      const p = new PortCycle(40_000, 40_009).take();
      expect(p).toBeGreaterThanOrEqual(40_000);
      expect(p).toBeLessThanOrEqual(40_009);
    }
  });
});

const closers: (() => unknown)[] = [];
afterEach(async () => {
  for (const close of closers.splice(0).reverse()) await close();
});

/** A loopback HTTP server that answers 200 with the peer's address and port as the body. */
async function peerEcho(server: Server): Promise<number> {
  const sockets = new Set<Socket>();
  server.on('connection', (s) => (sockets.add(s), s.on('close', () => sockets.delete(s))));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  closers.push(() => new Promise((resolve) => (sockets.forEach((s) => s.destroy()), server.close(resolve))));
  return (server.address() as { port: number }).port;
}
function answer(socket: Socket): void {
  socket.once('data', () => {
    const body = `${socket.remoteAddress}:${socket.remotePort}`;
    socket.write(`HTTP/1.1 200 OK\r\ncontent-length: ${body.length}\r\nconnection: close\r\n\r\n${body}`);
  });
}

/** Free ports on 127.0.0.3 to use as a tiny range: bound for a moment, then released. */
async function freePorts(n: number): Promise<number[]> {
  const servers = await Promise.all(
    Array.from({ length: n }, () => new Promise<Server>((resolve) => { const s = createServer(); s.listen(0, '127.0.0.3', () => resolve(s)); })),
  );
  const ports = servers.map((s) => (s.address() as { port: number }).port).sort((a, b) => a - b);
  await Promise.all(servers.map((s) => new Promise((resolve) => s.close(resolve))));
  return ports;
}

/** `n` consecutive ports free on 127.0.0.3 (checked by binding each for a moment), from a random base. */
async function consecutivePorts(n: number): Promise<number[]> {
  const bindable = (p: number): Promise<boolean> =>
    new Promise((resolve) => {
      const s = createServer();
      s.once('error', () => resolve(false));
      s.listen(p, '127.0.0.3', () => s.close(() => resolve(true)));
    });
  for (;;) {
    const base = 20_000 + Math.floor(Math.random() * 10_000); // below the ephemeral range: no other test's ports
    const ports = Array.from({ length: n }, (_, i) => base + i);
    if ((await Promise.all(ports.map(bindable))).every(Boolean)) return ports;
  }
}

/** A port on 127.0.0.3 held by a listener for the test: binding it for a connection fails with EADDRINUSE. */
async function takenPort(): Promise<number> {
  const [p] = await freePorts(1);
  const blocker = createServer();
  await new Promise<void>((resolve) => blocker.listen(p, '127.0.0.3', resolve));
  closers.push(() => new Promise((resolve) => blocker.close(resolve)));
  return p!;
}

async function get(agent: Agent, url: string): Promise<string> {
  const res = await request(url, { dispatcher: agent });
  return res.body.text();
}

describe('sourcePortConnector', () => {
  it('binds the address and the ports it chose, in turn (plain HTTP)', async () => {
    const port = await peerEcho(createServer(answer));
    const [p] = await freePorts(1);
    const agent = new Agent({ connect: sourcePortConnector({ localAddress: '127.0.0.3', timeoutMs: 2000, ports: new PortCycle(p!, p! + 2, p!) }) });
    closers.push(() => agent.close());
    const seen: string[] = [];
    for (let i = 0; i < 3; i++) seen.push(await get(agent, `http://127.0.0.1:${port}/`));
    // Each answer closes its connection, so each request took a new source port, or skipped a taken one.
    expect(seen.every((s) => s.startsWith('127.0.0.3:'))).toBe(true);
    const used = seen.map((s) => Number(s.split(':')[1]));
    expect(new Set(used).size).toBe(3);
    for (const u of used) expect(u >= p! && u <= p! + 2).toBe(true);
  });

  it('skips a port that is taken and uses the next one', async () => {
    const port = await peerEcho(createServer(answer));
    const p = await takenPort();
    const agent = new Agent({ connect: sourcePortConnector({ localAddress: '127.0.0.3', timeoutMs: 2000, ports: new PortCycle(p, p + 1, p) }) });
    closers.push(() => agent.close());
    const seen = await get(agent, `http://127.0.0.1:${port}/`);
    expect(seen).toBe(`127.0.0.3:${p + 1}`);
  });

  it('jumps out of a block of taken ports longer than its tries (another process walking the same address)', async () => {
    const port = await peerEcho(createServer(answer));
    // 120 consecutive ports on 127.0.0.3, the first 70 held by listeners: stepping one by one, 64 tries end inside the
    // block; jumping, each try finds a free port with a chance of 50 in 120 (all 56 jumps miss: ≈ 1e-13).
    const block = await consecutivePorts(120);
    for (const p of block.slice(0, 70)) {
      const blocker = createServer();
      await new Promise<void>((resolve) => blocker.listen(p, '127.0.0.3', resolve));
      closers.push(() => new Promise((resolve) => blocker.close(resolve)));
    }
    const agent = new Agent({ connect: sourcePortConnector({ localAddress: '127.0.0.3', timeoutMs: 2000, ports: new PortCycle(block[0]!, block[119]!, block[0]!) }) });
    closers.push(() => agent.close());
    const used = Number((await get(agent, `http://127.0.0.1:${port}/`)).split(':')[1]);
    expect(used).toBeGreaterThanOrEqual(block[70]!);
    expect(used).toBeLessThanOrEqual(block[119]!);
  });

  it('fails with the port error once every port of the range is taken (the client limit)', async () => {
    const port = await peerEcho(createServer(answer));
    const p = await takenPort();
    const agent = new Agent({ connect: sourcePortConnector({ localAddress: '127.0.0.3', timeoutMs: 2000, ports: new PortCycle(p, p, p) }) });
    closers.push(() => agent.close());
    await expect(get(agent, `http://127.0.0.1:${port}/`)).rejects.toMatchObject({ code: 'EADDRINUSE' });
  });

  it('speaks TLS with the given trust, from the chosen address and port', async () => {
    const pki = makePki();
    closers.push(() => pki.remove());
    const port = await peerEcho(createTlsServer({ key: pki.pem(pki.serverKey), cert: pki.pem(pki.serverCert) }, answer));
    const [p] = await freePorts(1);
    const agent = new Agent({
      connect: sourcePortConnector({ localAddress: '127.0.0.3', timeoutMs: 2000, tls: { ca: pki.pem(pki.caCert) }, ports: new PortCycle(p!, p! + 3, p!) }),
    });
    closers.push(() => agent.close());
    const seen = await get(agent, `https://127.0.0.1:${port}/`);
    expect(seen.startsWith('127.0.0.3:')).toBe(true);
  });

  it('offers h2 by ALPN when asked (--http2), and undici then speaks HTTP/2', async () => {
    const pki = makePki();
    closers.push(() => pki.remove());
    const server = createSecureServer({ key: pki.pem(pki.serverKey), cert: pki.pem(pki.serverCert), allowHTTP1: true }, (req, res) => {
      res.end(`${req.httpVersion} ${req.socket.remoteAddress}`);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    closers.push(() => new Promise((resolve) => server.close(resolve)));
    const port = (server.address() as { port: number }).port;
    const agent = new Agent({
      allowH2: true,
      connect: sourcePortConnector({ localAddress: '127.0.0.3', timeoutMs: 2000, tls: { ca: pki.pem(pki.caCert) }, allowH2: true }),
    });
    closers.push(() => agent.destroy());
    expect(await get(agent, `https://127.0.0.1:${port}/`)).toBe('2.0 127.0.0.3');
  });
});
