// Child process of held-stream-memory.test.ts: holds N heartbeat-only streams against URL with the
// load runner (from dist/: `npm test` builds first), then prints the heap used per open stream after
// a forced GC, against a forced GC before the load, and the descriptors opened meanwhile. Run with --expose-gc.
import { readdirSync } from 'node:fs';
import { runLoad } from '../../dist/load/runner.js';
import { constantSchedule } from '../../dist/load/pacer.js';
import { DEFAULT_PROBE_OPTIONS } from '../../dist/probe/options.js';

const [url, n] = process.argv.slice(2);
const streams = Number(n);
const fds = () => readdirSync('/proc/self/fd').length;
const stop = new AbortController();
const cut = new AbortController();
globalThis.gc();
const before = process.memoryUsage().heapUsed;
const fds0 = fds();
const done = runLoad({
  probe: { ...DEFAULT_PROBE_OPTIONS, baseUrl: url, attempts: 0, observeMs: 60_000, timeoutMs: 30_000, jobStatusPath: '' },
  model: { kind: 'open', schedule: constantSchedule(2000, (streams / 2000) * 1000), maxInflight: streams },
  signal: stop.signal,
  cutSignal: cut.signal,
  graceMs: 0,
  keepWorst: 3,
  bailAfterUnreachable: 10,
});
// All open (a descriptor each; up to 20 s on a loaded machine), then a second for the last heads to come.
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
for (const deadline = Date.now() + 20_000; fds() - fds0 < streams && Date.now() < deadline; ) await sleep(100);
await sleep(1000);
globalThis.gc();
const heapPerStreamBytes = (process.memoryUsage().heapUsed - before) / streams;
const openedFds = fds() - fds0;
stop.abort();
cut.abort();
const result = await done;
process.stdout.write(`${JSON.stringify({ heapPerStreamBytes, openedFds, runs: result.metrics.runs })}\n`);
