/** Parser cases over a real socket: bytes split across TCP writes, charset ignored, arrival times per read. */
import { describe, expect, it } from 'vitest';
import { diagnose } from '../../src/classify/diagnose.js';
import { runProbe } from '../../src/probe/run-probe.js';
import { chunk, enqueueThen, sleep, startRawServer } from '../helpers/raw-server.js';

/** Streams `pieces` as separate writes 30 ms apart, then a terminal event. */
async function probeWith(contentType: string, pieces: Buffer[]) {
  const server = await startRawServer(
    enqueueThen(async (_req, socket) => {
      socket.write(`HTTP/1.1 200 OK\r\ncontent-type: ${contentType}\r\ncache-control: no-cache\r\nx-accel-buffering: no\r\ntransfer-encoding: chunked\r\n\r\n`);
      for (const p of pieces) {
        socket.write(chunk(p));
        await sleep(30);
      }
      socket.write(chunk('event: workflow-complete\ndata: {}\n\n'));
    }),
  );
  try {
    return await runProbe({ baseUrl: server.url, timeoutMs: 3000, observeMs: 5000 });
  } finally {
    await server.close();
  }
}

describe('parsing on the wire', () => {
  it('a BOM, a CRLF and a multi-byte character split across TCP writes; charset=windows-1252 is ignored', async () => {
    const bytes = Buffer.from('\uFEFFevent: node-start\r\ndata: {"data": {"node": "café"}}\r\n\r\n', 'utf8');
    const bom = 3;
    const crlf = bytes.indexOf('\r\n') + 1; // between \r and \n
    const e = bytes.indexOf(Buffer.from('é')) + 1; // inside the two bytes of é
    const pieces = [bytes.subarray(0, 1), bytes.subarray(1, bom), bytes.subarray(bom, crlf), bytes.subarray(crlf, e), bytes.subarray(e)];
    const t = await probeWith('text/event-stream; charset=windows-1252', pieces);
    const records = t.attempts[0]!.records;
    expect(records.map((r) => [r.type, r.node])).toEqual([
      ['node-start', 'café'],
      ['workflow-complete', undefined],
    ]);
    expect(records[0]!.read).toBe(4); // completed by the fifth network read
    expect(records[1]!.atMs).toBeGreaterThan(records[0]!.atMs + 20); // arrival times are per read, not per stream
    expect(diagnose(t).outcome.code).toBe('healthy');
  });

  it('reports an event left unterminated when the server closes', async () => {
    const server = await startRawServer(
      enqueueThen((_req, socket) => {
        socket.write('HTTP/1.1 200 OK\r\ncontent-type: text/event-stream\r\ntransfer-encoding: chunked\r\n\r\n');
        socket.write(chunk('event: node-start\ndata: {"node": "a"}\n\nevent: node-complete\ndata: {"node": "a"}'));
        socket.end('0\r\n\r\n');
      }),
    );
    const t = await runProbe({ baseUrl: server.url, timeoutMs: 3000, observeMs: 5000 });
    await server.close();
    const d = diagnose(t);
    expect(d.outcome.code).toBe('closed-early');
    expect(d.findings.map((f) => f.code)).toContain('unterminated');
    expect(d.counts.events).toEqual({ 'node-start': 1 });
  });
});

describe('redirects', () => {
  it('follows a 307 to the stream, as EventSource does', async () => {
    const server = await startRawServer(
      enqueueThen((req, socket) => {
        if (req.path.startsWith('/api/streams/')) {
          socket.end(`HTTP/1.1 307 Temporary Redirect\r\nlocation: /moved/ds-1\r\ncontent-length: 0\r\n\r\n`);
          return;
        }
        socket.write('HTTP/1.1 200 OK\r\ncontent-type: text/event-stream\r\ntransfer-encoding: chunked\r\n\r\n');
        socket.write(chunk('event: node-start\ndata: {"node": "a"}\n\nevent: workflow-complete\ndata: {}\n\n'));
      }),
    );
    const t = await runProbe({ baseUrl: server.url, timeoutMs: 3000, observeMs: 5000 });
    await server.close();
    expect(server.requests.map((r) => r.path)).toEqual(['/api/chat/async', '/api/streams/ds-1', '/moved/ds-1']);
    expect(diagnose(t).outcome.code).toBe('healthy');
  });
});
