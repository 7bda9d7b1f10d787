/**
 * `--client browser` on the wire: a raw server that sends `id:` and `retry:` and cuts the stream,
 * so the reconnect delay, the Last-Event-ID header and the stops an EventSource makes are seen
 * exactly as the server receives them.
 */
import type { Socket } from 'node:net';
import { describe, expect, it } from 'vitest';
import { diagnose } from '../../src/classify/diagnose.js';
import { runProbe } from '../../src/probe/run-probe.js';
import { chunk, enqueueThen, sseHead, startRawServer, type RawRequest } from '../helpers/raw-server.js';

const fast = { timeoutMs: 3000, observeMs: 8000, attempts: 0, jobStatusPath: '', client: 'browser' as const, reconnectTimeMs: 5000 };
const env = (type: string, ts: string, node?: string): string =>
  JSON.stringify({ type, decision_set_id: 'ds-1', timestamp: ts, data: node ? { node } : {} });
const frame = (id: number | undefined, type: string, ts: string, node?: string): string =>
  `${id !== undefined ? `id: ${id}\n` : ''}event: ${type}\ndata: ${env(type, ts, node)}\n\n`;

/** Stream GETs in arrival order, with when each arrived (ms, performance clock). */
function streamGets(requests: RawRequest[]): RawRequest[] {
  return requests.filter((r) => r.method === 'GET');
}

describe('browser client: reconnects as an EventSource', () => {
  it('after a cut stream: waits the server retry: (100 ms), sends Last-Event-ID, and resumes', async () => {
    const arrivals: number[] = [];
    let cutAt = 0;
    let n = 0;
    const server = await startRawServer(
      enqueueThen((_req, socket) => {
        arrivals.push(performance.now());
        if (n++ === 0) {
          socket.write(sseHead());
          socket.write(chunk(`retry: 100\n\n${frame(1, 'workflow-start', '2026-01-01T00:00:00.100000+00:00')}${frame(2, 'node-start', '2026-01-01T00:00:00.200000+00:00', 'a')}`));
          setTimeout(() => {
            cutAt = performance.now();
            socket.destroy(); // mid-stream, no terminating chunk: a proxy or a deploy cutting it
          }, 50);
          return;
        }
        socket.write(sseHead());
        socket.write(chunk(`${frame(3, 'node-complete', '2026-01-01T00:00:00.300000+00:00', 'a')}${frame(4, 'workflow-complete', '2026-01-01T00:00:00.400000+00:00')}`));
      }),
    );
    const t = await runProbe({ ...fast, baseUrl: server.url });
    await server.close();
    const gets = streamGets(server.requests);
    expect(gets).toHaveLength(2);
    expect(gets[0]!.headers['last-event-id']).toBeUndefined();
    expect(gets[1]!.headers['last-event-id']).toBe('2');
    // The server's retry: 100, not the 5 s default: the second GET came 100 ms (plus scheduling) after the cut.
    const waited = arrivals[1]! - cutAt;
    expect(waited).toBeGreaterThanOrEqual(95);
    expect(waited).toBeLessThan(1500);
    expect(t.attempts[1]!.reconnect).toMatchObject({ reason: 'reconnect', delayMs: 100, delaySource: 'retry', lastEventId: '2' });
    expect(t.session).toMatchObject({ client: 'browser', reconnects: 1, stoppedBy: 'terminal' });
    const d = diagnose(t);
    expect(d.outcome.code).toBe('healthy');
    expect(d.reconnects).toMatchObject({ reconnects: 1, duplicated: 0, lost: 0, outOfOrder: 0 });
    expect(d.reconnects!.steps[0]).toMatchObject({ verdict: 'resumed', lastEventId: '2', firstEvent: { type: 'node-complete', seenBefore: false } });
    expect(d.detail).toContain('after 1 reconnect');
  });

  it('a clean end without retry: waits the browser reconnection time (--reconnect-time)', async () => {
    let n = 0;
    const server = await startRawServer(
      enqueueThen((_req, socket) => {
        socket.write(sseHead());
        if (n++ === 0) return void socket.end(`${chunk(frame(undefined, 'workflow-start', '2026-01-01T00:00:00.1+00:00'))}0\r\n\r\n`);
        socket.write(chunk(frame(undefined, 'workflow-complete', '2026-01-01T00:00:01+00:00')));
      }),
    );
    const t = await runProbe({ ...fast, reconnectTimeMs: 150, baseUrl: server.url });
    await server.close();
    expect(t.attempts.map((a) => a.end)).toEqual(['eof', 'terminal']);
    expect(t.attempts[1]!.reconnect).toMatchObject({ delayMs: 150, delaySource: 'browser-default' });
    expect(t.attempts[1]!.requestedMs - t.attempts[0]!.endMs!).toBeGreaterThanOrEqual(145);
    expect(streamGets(server.requests)[1]!.headers['last-event-id']).toBeUndefined(); // no id was ever seen
  });

  for (const [name, answer] of [
    ['204', 'HTTP/1.1 204 No Content\r\n\r\n'],
    ['500', 'HTTP/1.1 500 Internal Server Error\r\ncontent-type: text/plain\r\ncontent-length: 4\r\n\r\noops'],
    ['text/html', 'HTTP/1.1 200 OK\r\ncontent-type: text/html\r\ncontent-length: 13\r\n\r\n<p>hello</p>\n'],
  ] as const) {
    it(`no reconnect after a ${name} answer to the reconnect: the EventSource fails`, async () => {
      let n = 0;
      const server = await startRawServer(
        enqueueThen((_req, socket: Socket) => {
          if (n++ > 0) return void socket.end(answer);
          socket.write(sseHead());
          socket.end(`${chunk(`retry: 20\n\n${frame(7, 'workflow-start', '2026-01-01T00:00:00.1+00:00')}`)}0\r\n\r\n`);
        }),
      );
      const t = await runProbe({ ...fast, baseUrl: server.url });
      await server.close();
      expect(streamGets(server.requests)).toHaveLength(2);
      expect(streamGets(server.requests)[1]!.headers['last-event-id']).toBe('7');
      expect(t.session).toMatchObject({ reconnects: 1, stoppedBy: 'fail' });
      expect(diagnose(t).reconnects!.steps[0]!.verdict).toBe('refused');
    });

    it(`no reconnect when the first answer is a ${name}`, async () => {
      const server = await startRawServer(enqueueThen((_req, socket: Socket) => void socket.end(answer)));
      const t = await runProbe({ ...fast, baseUrl: server.url });
      await server.close();
      expect(streamGets(server.requests)).toHaveLength(1);
      expect(t.session).toMatchObject({ reconnects: 0, stoppedBy: 'fail' });
    });
  }

  it('a connection dropped before any head is reestablished (a network error), not failed', async () => {
    let n = 0;
    const server = await startRawServer(
      enqueueThen((_req, socket) => {
        if (n++ === 0) return void socket.destroy(); // reset before the status line
        socket.write(sseHead());
        socket.write(chunk(frame(undefined, 'workflow-complete', '2026-01-01T00:00:01+00:00')));
      }),
    );
    const t = await runProbe({ ...fast, reconnectTimeMs: 50, baseUrl: server.url });
    n = 0; // the default client meets the same reset
    const plain = await runProbe({ ...fast, client: 'probe', baseUrl: server.url });
    await server.close();
    expect(t.attempts.map((a) => [a.status, a.end])).toEqual([
      [undefined, 'error'],
      [200, 'terminal'],
    ]);
    expect(t.attempts[1]!.reconnect).toMatchObject({ reason: 'reconnect', delaySource: 'browser-default' });
    expect(plain.attempts.map((a) => a.end)).toEqual(['error']); // the default client: one stream request, as before
  });

  it('--max-reconnects bounds a server that ends every stream at once', async () => {
    const server = await startRawServer(
      enqueueThen((_req, socket) => {
        socket.write(sseHead());
        socket.end(`${chunk(`retry: 10\n\n${frame(1, 'workflow-start', '2026-01-01T00:00:00.1+00:00')}`)}0\r\n\r\n`);
      }),
    );
    const t = await runProbe({ ...fast, maxReconnects: 3, baseUrl: server.url });
    await server.close();
    expect(streamGets(server.requests)).toHaveLength(4);
    expect(t.session).toMatchObject({ reconnects: 3, stoppedBy: 'max-reconnects' });
    const d = diagnose(t);
    // Each reconnect re-sent the same event: the page would have seen it four times.
    expect(d.reconnects).toMatchObject({ duplicated: 3 });
    expect(d.reconnects!.steps.map((s) => s.verdict)).toEqual(['replayed', 'replayed', 'replayed']);
    expect(d.findings.map((f) => f.code)).toContain('reconnect-damage');
  });

  it('--cut-after 2 with five events in one read: the client closes the socket and keeps exactly two', async () => {
    let closedAt = 0;
    let cutSent = 0;
    let n = 0;
    const server = await startRawServer(
      enqueueThen((_req, socket) => {
        if (n++ > 0) {
          socket.write(sseHead());
          return void socket.write(chunk(frame(9, 'workflow-complete', '2026-01-01T00:00:09+00:00')));
        }
        socket.on('close', () => (closedAt = performance.now()));
        socket.write(sseHead());
        const five = [1, 2, 3, 4, 5].map((i) => frame(i, 'node-start', `2026-01-01T00:00:0${i}+00:00`, `n${i}`)).join('');
        cutSent = performance.now();
        socket.write(chunk(`retry: 30\n\n${five}`));
      }),
    );
    const t = await runProbe({ ...fast, cutAfter: 2, baseUrl: server.url });
    await server.close();
    const first = t.attempts[0]!;
    expect(first.end).toBe('cut');
    expect(first.records.map((r) => r.node)).toEqual(['n1', 'n2']);
    expect(first.counts).toEqual({ 'node-start': 2 });
    expect(closedAt - cutSent).toBeLessThan(500); // the server saw the client hang up at once
    expect(t.session!.cut).toMatchObject({ afterEvents: 2, attempt: 1 });
    // The reconnect carried the id of the last event the page handled, not of the last one on the wire.
    expect(streamGets(server.requests)[1]!.headers['last-event-id']).toBe('2');
  });

  it('a stream path with replay=1 asks replay=0 after the first open, as the origin hook does', async () => {
    let n = 0;
    const server = await startRawServer(
      enqueueThen((_req, socket) => {
        socket.write(sseHead());
        if (n++ === 0) return void socket.end(`${chunk(`retry: 10\n\n${frame(undefined, 'workflow-start', '2026-01-01T00:00:00.1+00:00')}`)}0\r\n\r\n`);
        socket.write(chunk(frame(undefined, 'workflow-complete', '2026-01-01T00:00:01+00:00')));
      }),
    );
    const t = await runProbe({ ...fast, streamPath: '/api/streams/{id}?replay=1&x=y', baseUrl: server.url });
    await server.close();
    expect(streamGets(server.requests).map((r) => r.path)).toEqual(['/api/streams/ds-1?replay=1&x=y', '/api/streams/ds-1?replay=0&x=y']);
    expect(t.attempts[1]!.reconnect).toMatchObject({ replayOff: true });
  });
});

describe('origin client: the origin frontend hook alone', () => {
  const origin = { ...fast, client: 'origin' as const, attempts: 2, retryDelayMs: 150 };

  it('a server event: error: the stream stays open for --retry-delay, then a new EventSource (replay=0, no Last-Event-ID)', async () => {
    let n = 0;
    let errorSentAt = 0;
    const arrivals: number[] = [];
    const server = await startRawServer(
      enqueueThen((_req, socket) => {
        arrivals.push(performance.now());
        socket.write(sseHead());
        if (n++ === 0) {
          errorSentAt = performance.now();
          socket.write(chunk(`${frame(1, 'workflow-start', '2026-01-01T00:00:01+00:00')}${frame(2, 'error', '2026-01-01T00:00:02+00:00', 'planner')}`));
          // Still open 50 ms later: the page keeps receiving until the hook closes it.
          setTimeout(() => socket.write(chunk(frame(3, 'node-start', '2026-01-01T00:00:03+00:00', 'b'))), 50);
          return;
        }
        socket.write(chunk(frame(4, 'workflow-complete', '2026-01-01T00:00:04+00:00')));
      }),
    );
    const t = await runProbe({ ...origin, streamPath: '/api/streams/{id}?replay=1', baseUrl: server.url });
    await server.close();
    const gets = streamGets(server.requests);
    expect(gets.map((g) => g.path)).toEqual(['/api/streams/ds-1?replay=1', '/api/streams/ds-1?replay=0']);
    expect(gets[1]!.headers['last-event-id']).toBeUndefined(); // a new EventSource carries no id
    expect(arrivals[1]! - errorSentAt).toBeGreaterThanOrEqual(145);
    expect(arrivals[1]! - errorSentAt).toBeLessThan(1500);
    expect(t.attempts[0]!.end).toBe('cut');
    expect(t.attempts[0]!.counts['node-start']).toBe(1); // what came after the error was still read
    expect(t.attempts[1]!.reconnect).toMatchObject({ reason: 'error-event', delayMs: 150, delaySource: 'retry-delay', replayOff: true });
    expect(t.session).toMatchObject({ client: 'origin', reconnects: 1, stoppedBy: 'terminal' });
    const d = diagnose(t);
    expect(d.outcome.code).toBe('error-event'); // the error on the first stream still decides
    expect(d.reconnects!.steps[0]).toMatchObject({ afterErrorEvent: true, verdict: 'resumed' });
  });

  it('retries any failure, a 500 included, --attempts times in a row, ignoring retry: and ids', async () => {
    let n = 0;
    const server = await startRawServer(
      enqueueThen((_req, socket) => {
        if (n++ > 0) return void socket.end('HTTP/1.1 500 Internal Server Error\r\ncontent-length: 0\r\nconnection: close\r\n\r\n');
        socket.write(sseHead());
        socket.end(`${chunk(`retry: 10\n\n${frame(7, 'workflow-start', '2026-01-01T00:00:01+00:00')}`)}0\r\n\r\n`);
      }),
    );
    const t = await runProbe({ ...origin, baseUrl: server.url });
    await server.close();
    // The stream ended (count 1), then two 500s (counts 2 and 3 > --attempts 2): three stream requests in all.
    expect(streamGets(server.requests)).toHaveLength(3);
    expect(streamGets(server.requests).map((g) => g.headers['last-event-id'])).toEqual([undefined, undefined, undefined]);
    expect(t.attempts.slice(1).map((a) => a.reconnect)).toEqual([
      { reason: 'reconnect', delayMs: 150, delaySource: 'retry-delay' },
      { reason: 'failed-retry', delayMs: 150, delaySource: 'retry-delay' },
    ]);
    expect(t.session).toMatchObject({ reconnects: 1, stoppedBy: 'attempts' });
  });
});
