/**
 * One generator thread of a `--workers N` load: runs its part of the model with `runLoad` and
 * reports to the coordinating thread (parallel.ts). Finished runs travel in batches (a message
 * per run would cost more than the run); the aggregate travels once, encoded, at the end.
 */
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { parentPort, workerData } from 'node:worker_threads';
import { runLoad } from './runner.js';
import { runLine } from './run-line.js';
import { liveTimings, type LiveTimings } from './live-timings.js';
import type { WorkerInput, WorkerMessage } from './parallel.js';
import { modelPart } from './model-spec.js';

const input = workerData as WorkerInput;
const port = parentPort!;
const stop = new AbortController();
const cut = new AbortController();
port.on('message', (m: { t: 'stop' | 'cut' }) => (m.t === 'stop' ? stop : cut).abort());

const BATCH_MS = 100;
const BATCH_MAX = 256;
let outcomes: string[] = [];
let lines: Record<string, unknown>[] = [];
let timings: LiveTimings[] = [];
// Live metrics (`--metrics-port`) show this thread's health as the run goes on, not only at the end.
const loop = input.timings ? monitorEventLoopDelay({ resolution: 10 }) : undefined;
loop?.enable();
let inflight = 0;
let finished = 0;
const flush = (): void => {
  if (outcomes.length === 0) return;
  const loopDelay = loop ? { p99Ms: loop.percentile(99) / 1e6, maxMs: loop.max / 1e6 } : undefined;
  port.postMessage({ t: 'batch', outcomes, lines: input.lines ? lines : undefined, timings: loop ? timings : undefined, loopDelay, inflight } satisfies WorkerMessage);
  outcomes = [];
  lines = [];
  timings = [];
};
const timer = setInterval(flush, BATCH_MS);

const model = modelPart(input.spec, input.index, input.count)!;
const elu0 = performance.eventLoopUtilization();
const result = await runLoad({
  ...input.options,
  model,
  signal: stop.signal,
  cutSignal: cut.signal,
  onSample: (sample, transcript, flying) => {
    inflight = flying;
    outcomes.push(sample.outcome);
    if (input.lines) lines.push(runLine(++finished, sample, transcript));
    if (loop) timings.push(liveTimings(sample));
    if (outcomes.length >= BATCH_MAX) flush();
  },
});
clearInterval(timer);
flush();
loop?.disable();
const { metrics, ...rest } = result;
port.postMessage({
  t: 'done',
  result: { ...rest, encoded: metrics.encode(), utilization: performance.eventLoopUtilization(elu0).utilization },
} satisfies WorkerMessage);
