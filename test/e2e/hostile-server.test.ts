/**
 * The hostile-server corpus: raw sockets that answer every way a server (or what stands in front
 * of it) can go wrong, each run through runProbe + diagnose. Every case must end in a classified
 * outcome, within its time budget (no hang), with bounded memory. The redirect loop lives with the
 * redirect tests.
 */
import { gzipSync, constants as zlib, createGzip } from 'node:zlib';
import type { Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { diagnose } from '../../src/classify/diagnose.js';
import { runProbe } from '../../src/probe/run-probe.js';
import type { ProbeOptions } from '../../src/probe/options.js';
import type { Transcript } from '../../src/model.js';
import { chunk, enqueueThen, sleep, sseHead, startRawServer, type RawScript, type RawServer } from '../helpers/raw-server.js';

const servers: RawServer[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

/** Short limits so that every case ends in seconds: nothing may wait for the 2 min default. */
const FAST: Partial<ProbeOptions> = {
  timeoutMs: 1000,
  observeMs: 2500,
  attempts: 0,
  retryDelayMs: 100,
  jobStatusPath: '', // the raw server answers every GET with the stream script
  encoding: 'identity',
};

interface Run {
  t: Transcript;
  code: string;
  detail: string;
  findings: string[];
  ms: number;
}

/** Enqueue answered properly, then `stream` for the GET; returns the diagnosis and wall time. */
async function probe(stream: RawScript, options: Partial<ProbeOptions> = {}): Promise<Run> {
  const server = await startRawServer(enqueueThen(stream));
  servers.push(server);
  const t0 = performance.now();
  const t = await runProbe({ baseUrl: server.url, ...FAST, ...options });
  const ms = performance.now() - t0;
  const d = diagnose(t);
  return { t, code: d.outcome.code, detail: d.detail, findings: d.findings.map((f) => f.code), ms };
}

const NODE_START = 'event: node-start\r\ndata: {"type": "node-start", "data": {"node": "planner"}}\r\n\r\n';
const COMPLETE = 'event: workflow-complete\r\ndata: {"type": "workflow-complete", "data": {}}\r\n\r\n';
const attempt = (r: Run) => r.t.attempts[0]!;

describe('hostile servers: the answer is not a stream', () => {
  it('wrong content type: an SSE body labelled application/json → not-sse', async () => {
    const r = await probe((_req, s) => {
      s.write('HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ntransfer-encoding: chunked\r\n\r\n');
      s.write(chunk(NODE_START + COMPLETE));
    });
    expect(r.code).toBe('not-sse');
    expect(r.detail).toContain('application/json');
  });

  it('an HTML 502 page from a proxy → http-error naming the status', async () => {
    const page = '<html><head><title>502 Bad Gateway</title></head><body><center><h1>502 Bad Gateway</h1></center><hr><center>nginx</center></body></html>';
    const r = await probe((_req, s) => {
      s.end(`HTTP/1.1 502 Bad Gateway\r\nserver: nginx\r\ncontent-type: text/html\r\ncontent-length: ${page.length}\r\nconnection: close\r\n\r\n${page}`);
    });
    expect(r.code).toBe('http-error');
    expect(r.detail).toMatch(/^HTTP 502: .*502 Bad Gateway/);
  });

  it('204 No Content (a server saying "stop") → http-error naming 204', async () => {
    const r = await probe((_req, s) => {
      s.end('HTTP/1.1 204 No Content\r\nconnection: close\r\n\r\n');
    });
    expect(r.code).toBe('http-error');
    expect(r.detail).toMatch(/^HTTP 204/);
  });
});

describe('hostile servers: silence and broken connections', () => {
  it('never answers the stream request → timeout within --timeout', async () => {
    const r = await probe(() => undefined); // reads the request, writes nothing, keeps the socket
    expect(r.code).toBe('timeout');
    expect(r.ms).toBeLessThan(FAST.timeoutMs! + 2000);
  });

  it('sends the head, then silence → timeout when --observe elapses, not later', async () => {
    const r = await probe((_req, s) => void s.write(sseHead()));
    expect(r.code).toBe('timeout');
    expect(attempt(r).status).toBe(200);
    expect(r.ms).toBeGreaterThanOrEqual(FAST.observeMs! - 50);
    expect(r.ms).toBeLessThan(FAST.observeMs! + 2000);
  });

  it('resets the connection (RST) mid-stream → closed-early with the network error', async () => {
    const r = await probe(async (_req, s) => {
      s.write(sseHead());
      s.write(chunk(NODE_START));
      await sleep(100);
      s.resetAndDestroy();
    });
    expect(r.code).toBe('closed-early');
    expect(attempt(r).end).toBe('error');
    expect(attempt(r).counts['node-start']).toBe(1);
    expect(attempt(r).error?.code).toMatch(/ECONNRESET|UND_ERR_SOCKET/);
  });

  it('a truncated chunk (declares 100 bytes, sends 10, closes) → closed-early, not healthy', async () => {
    const r = await probe(async (_req, s) => {
      s.write(sseHead());
      s.write(chunk(NODE_START));
      s.write('64\r\nevent: wor'); // 0x64 = 100 bytes promised
      await sleep(50);
      s.end();
    });
    expect(r.code).toBe('closed-early');
    expect(attempt(r).end).toBe('error');
    expect(attempt(r).counts['workflow-complete']).toBeUndefined();
  });

  it('bad chunk framing (a size line that is not hex) → closed-early', async () => {
    const r = await probe(async (_req, s) => {
      s.write(sseHead());
      s.write(chunk(NODE_START));
      s.write('zz\r\nhello\r\n');
    });
    expect(r.code).toBe('closed-early');
    expect(attempt(r).error?.code).toBeDefined();
  });
});

describe('hostile servers: bytes the parser must survive', () => {
  it('a 64 MiB line → malformed-stream, with memory bounded far below 64 MiB and the download cut short', async () => {
    const LINE = 64 * 1024 * 1024;
    const piece = Buffer.alloc(64 * 1024, 'x');
    let written = 0;
    const before = process.memoryUsage();
    let peakRss = before.rss;
    let peakHeap = before.heapUsed + before.external + before.arrayBuffers;
    const sampler = setInterval(() => {
      const m = process.memoryUsage();
      peakRss = Math.max(peakRss, m.rss);
      peakHeap = Math.max(peakHeap, m.heapUsed + m.external + m.arrayBuffers);
    }, 10);
    let r: Run;
    try {
      r = await probe(
        async (_req, s: Socket) => {
          s.write(sseHead());
          s.write(chunk('data: '));
          // Written as it drains, so this server never holds the 64 MiB itself.
          while (written < LINE && !s.destroyed) {
            written += piece.length;
            if (!s.write(chunk(piece))) await new Promise((ok) => (s.once('drain', ok), s.once('close', ok)));
          }
        },
        { maxEventBytes: 1024 * 1024, observeMs: 20_000 },
      );
    } finally {
      clearInterval(sampler);
    }
    expect(r.code).toBe('malformed-stream');
    expect(attempt(r).end).toBe('oversized');
    const MiB = 1024 * 1024;
    expect(attempt(r).bytes).toBeLessThan(16 * MiB); // stopped at the limit, did not read the flood
    expect(written).toBeLessThan(32 * MiB);
    // Client and server share this process: everything both held stays far below the line's size.
    expect((peakRss - before.rss) / MiB).toBeLessThan(32);
    expect((peakHeap - (before.heapUsed + before.external + before.arrayBuffers)) / MiB).toBeLessThan(32);
    expect(r.ms).toBeLessThan(15_000);
  }, 30_000);

  it('invalid UTF-8 in data → healthy, the bad bytes decoded as U+FFFD', async () => {
    const bad = Buffer.concat([Buffer.from('event: node-start\ndata: {"data": {"node": "pl'), Buffer.from([0xff, 0xc3]), Buffer.from('anner"}}\n\n')]);
    const r = await probe((_req, s) => {
      s.write(sseHead());
      s.write(chunk(bad));
      s.write(chunk(COMPLETE));
    });
    expect(r.code).toBe('healthy');
    expect(attempt(r).records[0]!.data).toContain('pl\uFFFD\uFFFDanner');
  });

  it('gzip the client did not ask for (Accept-Encoding: identity) → decoded and healthy, the coding on record', async () => {
    const r = await probe(async (req, s) => {
      expect(req.headers['accept-encoding']).toBe('identity');
      s.write(sseHead('content-encoding: gzip\r\n'));
      const gz = createGzip();
      gz.on('data', (b: Buffer) => s.write(chunk(b)));
      gz.write(NODE_START);
      gz.flush(zlib.Z_SYNC_FLUSH);
      await sleep(30);
      gz.write(COMPLETE);
      gz.flush(zlib.Z_SYNC_FLUSH);
    });
    expect(r.code).toBe('healthy');
    expect(attempt(r).headers?.['content-encoding']).toBe('gzip');
    expect(attempt(r).counts).toMatchObject({ 'node-start': 1, 'workflow-complete': 1 });
  });

  it('gzip garbage (Content-Encoding: gzip, bytes that are not) → closed-early with the decoder error', async () => {
    const r = await probe((_req, s) => {
      s.write(sseHead('content-encoding: gzip\r\n'));
      s.write(chunk(Buffer.concat([gzipSync(NODE_START).subarray(0, 10), Buffer.from('not gzip at all')])));
    });
    expect(r.code).toBe('closed-early');
    expect(attempt(r).end).toBe('error');
  });

  it('an HTTP/1.0 close-delimited stream (no chunking, no length) → healthy', async () => {
    const r = await probe(async (_req, s) => {
      s.write('HTTP/1.0 200 OK\r\ncontent-type: text/event-stream\r\ncache-control: no-cache\r\n\r\n');
      s.write(NODE_START);
      await sleep(30);
      s.end(COMPLETE);
    });
    expect(r.code).toBe('healthy');
  });

  it('an HTTP/1.0 close-delimited stream closed before the terminal event → closed-early (eof)', async () => {
    const r = await probe(async (_req, s) => {
      s.write('HTTP/1.0 200 OK\r\ncontent-type: text/event-stream\r\n\r\n');
      s.write(NODE_START);
      await sleep(30);
      s.end();
    });
    expect(r.code).toBe('closed-early');
    expect(attempt(r).end).toBe('eof');
  });

  it('one byte every 20 ms → healthy, every byte its own read', async () => {
    const body = 'event: node-start\ndata: {"node": "a"}\n\nevent: workflow-complete\ndata: {}\n\n';
    const r = await probe(
      async (_req, s) => {
        s.write(sseHead());
        for (const ch of body) {
          if (s.destroyed) return;
          s.write(chunk(ch));
          await sleep(20);
        }
      },
      { observeMs: 10_000 },
    );
    expect(r.code).toBe('healthy');
    expect(attempt(r).reads).toBeGreaterThan(body.length / 2); // mostly one read per byte
    const [start, done] = attempt(r).records;
    expect(done!.atMs - start!.atMs).toBeGreaterThan(20 * 30); // each event timed when its last byte came
  }, 20_000);

  it('a BOM and CR-only line ends (valid SSE) → healthy at the terminal event, not stalled after --observe', async () => {
    const r = await probe(
      (_req, s) => {
        s.write(sseHead());
        s.write(chunk('\uFEFF: hello\revent: node-start\rdata: {"node": "a"}\r\r'));
        s.write(chunk('event: workflow-complete\rdata: {}\r\r')); // ends on CR; the server then stays silent
      },
      { observeMs: 5000 },
    );
    expect(r.code).toBe('healthy');
    expect(attempt(r).end).toBe('terminal');
    expect(r.ms).toBeLessThan(2500); // at once, not when --observe elapses
    expect(attempt(r).counts).toMatchObject({ comment: 1, 'node-start': 1, 'workflow-complete': 1 });
  });

  it('id-only and retry-only blocks → healthy; the id carries to later events, retry is recorded', async () => {
    const r = await probe((_req, s) => {
      s.write(sseHead());
      s.write(chunk('id: 41\r\n\r\nretry: 1500\r\n\r\n'));
      s.write(chunk(NODE_START));
      s.write(chunk('id\r\n\r\n' + COMPLETE)); // an empty id resets it
    });
    expect(r.code).toBe('healthy');
    expect(attempt(r).retryMs).toBe(1500);
    expect(attempt(r).records.map((x) => [x.type, x.id])).toEqual([
      ['node-start', '41'],
      ['workflow-complete', ''],
    ]);
  });
});
