/**
 * `load --metrics-port`: a tiny HTTP server that serves the live load metrics at `/metrics` in the
 * Prometheus text format while the run goes on. The state and the text come from the pure
 * `report/prometheus.ts`; this file only listens, feeds it, and measures the main thread.
 */
import { createServer, type Server } from 'node:http';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import type { OutcomeCode } from '../classify/outcomes.js';
import { usageError } from '../errors.js';
import type { LiveTimings } from '../load/live-timings.js';
import type { ThreadLoopDelay } from '../load/parallel.js';
import { newLiveMetrics, observeRun, prometheusText, PROMETHEUS_CONTENT_TYPE, type LiveMetrics } from '../report/prometheus.js';
import { parseInteger } from './options.js';

/** A listening exporter: feed it finished runs; `url` is the scrape URL (`…/metrics`). */
export interface MetricsExporter {
  url: string;
  metrics: LiveMetrics;
  onRun(outcome: OutcomeCode, inflight: number, timings?: LiveTimings): void;
  /** A generator thread's event-loop delay (`thread` 1-based). */
  onLoopDelay(thread: number, delay: ThreadLoopDelay): void;
  close(): Promise<void>;
}

/** Why a listen failed, in the user's words, for the errors a bad --metrics-port/--metrics-host gives. */
function listenError(err: NodeJS.ErrnoException, host: string, port: number): Error {
  const where = `${host.includes(':') ? `[${host}]` : host}:${port}`;
  switch (err.code) {
    case 'EADDRINUSE':
      return usageError('metrics-port-in-use', `--metrics-port ${port}: ${where} is already in use`, 'choose another port, or 0 for a free one');
    case 'EACCES':
      return usageError('metrics-port-denied', `--metrics-port ${port}: not allowed to listen on ${where}`, 'ports below 1024 need privileges; use a higher one');
    case 'EADDRNOTAVAIL':
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return usageError('metrics-host-unusable', `--metrics-host ${host}: not an address of this machine`, 'use 127.0.0.1 (the default), 0.0.0.0 or an interface address');
    default:
      return usageError('metrics-listen-failed', `--metrics-port ${port} on ${host}: ${err.message}`);
  }
}

/**
 * Listens on `host:port` (port 0: a free one) before the run starts, so a bad port is a usage
 * error (exit 2) and nothing has been sent yet. The main thread's event-loop delay is measured
 * from here on (it is the generator with one worker, the coordinator with several).
 */
export async function startMetricsExporter(hostFlag: string, portFlag: string, version: string): Promise<MetricsExporter> {
  const port = parseInteger(portFlag, '--metrics-port', 0, 65535);
  const host = hostFlag.trim();
  if (host === '') throw usageError('bad-metrics-host', '--metrics-host: give an address to listen on, e.g. 127.0.0.1');
  const metrics = newLiveMetrics(version, Date.now() / 1000);
  const loop = monitorEventLoopDelay({ resolution: 10 });
  loop.enable();
  const server: Server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    if (path !== '/metrics') {
      res.writeHead(404, { 'content-type': 'text/plain; charset=utf-8' }).end('not found: scrape /metrics\n');
      return;
    }
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { allow: 'GET, HEAD' }).end();
      return;
    }
    metrics.loopDelay.main = { p99Ms: loop.percentile(99) / 1e6, maxMs: loop.max / 1e6 };
    const body = prometheusText(metrics);
    res.writeHead(200, { 'content-type': PROMETHEUS_CONTENT_TYPE, 'content-length': Buffer.byteLength(body), 'cache-control': 'no-store' });
    res.end(req.method === 'HEAD' ? undefined : body);
  });
  // Scrapers keep connections alive; the run's end must not wait for them.
  server.keepAliveTimeout = 5000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', (err: NodeJS.ErrnoException) => {
      loop.disable();
      reject(listenError(err, host, port));
    });
    server.listen(port, host, () => resolve());
  });
  const address = server.address();
  const bound = typeof address === 'object' && address ? address.port : port;
  const shown = host.includes(':') ? `[${host}]` : host === '0.0.0.0' ? '127.0.0.1' : host;
  return {
    url: `http://${shown}:${bound}/metrics`,
    metrics,
    onRun: (outcome, inflight, timings) => observeRun(metrics, outcome, inflight, timings),
    onLoopDelay: (thread, delay) => (metrics.loopDelay[`worker-${thread}`] = delay),
    close: () =>
      new Promise<void>((resolve) => {
        loop.disable();
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
