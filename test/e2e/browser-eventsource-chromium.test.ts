/**
 * What a real browser does across a cut stream, next to what `--client browser` does: headless
 * Chromium (Debian's, driven by playwright-core) opens an EventSource on a page served by the same
 * raw server that ssedoctor attaches to. The server sends `retry:` and `id:` and cuts the first
 * stream mid-way; both clients must reconnect the same number of times, after the server's
 * retry, with the same Last-Event-ID, and stop at the same answer.
 */
import type { Socket } from 'node:net';
import { describe, expect, it } from 'vitest';
import { chromiumAvailable as available, useChromium } from '../helpers/chromium.js';
import { runProbe } from '../../src/probe/run-probe.js';
import { chunk, jsonResponse, sseHead, startRawServer, type RawRequest } from '../helpers/raw-server.js';

const chrome = useChromium('browser-eventsource-chromium.test');

/** The page: one EventSource, every open, event (with its lastEventId) and error written to window.log. */
const PAGE = `<!doctype html><meta charset="utf-8"><title>es</title><script>
window.log = [];
const es = new EventSource('/api/streams/ds-b');
es.onopen = () => log.push({ kind: 'open' });
es.onerror = () => log.push({ kind: 'error', readyState: es.readyState });
for (const type of ['workflow-start', 'node-start', 'node-complete']) es.addEventListener(type, (e) => log.push({ kind: type, id: e.lastEventId }));
</script>`;

const frame = (id: number, type: string): string => `id: ${id}\nevent: ${type}\ndata: {"type": "${type}", "timestamp": "2026-01-01T00:00:0${id}+00:00"}\n\n`;

/**
 * Per stream id: connection 1 sends retry: 120 and ids 1-2, then the socket is destroyed; connection 2
 * sends id 3 and ends cleanly; connection 3 gets a 204, which ends every EventSource.
 */
function streamScript(counts: Map<string, number>, cuts: Map<string, number[]>) {
  return (req: RawRequest, socket: Socket): void => {
    if (req.method === 'POST') return void socket.end(jsonResponse(200, { decision_set_id: 'ds-a', job_id: 'j' }));
    if (req.path === '/page') {
      return void socket.end(`HTTP/1.1 200 OK\r\ncontent-type: text/html\r\ncontent-length: ${Buffer.byteLength(PAGE)}\r\nconnection: close\r\n\r\n${PAGE}`);
    }
    const m = /^\/api\/streams\/([^?]+)/.exec(req.path);
    if (!m) return void socket.end('HTTP/1.1 404 Not Found\r\ncontent-length: 0\r\nconnection: close\r\n\r\n');
    const id = m[1]!;
    const n = (counts.get(id) ?? 0) + 1;
    counts.set(id, n);
    const cut = (): void => void (cuts.get(id) ?? cuts.set(id, []).get(id)!).push(performance.now());
    if (n === 1) {
      socket.write(sseHead());
      socket.write(chunk(`retry: 120\n\n${frame(1, 'workflow-start')}${frame(2, 'node-start')}`));
      setTimeout(() => {
        cut();
        socket.destroy();
      }, 100);
    } else if (n === 2) {
      socket.write(sseHead());
      socket.end(`${chunk(frame(3, 'node-complete'))}0\r\n\r\n`);
      cut();
    } else {
      socket.end('HTTP/1.1 204 No Content\r\nconnection: close\r\n\r\n');
    }
  };
}

describe.skipIf(!available)('Chromium EventSource vs --client browser, same server', () => {
  it('same reconnects, same Last-Event-ID on each, the server retry honoured, stop at the 204', async () => {
    const counts = new Map<string, number>();
    const cuts = new Map<string, number[]>();
    const server = await startRawServer(streamScript(counts, cuts));
    const arrivals = (id: string): RawRequest[] => server.requests.filter((r) => r.path.startsWith(`/api/streams/${id}`));
    try {
      // The browser: open the page, wait until the server has answered its third stream request.
      const page = await chrome.get().newPage();
      const times: number[] = [];
      page.on('request', (r) => void (r.url().includes('/api/streams/') && times.push(performance.now())));
      await page.goto(`${server.url}/page`);
      await page.waitForFunction(() => (globalThis as unknown as { log: { kind: string; readyState?: number }[] }).log.some((e) => e.kind === 'error' && e.readyState === 2), null, { timeout: 10_000 });
      const log = (await page.evaluate(() => (globalThis as unknown as { log: unknown[] }).log)) as { kind: string; id?: string; readyState?: number }[];
      await page.close();

      // ssedoctor, the same way.
      const t = await runProbe({ baseUrl: server.url, client: 'browser', attempts: 0, jobStatusPath: '', timeoutMs: 3000, observeMs: 10_000 });

      const browserGets = arrivals('ds-b');
      const ourGets = arrivals('ds-a');
      expect(browserGets).toHaveLength(3);
      expect(ourGets).toHaveLength(browserGets.length);
      const ids = (gets: RawRequest[]): (string | undefined)[] => gets.map((g) => g.headers['last-event-id']);
      expect(ids(browserGets)).toEqual([undefined, '2', '3']);
      expect(ids(ourGets)).toEqual(ids(browserGets));
      expect(t.attempts.map((a) => a.reconnect?.lastEventId)).toEqual([undefined, '2', '3']);
      // Both waited the server's retry: 120 ms after each end (Chromium adds no backoff of its own here).
      expect(t.attempts.slice(1).map((a) => a.reconnect?.delayMs)).toEqual([120, 120]);
      const browserWaits = cuts.get('ds-b')!.map((cutAt, i) => times[i + 1]! - cutAt);
      for (const w of browserWaits) expect(w).toBeGreaterThanOrEqual(100);
      for (const w of browserWaits) expect(w).toBeLessThan(1500);
      // The page saw every event once, each with the id in force, and the 204 closed the EventSource.
      expect(log.filter((e) => e.kind !== 'open' && e.kind !== 'error').map((e) => `${e.kind}#${e.id}`)).toEqual(['workflow-start#1', 'node-start#2', 'node-complete#3']);
      expect(log.filter((e) => e.kind === 'open')).toHaveLength(2);
      expect(t.session).toMatchObject({ reconnects: 2, stoppedBy: 'fail' });
      expect(t.attempts.at(-1)!.status).toBe(204);
    } finally {
      await server.close();
    }
  });
});
