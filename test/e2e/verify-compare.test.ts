/**
 * `verify --compare`: the embedded healthy server (path a) against a raw-bytes server (path b)
 * that misbehaves the way a proxy or CDN does; the built CLI names the difference.
 */
import type { Socket } from 'node:net';
import { createGzip } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import type { PathDifference } from '../../src/classify/compare.js';
import { ssedoctor } from '../helpers/cli.js';
import { chunk, enqueueThen, jsonResponse, sleep, startRawServer, type RawScript } from '../helpers/raw-server.js';

const noCi = { CI: '', GITHUB_ACTIONS: '' };
const HEAD = 'HTTP/1.1 200 OK\r\ncontent-type: text/event-stream\r\ncache-control: no-cache\r\ntransfer-encoding: chunked\r\n';
const events = (n: number): string =>
  Array.from({ length: n }, (_, i) => `event: node-start\r\ndata: {"node": "n${i}"}\r\n\r\n`).join('');
const TERMINAL = 'event: workflow-complete\r\ndata: {}\r\n\r\n';

interface CompareDoc {
  outcome: string;
  target: { baseUrl: string };
  compare: { a: { outcome: string; target: { baseUrl: string } }; b: { outcome: string }; differences: PathDifference[] };
}

/** Runs verify (embedded healthy) --compare a raw server running `stream`; returns the JSON and exit code. */
async function compareWith(stream: RawScript, extra: string[] = []): Promise<{ code: number | null; doc: CompareDoc; stderr: string }> {
  const server = await startRawServer(
    enqueueThen((req, socket) => {
      // The job-status lookup a silent stream triggers: the job runs.
      if (req.path.startsWith('/api/jobs/')) return void socket.end(jsonResponse(200, { status: 'running' }));
      return stream(req, socket);
    }),
  );
  try {
    const r = await ssedoctor(['verify', '--compare', server.url, '--json', '--observe', '4s', ...extra], noCi);
    return { code: r.code, doc: JSON.parse(r.stdout) as CompareDoc, stderr: r.stderr };
  } finally {
    await server.close();
  }
}

const codes = (d: CompareDoc): string[] => d.compare.differences.map((x) => `${x.code}@${x.path}`);

describe('verify --compare', () => {
  it('head held until the first byte via b, behind a proxy that says so', async () => {
    const { code, doc } = await compareWith(async (_req, socket: Socket) => {
      await sleep(1800);
      socket.write(`${HEAD}via: 1.1 edge-proxy\r\n\r\n`);
      socket.write(chunk(events(1)));
      for (let i = 0; i < 3; i++) {
        await sleep(60);
        socket.write(chunk(events(1)));
      }
      socket.write(chunk(TERMINAL));
    });
    expect(code).toBe(0); // both healthy: the head was late, not lost
    expect(codes(doc)).toContain('head-held@b');
    const held = doc.compare.differences.find((d) => d.code === 'head-held')!;
    expect(held.layer).toContain('via: 1.1 edge-proxy');
    expect(held.evidence.b.headWaitMs as number).toBeGreaterThan(1500);
    expect(held.evidence.a.headWaitMs as number).toBeLessThan(500);
    expect(held.fix).toMatch(/: ok/);
    expect(doc.compare.a).toEqual(expect.objectContaining({ outcome: doc.outcome, target: doc.target })); // main = path a
  });

  it('every event at close via b (a buffering layer)', async () => {
    const { doc } = await compareWith(async (_req, socket) => {
      socket.write(`${HEAD}\r\n`);
      await sleep(800);
      socket.end(Buffer.concat([chunk(events(5) + TERMINAL), Buffer.from('0\r\n\r\n')]));
    });
    expect(codes(doc)).toContain('at-close@b');
    expect(doc.compare.differences.find((d) => d.code === 'at-close')!.fix).toMatch(/proxy_buffering off|X-Accel-Buffering: no/);
  });

  it('gzip via b only: nothing reaches the client there; exit is the worse outcome', async () => {
    const { code, doc } = await compareWith(async (_req, socket) => {
      socket.write(`${HEAD}content-encoding: gzip\r\n\r\n`);
      const gz = createGzip(); // never flushed: events wait for a full block
      gz.on('data', (b: Buffer) => socket.write(chunk(b)));
      for (let i = 0; i < 20 && !socket.destroyed; i++) {
        gz.write(events(1));
        await sleep(100);
      }
    }, ['--observe', '2s']);
    expect(codes(doc)).toContain('compressed@b');
    expect(doc.compare.b.outcome).not.toBe('healthy');
    expect(doc.compare.a.outcome).toBe('healthy');
    expect(code).toBe(1);
    expect(doc.compare.differences.find((d) => d.code === 'compressed')!.fix).toMatch(/gzip_types/);
  });

  it('idle cut-off via b: closed ≈1.5 s after the last byte', async () => {
    const { code, doc } = await compareWith(async (_req, socket) => {
      socket.write(`${HEAD}\r\n`);
      socket.write(chunk(events(2)));
      await sleep(1500);
      socket.end('0\r\n\r\n');
    });
    expect(code).toBe(1);
    expect(codes(doc)).toContain('idle-cutoff@b');
    const cut = doc.compare.differences.find((d) => d.code === 'idle-cutoff')!;
    expect(cut.evidence.b.idleBeforeCloseMs as number).toBeGreaterThan(1300);
    expect(cut.evidence.a.idleBeforeCloseMs).toBeNull();
    expect(cut.fix).toMatch(/every 1 s.*proxy_read_timeout 1h/);
  });

  it('the text report lists both paths and the difference with its fix', async () => {
    const server = await startRawServer(
      enqueueThen(async (_req, socket) => {
        socket.write(`${HEAD}\r\n`);
        socket.write(chunk(events(2)));
        await sleep(1200);
        socket.end('0\r\n\r\n');
      }),
    );
    try {
      const r = await ssedoctor(['verify', '--compare', `${server.url}/?token=cmp-s3cret`], noCi);
      expect(r.code).toBe(1);
      expect(r.stdout).toMatch(/^compare$/m);
      expect(r.stdout).toMatch(/path a .*✔ healthy/);
      expect(r.stdout).toMatch(/path b .*✖ closed-early/);
      expect(r.stdout).toMatch(/idle-cutoff \(path b\) the stream was closed 1\.\d\d s after its last byte/);
      expect(r.stdout).toMatch(/path b:.*last byte → close 1\.\d\d s/);
      expect(r.stdout).toMatch(/fix: send a comment/);
      expect(r.stdout).not.toMatch(/cmp-s3cret/);
    } finally {
      await server.close();
    }
  });
});
