/**
 * Concurrent enqueue → stream runs. One iteration is exactly one verify run (runProbe), classified
 * with every figure (`verdict`); findings are built for the runs kept as examples. Closed model: N workers loop. Open model: runs start on a schedule; a run that
 * finds no free slot is counted as dropped, never queued, and its latency counts from the
 * scheduled start.
 */
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { verdict } from '../classify/diagnose.js';
import type { OutcomeCode } from '../classify/outcomes.js';
import type { Transcript } from '../model.js';
import { createDispatchers } from '../probe/dispatcher.js';
import { streamProtocol } from '../probe/network.js';
import type { ProbeOptions } from '../probe/options.js';
import { runCompleteProbe, withProbeDefaults } from '../probe/run-probe.js';
import { LoadMetrics, type Sample } from './metrics.js';
import type { Schedule } from './pacer.js';
import { armStorm, emptyStormCounts, stormRun, type StormPlan } from './storm.js';
import { emptyConnectionCap, SimulatedBrowsers } from './browser-tabs.js';

export type LoadModel =
  | { kind: 'closed'; concurrency: number; requests?: number; durationMs?: number }
  | { kind: 'open'; schedule: Schedule; maxInflight: number };

export interface LoadOptions {
  probe: Omit<ProbeOptions, 'signal' | 'dispatcher'>;
  model: LoadModel;
  /** Abort = stop starting runs; in-flight ones get `graceMs`, then are cut off. */
  signal?: AbortSignal;
  /** Abort = cut every in-flight run off now (a second Ctrl-C); what they saw so far is kept. */
  cutSignal?: AbortSignal;
  graceMs: number;
  /** Transcripts kept per outcome (the slowest runs). */
  keepWorst: number;
  /** Stop the whole load after this many unreachable runs in a row (the target died). */
  bailAfterUnreachable: number;
  /** A reconnect storm: every open stream cut at `atMs` after the start (see storm.ts). */
  storm?: StormPlan;
  /** Closed model: runs per simulated browser, which opens 6 connections per origin (see browser-tabs.ts). */
  browserTabs?: number;
  /** Called for every finished run, with the number of runs still in flight. */
  onSample?: (sample: Sample, transcript: Transcript, inflight: number) => void;
}

/** Event-loop delay of the generator itself, ms. High values mean its timings are inflated. */
export interface LoopDelay {
  p50: number;
  p99: number;
  max: number;
}

export interface LoadResult {
  metrics: LoadMetrics;
  worst: Partial<Record<OutcomeCode, Transcript[]>>;
  startedAt: string;
  durationMs: number;
  /** `client-limit`: ssedoctor ran out of file descriptors or local ports (see `clientLimitInflight`). */
  stoppedBy: 'completed' | 'interrupted' | 'unreachable' | 'client-limit';
  loopDelay: LoopDelay;
  /** Most runs in flight at once. */
  peakInflight: number;
  /** Runs in flight when the first run met ssedoctor's own limit (EMFILE, EADDRNOTAVAIL). */
  clientLimitInflight?: number;
}

/** Sampling interval of the event-loop delay monitor, ms. */
const LOOP_RESOLUTION_MS = 10;

export async function runLoad(options: LoadOptions): Promise<LoadResult> {
  const metrics = new LoadMetrics();
  const worst: Partial<Record<OutcomeCode, Transcript[]>> = {};
  const startedAt = new Date().toISOString();
  const t0 = performance.now();
  const elapsed = (): number => performance.now() - t0;
  // One signal for every run, aborted after the grace period (or by a second Ctrl-C). Runs wait on
  // it through probe/sleep.ts onAbort, an array slot each, so ten thousand of them cost nothing to
  // add and remove; a controller per run cost ≈ 0.5 KiB per open stream, and a Set of them churned.
  const cut = new AbortController();
  const cutoff = { abort: (): void => cut.abort() };
  const connections = options.model.kind === 'closed' ? options.model.concurrency : options.model.maxInflight;
  // One pool per source address (--local-address), handed to runs in turn.
  const dispatchers = createDispatchers(options.probe.timeoutMs, connections, options.probe);
  let nextDispatcher = 0;
  const loop = monitorEventLoopDelay({ resolution: LOOP_RESOLUTION_MS });
  loop.enable();
  const storm = options.storm ? armStorm(options.storm, elapsed, (metrics.storm = emptyStormCounts(options.storm))) : undefined;
  const browsers = options.browserTabs ? new SimulatedBrowsers(options.browserTabs) : undefined;
  if (browsers) metrics.connectionCap = emptyConnectionCap(browsers.tabs, browsers.limit);

  let stoppedBy: LoadResult['stoppedBy'] = 'completed';
  let stopping = false;
  let unreachableStreak = 0;
  let inflight = 0;
  let peakInflight = 0;
  let clientLimitInflight: number | undefined;
  const stop = (why: LoadResult['stoppedBy']): void => {
    if (stopping) return;
    stopping = true;
    stoppedBy = why;
  };
  const onAbort = (): void => stop('interrupted');
  options.signal?.addEventListener('abort', onAbort, { once: true });
  if (options.signal?.aborted) stop('interrupted');
  const onCut = (): void => {
    stop('interrupted');
    cutoff.abort();
  };
  options.cutSignal?.addEventListener('abort', onCut, { once: true });

  const scheduled = options.model.kind === 'open';
  // Completed once and shared by every run (a spread per run was ≈ 3 µs and 0.2 KiB per open stream).
  const probe: ProbeOptions = { ...withProbeDefaults(options.probe), ...storm?.probeOptions, signal: cut.signal };
  if (options.cutSignal?.aborted) cut.abort();
  /** One run. */
  const runOne = async (scheduledMs: number, tab?: number): Promise<void> => {
    inflight++;
    peakInflight = Math.max(peakInflight, inflight);
    const lagMs = Math.max(0, elapsed() - scheduledMs);
    try {
      const dispatcher = dispatchers[nextDispatcher++ % dispatchers.length]!;
      const capped = browsers && tab !== undefined ? browsers.forRun(tab, dispatcher) : undefined;
      const transcript = await runCompleteProbe(probe, capped?.dispatcher ?? dispatcher);
      const diagnosis = verdict(transcript);
      const protocol = streamProtocol(transcript);
      const stormed = storm ? stormRun(transcript, diagnosis.reconnects) : undefined;
      const sample: Sample = { outcome: diagnosis.outcome.code, ...(protocol ? { protocol } : {}), scheduledMs, lagMs, scheduled, diagnosis, ...(stormed ? { storm: stormed } : {}), ...(capped ? { connectionWait: capped.waits() } : {}) };
      metrics.add(sample);
      keepWorst(worst, sample.outcome, transcript, options.keepWorst);
      // Out of file descriptors or ports: every later run would measure ssedoctor, not the target.
      if (sample.outcome === 'client-limit') {
        clientLimitInflight ??= inflight;
        stop('client-limit');
      }
      unreachableStreak = sample.outcome === 'unreachable' ? unreachableStreak + 1 : 0;
      if (unreachableStreak >= options.bailAfterUnreachable) stop('unreachable');
      options.onSample?.(sample, transcript, inflight - 1);
    } finally {
      if (--inflight === 0) onDrained?.();
    }
  };

  // Open model: runs are counted, not kept in a Set with a `finally` each (≈ 0.2 KiB per open stream).
  let onDrained: (() => void) | undefined;
  let crash: { error: unknown } | undefined;
  const crashed = (error: unknown): void => {
    crash ??= { error };
    stop('interrupted');
  };
  const launch = (scheduledMs: number): void => void runOne(scheduledMs).catch(crashed);

  const model = options.model;
  if (model.kind === 'closed') {
    let started = 0;
    const deadline = model.durationMs ?? Infinity;
    const more = (): boolean => !stopping && (model.requests === undefined || started < model.requests) && elapsed() < deadline;
    const worker = async (_: unknown, tab: number): Promise<void> => {
      while (more()) {
        started++;
        await runOne(elapsed(), tab);
      }
    };
    const workers = Promise.all(Array.from({ length: model.concurrency }, worker));
    await untilDoneOrStopped(workers, () => stopping, options.graceMs, cutoff);
  } else {
    for (let i = 0; !stopping; i++) {
      const due = model.schedule.startAt(i);
      if (due === undefined) break;
      const wait = due - elapsed();
      if (wait > 1) await sleepUnless(wait, () => stopping);
      if (stopping) break;
      if (inflight >= model.maxInflight) metrics.dropped++;
      else launch(due);
    }
    const drained = inflight === 0 ? Promise.resolve() : new Promise<void>((resolve) => (onDrained = resolve));
    await untilDoneOrStopped(drained, () => stopping, options.graceMs, cutoff);
    if (crash) throw crash.error; // a programming error in a run, as Promise.all over the runs reported it
  }

  loop.disable();
  storm?.stop();
  options.signal?.removeEventListener('abort', onAbort);
  options.cutSignal?.removeEventListener('abort', onCut);
  await Promise.all(dispatchers.map((d) => d.destroy()));
  // The histogram holds timer-to-timer intervals: an idle loop reads ≈ the resolution, not 0.
  const ms = (ns: number): number => Math.max(0, ns / 1e6 - LOOP_RESOLUTION_MS);
  return {
    metrics,
    worst,
    startedAt,
    durationMs: elapsed(),
    stoppedBy,
    loopDelay: { p50: ms(loop.percentile(50)), p99: ms(loop.percentile(99)), max: ms(loop.max) },
    peakInflight,
    ...(clientLimitInflight !== undefined ? { clientLimitInflight } : {}),
  };
}

/** Waits for `done`; once `stopped()` turns true, waits at most `graceMs` more, then aborts the rest. */
async function untilDoneOrStopped(done: Promise<unknown>, stopped: () => boolean, graceMs: number, cutoff: { abort(): void }): Promise<void> {
  let finished = false;
  void done.then(() => (finished = true));
  while (!finished && !stopped()) await Promise.race([done, sleep(50)]);
  if (!finished) {
    // The grace timer is cleared once the runs are done: a pending one would hold the process for the whole grace.
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([done, new Promise((resolve) => (timer = setTimeout(resolve, graceMs)))]);
    clearTimeout(timer);
    cutoff.abort();
    await done;
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Sleeps up to `ms`, waking early (within 50 ms) when `stopped()` turns true. */
async function sleepUnless(ms: number, stopped: () => boolean): Promise<void> {
  const end = performance.now() + ms;
  while (!stopped()) {
    const left = end - performance.now();
    if (left <= 0) return;
    await sleep(Math.min(left, 50));
  }
}

/** Keeps the `k` slowest transcripts of each outcome. */
function keepWorst(worst: Partial<Record<OutcomeCode, Transcript[]>>, outcome: OutcomeCode, t: Transcript, k: number): void {
  if (k <= 0) return;
  const list = (worst[outcome] ??= []);
  // Not slower than the fastest kept: it would be sorted last and dropped.
  if (list.length >= k && t.endMs <= list[list.length - 1]!.endMs) return;
  list.push(t);
  list.sort((a, b) => b.endMs - a.endMs);
  if (list.length > k) list.length = k;
}
