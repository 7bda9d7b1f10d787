#!/usr/bin/env node
// The scale figure's client: one ssedoctor process holding N concurrent heartbeat-only streams.
// Samples its own RSS and compares each run's first-event arrival with the server's send time
// (the envelope timestamp). Prints JSON. Usage: node bench/scale-client.js URL N
import { runLoad } from '../dist/load/runner.js';
import { DEFAULT_PROBE_OPTIONS } from '../dist/probe/options.js';

const [url, n = '10000'] = process.argv.slice(2);
const streams = Number(n);
let peakRssBytes = 0;
const sampler = setInterval(() => (peakRssBytes = Math.max(peakRssBytes, process.memoryUsage().rss)), 250);

/** `2026-11-24T10:11:31.227620+00:00` → fractional epoch ms (Date.parse keeps only ms). */
function pythonIsoToEpochMs(iso) {
  const m = /^(.*T\d\d:\d\d:\d\d)(?:\.(\d{1,6}))?\+00:00$/.exec(iso);
  if (!m) return undefined;
  return Date.parse(`${m[1]}Z`) + Number(`0.${m[2] ?? '0'}`) * 1000;
}

const lags = [];
const result = await runLoad({
  probe: { ...DEFAULT_PROBE_OPTIONS, baseUrl: url, attempts: 0, idleHeartbeats: 1, observeMs: 120_000, timeoutMs: 60_000, jobStatusPath: '' },
  model: { kind: 'closed', concurrency: streams, requests: streams },
  graceMs: 1000,
  keepWorst: 0,
  bailAfterUnreachable: 100,
  onSample: (_sample, t) => {
    const first = t.attempts.at(-1)?.records.find((r) => r.kind === 'event');
    const sent = first && pythonIsoToEpochMs(JSON.parse(first.data).timestamp);
    if (sent !== undefined) lags.push(t.t0EpochMs + first.atMs - sent);
  },
});
clearInterval(sampler);
lags.sort((a, b) => a - b);
const at = (p) => lags[Math.min(lags.length - 1, Math.floor((p / 100) * lags.length))];
process.stdout.write(
  `${JSON.stringify({
    runs: result.metrics.runs,
    healthyOrHeartbeat: result.metrics.outcomes.get('heartbeat-only') ?? 0,
    outcomes: Object.fromEntries(result.metrics.outcomes),
    peakInflight: result.peakInflight,
    peakRssBytes,
    lagMs: { p50: at(50), p99: at(99), max: lags.at(-1) },
    loopDelayMs: result.loopDelay,
  })}\n`,
);
