/**
 * `ssedoctor reproduce`: the same load against the embedded reference server under each lookup
 * strategy (single, fixed, window) with one persistence-delay distribution, side by side; then a
 * sweep of STREAM_DECISION_SET_MAX_WAIT values and the smallest window that had no early 404, and
 * one recommendation from every windowed step's waits pooled (the estimator load uses).
 */
import { EXIT, usageError } from '../../errors.js';
import { recommendFromGroups, waitGroupOfEncoded } from '../../load/recommend.js';
import { runLoad } from '../../load/runner.js';
import { compareSweep } from '../../load/sweep-agreement.js';
import { loadSummary, type LoadSummary } from '../../load/summary.js';
import { chalkFor } from '../../report/format.js';
import { reproduceHtml } from '../../report/html.js';
import { reproduceText, type ReproduceDocument } from '../../report/reproduce-text.js';
import { DEFAULT_PROBE_OPTIONS } from '../../probe/options.js';
import { parseDistribution } from '../../server/index.js';
import type { CliContext } from '../context.js';
import { startEmbeddedServer } from '../embedded.js';
import { parseDuration, parseInteger } from '../options.js';
import { parseMissRate } from '../miss-rate.js';
import { createProgress } from '../progress.js';
import { waitBuckets } from '../render.js';
import { writeFileAtomic } from '../write-file.js';

export interface ReproduceFlags {
  persistDelay: string;
  requests: string;
  concurrency: string;
  retryDelay: string;
  fixedRetries: string;
  maxWait: string;
  sweep: string;
  seed: string;
  targetMissRate: string;
  json?: boolean;
  out?: string;
  html?: string;
  progress: boolean;
}

interface Step {
  label: string;
  lookup: 'single' | 'fixed' | 'window';
  windowMs: number;
  flags: string[];
}

export async function reproduceCommand(flags: ReproduceFlags, ctx: CliContext): Promise<number> {
  try {
    parseDistribution(flags.persistDelay);
  } catch (err) {
    throw usageError('bad-distribution', `--persist-delay: ${(err as Error).message}`);
  }
  const requests = parseInteger(flags.requests, '--requests', 1, 1_000_000);
  const concurrency = parseInteger(flags.concurrency, '--concurrency', 1, 100_000);
  const retryDelayMs = parseDuration(flags.retryDelay, '--retry-delay');
  const fixedRetries = parseInteger(flags.fixedRetries, '--fixed-retries', 0, 10_000);
  const maxWaitMs = parseDuration(flags.maxWait, '--max-wait');
  const sweep = flags.sweep
    .split(',')
    .filter((s) => s.trim() !== '')
    .map((s) => parseDuration(s.trim(), '--sweep'));
  if (sweep.length === 0) throw usageError('bad-sweep', '--sweep: give comma-separated durations, e.g. 1s,2s,4s,6s');
  const seed = parseInteger(flags.seed, '--seed', 0);
  const targetMissRate = parseMissRate(flags.targetMissRate);

  const common = ['--persist-delay', flags.persistDelay, '--retry-delay', `${retryDelayMs}ms`, '--seed', String(seed)];
  const strategies: Step[] = [
    { label: 'single', lookup: 'single', windowMs: 0, flags: ['--lookup', 'single'] },
    { label: 'fixed', lookup: 'fixed', windowMs: fixedRetries * retryDelayMs, flags: ['--lookup', 'fixed', '--fixed-retries', String(fixedRetries)] },
    { label: 'window', lookup: 'window', windowMs: maxWaitMs, flags: ['--lookup', 'window', '--max-wait', `${maxWaitMs}ms`] },
  ];
  const sweepSteps: Step[] = sweep.map((w) => ({ label: `window ${w} ms`, lookup: 'window', windowMs: w, flags: ['--lookup', 'window', '--max-wait', `${w}ms`] }));

  const chatter = flags.progress && !flags.json;
  const run = async (step: Step, showProgress: boolean): Promise<LoadSummary | undefined> => {
    if (ctx.signal.aborted) return undefined;
    if (showProgress) ctx.stderr.write(`ssedoctor: ${step.label}\n`);
    const server = await startEmbeddedServer('healthy', [...common, ...step.flags]);
    const counts = new Map<string, number>();
    let done = 0;
    const progress = createProgress(ctx.stderr, requests, showProgress);
    try {
      const result = await runLoad({
        probe: { ...DEFAULT_PROBE_OPTIONS, attempts: 0, baseUrl: server.url },
        model: { kind: 'closed', concurrency, requests },
        signal: ctx.signal,
        ...(ctx.cutoff ? { cutSignal: ctx.cutoff } : {}),
        graceMs: 2000,
        keepWorst: 0,
        bailAfterUnreachable: 20,
        onSample: (s) => {
          counts.set(s.outcome, (counts.get(s.outcome) ?? 0) + 1);
          progress.update(++done, counts);
        },
      });
      return loadSummary({
        version: ctx.version,
        target: { baseUrl: server.url, embeddedScenario: `healthy --lookup ${step.lookup}`, windowMs: step.windowMs },
        model: { kind: 'closed', concurrency, requests, lookup: step.lookup, windowMs: step.windowMs },
        thresholds: [],
        ...result,
      });
    } finally {
      progress.stop();
      await server.close();
    }
  };

  const strategyRuns: ReproduceDocument['strategies'] = [];
  for (const step of strategies) {
    const summary = await run(step, chatter);
    if (summary) strategyRuns.push({ lookup: step.lookup, windowMs: step.windowMs, summary });
  }
  // One step at a time: run side by side, the steps slow the generator, which delays each stream
  // request after its POST and so lengthens every window it measures.
  const sweepRuns: ReproduceDocument['sweep'] = [];
  for (const step of sweepSteps) {
    const summary = await run(step, chatter);
    if (summary) sweepRuns.push({ windowMs: step.windowMs, summary });
  }

  const misses = (r: { summary: LoadSummary }): number => r.summary.outcomes.find((o) => o.code === 'early-404')?.count ?? 0;
  const safe = sweepRuns.find((r) => misses(r) === 0);
  // One answer: every step with a window (not the single lookup) pooled, each 404 censored at its own window.
  const recommendation = recommendFromGroups(
    [...strategyRuns.filter((r) => r.lookup !== 'single'), ...sweepRuns].map((r) => waitGroupOfEncoded(r.summary.encoded, r.windowMs)),
    { targetMissRate, pollMs: retryDelayMs, zeroMs: Math.min(50, retryDelayMs / 2) },
  );
  const agreement = compareSweep(
    sweepRuns.map((r) => ({ windowMs: r.windowMs, runs: r.summary.runs, misses: misses(r) })),
    recommendation,
  );
  const doc: ReproduceDocument = {
    schema: 'ssedoctor.reproduce/v1',
    tool: { name: 'ssedoctor', version: ctx.version },
    persistDelay: flags.persistDelay,
    requests,
    concurrency,
    retryDelayMs,
    seed,
    strategies: strategyRuns,
    sweep: sweepRuns,
    smallestSafeWindowMs: safe?.windowMs ?? null,
    targetMissRate,
    recommendation,
    ...(agreement ? { agreement } : {}),
    interrupted: ctx.signal.aborted,
  };
  if (flags.out) writeFileAtomic(flags.out, `${JSON.stringify(doc)}\n`);
  if (flags.html) {
    const window = doc.strategies.find((r) => r.lookup === 'window');
    writeFileAtomic(flags.html, reproduceHtml(doc, window ? waitBuckets(window.summary) : []));
  }
  if (flags.json) ctx.stdout.write(`${JSON.stringify(doc, null, 2)}\n`);
  else ctx.stdout.write(reproduceText(doc, chalkFor(ctx.stdout, ctx.env)));
  return doc.interrupted ? EXIT.interrupted : EXIT.ok;
}
