/**
 * `load --workers N`: N generator threads, each running an equal part of the load model
 * (model-spec.ts), merged exactly at the end (histograms added, counts summed). One thread
 * runs in-process with no coordination cost.
 */
import { Worker } from 'node:worker_threads';
import type { OutcomeCode } from '../classify/outcomes.js';
import type { Transcript } from '../model.js';
import { LoadMetrics, type EncodedMetrics } from './metrics.js';
import { modelPart, type LoadModelSpec } from './model-spec.js';
import { runLoad, type LoadOptions, type LoadResult, type LoopDelay } from './runner.js';
import { runLine } from './run-line.js';
import { liveTimings, type LiveTimings } from './live-timings.js';

/** Options every generator thread shares (serialisable: no signals, no callbacks). */
export type SharedLoadOptions = Omit<LoadOptions, 'model' | 'signal' | 'cutSignal' | 'onSample'>;

/** What the coordinator hands a generator thread. */
export interface WorkerInput {
  options: SharedLoadOptions;
  spec: LoadModelSpec;
  index: number;
  count: number;
  /** Build an NDJSON line per finished run. */
  lines: boolean;
  /** Send each run's live timings and the thread's event-loop delay (`load --metrics-port`). */
  timings?: boolean;
}

/** A generator thread's event-loop delay since it started, ms. */
export interface ThreadLoopDelay {
  p99Ms: number;
  maxMs: number;
}

/** A generator thread's final report. */
export interface WorkerResult extends Omit<LoadResult, 'metrics'> {
  encoded: EncodedMetrics;
  /** Share of the thread's wall time its event loop was busy, 0–1 (1 = saturated). */
  utilization: number;
}

export type WorkerMessage =
  | { t: 'batch'; outcomes: string[]; lines?: Record<string, unknown>[]; timings?: LiveTimings[]; loopDelay?: ThreadLoopDelay; inflight: number }
  | { t: 'done'; result: WorkerResult };

export interface ParallelLoadOptions extends SharedLoadOptions {
  spec: LoadModelSpec;
  /** Generator threads, ≥ 1. */
  workers: number;
  signal?: AbortSignal;
  cutSignal?: AbortSignal;
  /**
   * Called per finished run with its outcome, its NDJSON line when `lines` is set, runs in flight
   * overall, and its live timings when `timings` is set.
   */
  onRun?: (outcome: OutcomeCode, line: Record<string, unknown> | undefined, inflight: number, timings?: LiveTimings) => void;
  lines?: boolean;
  /** Send live timings to `onRun`, and generator threads' event-loop delay to `onLoopDelay`. */
  timings?: boolean;
  /** With `timings` and more than one worker: a generator thread's (1-based) event-loop delay, with its batches. */
  onLoopDelay?: (thread: number, delay: ThreadLoopDelay) => void;
}

/** The merged result, plus each thread's event-loop utilisation (generator health). */
export interface ParallelLoadResult extends LoadResult {
  /** Busy share of each generator thread's event loop, 0–1. */
  utilization: number[];
}

export async function runLoadParallel(o: ParallelLoadOptions): Promise<ParallelLoadResult> {
  const { spec, workers, signal, cutSignal, onRun, lines = false, timings = false, onLoopDelay, ...shared } = o;
  if (workers <= 1) return runInProcess(o);

  const parts = Array.from({ length: workers }, (_, i) => i).filter((i) => modelPart(spec, i, workers) !== undefined);
  const inflight = new Array<number>(workers).fill(0);
  const threads = parts.map((index) => {
    const input: WorkerInput = { options: shared, spec, index, count: workers, lines, timings };
    return { index, worker: new Worker(new URL('./load-worker.js', import.meta.url), { workerData: input }) };
  });
  const tell = (t: 'stop' | 'cut'): void => threads.forEach(({ worker }) => worker.postMessage({ t }));
  const onStop = (): void => tell('stop');
  const onCut = (): void => tell('cut');
  signal?.addEventListener('abort', onStop, { once: true });
  cutSignal?.addEventListener('abort', onCut, { once: true });
  if (signal?.aborted) onStop();

  try {
    const results = await Promise.all(
      threads.map(
        ({ index, worker }) =>
          new Promise<WorkerResult>((resolve, reject) => {
            worker.on('message', (m: WorkerMessage) => {
              if (m.t === 'done') return resolve(m.result);
              inflight[index] = m.inflight;
              const total = inflight.reduce((a, b) => a + b, 0);
              m.outcomes.forEach((outcome, i) => onRun?.(outcome as OutcomeCode, m.lines?.[i], total, m.timings?.[i]));
              if (m.loopDelay) onLoopDelay?.(index + 1, m.loopDelay);
            });
            worker.on('error', reject);
            worker.on('exit', (code) => reject(new Error(`generator thread ${index} exited with code ${code}`)));
          }),
      ),
    );
    return merge(results, shared.keepWorst);
  } finally {
    signal?.removeEventListener('abort', onStop);
    cutSignal?.removeEventListener('abort', onCut);
    await Promise.all(threads.map(({ worker }) => worker.terminate()));
  }
}

async function runInProcess(o: ParallelLoadOptions): Promise<ParallelLoadResult> {
  const { spec, workers: _workers, onRun, lines, timings, onLoopDelay: _onLoopDelay, ...rest } = o;
  let n = 0;
  const elu0 = performance.eventLoopUtilization();
  const result = await runLoad({
    ...rest,
    model: modelPart(spec, 0, 1)!,
    onSample: (sample, transcript, flying) =>
      onRun?.(sample.outcome, lines ? runLine(++n, sample, transcript) : undefined, flying, timings ? liveTimings(sample) : undefined),
  });
  return { ...result, utilization: [performance.eventLoopUtilization(elu0).utilization] };
}

/** Exact merge of the threads' aggregates; the slowest transcripts overall are kept. */
function merge(results: WorkerResult[], keepWorst: number): ParallelLoadResult {
  const metrics = new LoadMetrics();
  const worst: Partial<Record<OutcomeCode, Transcript[]>> = {};
  for (const r of results) {
    metrics.merge(r.encoded);
    for (const [code, list] of Object.entries(r.worst) as [OutcomeCode, Transcript[]][]) (worst[code] ??= []).push(...list);
  }
  for (const list of Object.values(worst)) {
    list.sort((a, b) => b.endMs - a.endMs);
    list.length = Math.min(list.length, keepWorst);
  }
  const order: LoadResult['stoppedBy'][] = ['completed', 'interrupted', 'unreachable', 'client-limit'];
  const stoppedBy = results.map((r) => r.stoppedBy).reduce((a, b) => (order.indexOf(b) > order.indexOf(a) ? b : a), 'completed');
  const loopDelay: LoopDelay = {
    p50: Math.max(...results.map((r) => r.loopDelay.p50)),
    p99: Math.max(...results.map((r) => r.loopDelay.p99)),
    max: Math.max(...results.map((r) => r.loopDelay.max)),
  };
  return {
    metrics,
    worst,
    startedAt: results.map((r) => r.startedAt).sort()[0]!,
    durationMs: Math.max(...results.map((r) => r.durationMs)),
    stoppedBy,
    loopDelay,
    peakInflight: results.reduce((n, r) => n + r.peakInflight, 0),
    ...(results.some((r) => r.clientLimitInflight !== undefined)
      ? { clientLimitInflight: results.reduce((n, r) => n + (r.clientLimitInflight ?? r.peakInflight), 0) }
      : {}),
    utilization: results.map((r) => r.utilization),
  };
}
