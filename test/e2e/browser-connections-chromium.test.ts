/**
 * Six connections per origin, in a real browser and in ssedoctor's model of it: headless Chromium
 * (Debian's, driven by playwright-core) opens 8 EventSources on one page to a loopback HTTP/1.1
 * server whose streams stay open 1.5 s; the server sees 6 stream requests at once and the other 2
 * only when the first streams end. The same 8 requests through `capConnections` (load --browser-tabs)
 * reach the server in the same pattern.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Agent } from 'undici';
import { describe, expect, it } from 'vitest';
import { chromiumAvailable as available, useChromium } from '../helpers/chromium.js';
import { capConnections, ConnectionSlots } from '../../src/probe/browser-connections.js';
import { dispatch } from '../../src/probe/http.js';

const STREAMS = 8;
const OPEN_MS = 1500;

/** The page: 8 EventSources; each closes itself at the `done` event (so none reconnects). */
const PAGE = `<!doctype html><meta charset="utf-8"><title>tabs</title><link rel="icon" href="data:,"><script>
window.done = 0;
for (let i = 0; i < ${STREAMS}; i++) {
  const es = new EventSource('/api/streams/s' + i);
  es.addEventListener('done', () => { es.close(); window.done++; });
}
</script>`;

/** A server that records when each stream request arrives (ms since `t0`) and holds each stream open OPEN_MS. */
function startServer(): Promise<{ server: Server; url: string; arrivals: number[]; reset: () => void }> {
  let t0 = performance.now();
  const arrivals: number[] = [];
  const server = createServer((req, res) => {
    if (req.url === '/page') {
      res.writeHead(200, { 'content-type': 'text/html', connection: 'close' }).end(PAGE);
      return;
    }
    if (!req.url?.startsWith('/api/streams/')) return void res.writeHead(404).end();
    arrivals.push(performance.now() - t0);
    res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
    res.write('retry: 60000\n\nevent: open\ndata: {}\n\n');
    setTimeout(() => res.end('event: done\ndata: {}\n\n'), OPEN_MS);
  });
  return new Promise((resolve) =>
    server.listen(0, '127.0.0.1', () => {
      const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
      resolve({ server, url, arrivals, reset: () => ((t0 = performance.now()), (arrivals.length = 0)) });
    }),
  );
}

const chrome = useChromium('browser-connections-chromium.test');

/**
 * Arrivals split into those right away and those that waited for a stream to end, counted from the
 * first arrival (a busy machine may take a while to load the page).
 */
const split = (arrivals: number[]): { early: number; late: number } => {
  const first = Math.min(...arrivals);
  return {
    early: arrivals.filter((ms) => ms - first < OPEN_MS * 0.5).length,
    late: arrivals.filter((ms) => ms - first >= OPEN_MS * 0.9).length,
  };
};

describe.skipIf(!available)('six connections per origin: Chromium and --browser-tabs', () => {
  it('Chromium holds the 7th and 8th EventSource until a stream ends; the model does the same', async () => {
    const { server, url, arrivals, reset } = await startServer();
    const agent = new Agent();
    try {
      // A real page.
      const page = await chrome.get().newPage();
      reset();
      await page.goto(`${url}/page`);
      await page.waitForFunction(`window.done === ${STREAMS}`, undefined, { timeout: 10_000 });
      const real = split(arrivals);
      await page.close();
      expect(arrivals).toHaveLength(STREAMS);
      expect(real).toEqual({ early: 6, late: 2 });

      // The model: the same 8 stream requests from one simulated browser.
      reset();
      const slots = new ConnectionSlots();
      const capped = capConnections(agent, slots, () => {});
      await Promise.all(
        Array.from({ length: STREAMS }, (_, i) => new Promise<void>((resolve) => {
          dispatch(capped, `${url}/api/streams/s${i}`, { method: 'GET', headers: { accept: 'text/event-stream' } }, { head: () => {}, data: () => {}, end: resolve, error: () => resolve() });
        })),
      );
      expect(split(arrivals)).toEqual(real);
    } finally {
      await agent.destroy();
      server.closeAllConnections();
      server.close();
    }
  }, 20_000);
});
