#!/usr/bin/env node
// The scale figure's client: one ssedoctor process holding N concurrent heartbeat-only streams.
// Streams open at SCALE_RATE a second (default 1,000) and each run ends at its second heartbeat, so every
// first heartbeat arrives while all N streams are open (run.js sets the server's heartbeat interval above N/rate s). Samples its own RSS and compares each run's first-event arrival with the server's send
// time (the envelope timestamp). Memory per open stream: gc, then RSS and heap used once every stream
// is open (N/rate s + 1.5 s after the start) minus before the load, divided by the sockets open then.
// SCALE_LOCAL_ADDRESSES=127.0.0.1-127.0.0.4 spreads the connections (load --local-address).
// Prints JSON. Usage: node --expose-gc bench/scale-client.js URL N
import { readdirSync } from 'node:fs';
import { constantSchedule } from '../dist/load/pacer.js';
import { parseLocalAddresses } from '../dist/probe/local-addresses.js';
import { runLoad } from '../dist/load/runner.js';
import { DEFAULT_PROBE_OPTIONS } from '../dist/probe/options.js';

const [url, n = '10000'] = process.argv.slice(2);
const streams = Number(n);
const rate = Number(process.env.SCALE_RATE ?? 1000);
let peakRssBytes = 0;
const sampler = setInterval(() => (peakRssBytes = Math.max(peakRssBytes, process.memoryUsage().rss)), 250);

/** `2026-11-24T10:11:31.227620+00:00` → fractional epoch ms (Date.parse keeps only ms). */
function pythonIsoToEpochMs(iso) {
  const m = /^(.*T\d\d:\d\d:\d\d)(?:\.(\d{1,6}))?\+00:00$/.exec(iso);
  if (!m) return undefined;
  return Date.parse(`${m[1]}Z`) + Number(`0.${m[2] ?? '0'}`) * 1000;
}

const fds = () => readdirSync('/proc/self/fd').length;
const kib = (b) => b / 1024;
const gc = globalThis.gc ?? (() => process.stderr.write('scale-client: run with --expose-gc for exact memory figures\n'));
const localAddresses = process.env.SCALE_LOCAL_ADDRESSES ? parseLocalAddresses(process.env.SCALE_LOCAL_ADDRESSES) : undefined;
gc();
const before = process.memoryUsage();
const fds0 = fds();
let atFull;
// All N are open from N/rate s (the last opens) until the first run ends at its second heartbeat.
const measureAt = setTimeout(() => {
  const t = performance.now();
  gc();
  const m = process.memoryUsage();
  const open = fds() - fds0;
  atFull = {
    openStreams: open,
    rssKiBPerStream: kib(m.rss - before.rss) / open,
    heapKiBPerStream: kib(m.heapUsed - before.heapUsed) / open,
    externalKiBPerStream: kib(m.external - before.external) / open,
    rssMiB: m.rss / 2 ** 20,
    baselineRssMiB: before.rss / 2 ** 20,
    measureMs: performance.now() - t,
  };
}, (streams / rate) * 1000 + 1500);

const lags = [];
const debug = [];
/** Why runs that did not see a heartbeat-only stream ended: `<outcome> <error code>` → runs (evidence for the figure). */
const failures = {};
const result = await runLoad({
  probe: { ...DEFAULT_PROBE_OPTIONS, baseUrl: url, ...(localAddresses ? { localAddresses } : {}), attempts: 0, idleHeartbeats: 2, observeMs: 120_000, timeoutMs: 60_000, jobStatusPath: '' },
  // Opened at `rate` a second (a 10 s ramp for 10,000 at 1,000/s), all open before the first heartbeat is due.
  model: { kind: 'open', schedule: constantSchedule(rate, (streams / rate) * 1000), maxInflight: streams },
  graceMs: 1000,
  keepWorst: 0,
  bailAfterUnreachable: 100,
  onSample: (sample, t) => {
    if (sample.outcome !== 'heartbeat-only') {
      const err = t.enqueue.error ?? t.attempts.at(-1)?.error;
      const key = `${sample.outcome} ${err?.code ?? t.enqueue.status ?? t.attempts.at(-1)?.status ?? ''}`.trim();
      failures[key] = (failures[key] ?? 0) + 1;
    }
    const first = t.attempts.at(-1)?.records.find((r) => r.kind === 'event');
    const sent = first && pythonIsoToEpochMs(JSON.parse(first.data).timestamp);
    if (sent !== undefined) {
      lags.push(t.t0EpochMs + first.atMs - sent);
      if (process.env.SCALE_DEBUG) debug.push([sent, t.t0EpochMs + first.atMs - sent, first.read]);
    }
  },
});
clearInterval(sampler);
clearTimeout(measureAt);
if (process.env.SCALE_DEBUG) {
  debug.sort((a, b) => a[0] - b[0]);
  const t0 = debug[0][0];
  const buckets = new Map();
  for (const [sent, lag] of debug) {
    const b = Math.floor((sent - t0) / 100);
    const e = buckets.get(b) ?? { n: 0, max: 0, sum: 0 };
    e.n++; e.max = Math.max(e.max, lag); e.sum += lag;
    buckets.set(b, e);
  }
  for (const [b, e] of buckets) process.stderr.write(`${b * 100}ms n=${e.n} mean=${(e.sum / e.n).toFixed(1)} max=${e.max.toFixed(1)}\n`);
}
lags.sort((a, b) => a - b);
const at = (p) => lags[Math.min(lags.length - 1, Math.floor((p / 100) * lags.length))];
process.stdout.write(
  `${JSON.stringify({
    runs: result.metrics.runs,
    healthyOrHeartbeat: result.metrics.outcomes.get('heartbeat-only') ?? 0,
    outcomes: Object.fromEntries(result.metrics.outcomes),
    failures,
    peakInflight: result.peakInflight,
    peakRssBytes,
    memory: atFull,
    baselineFds: fds0,
    ...(localAddresses ? { localAddresses: localAddresses.length } : {}),
    lagMs: { p50: at(50), p99: at(99), max: lags.at(-1) },
    loopDelayMs: result.loopDelay,
  })}\n`,
);
