/** `ssedoctor load`: concurrent enqueue → stream runs with HDR statistics and CI thresholds. */
import { usageError, EXIT } from '../../errors.js';
import { availableParallelism } from 'node:os';
import { rampSchedule } from '../../load/pacer.js';
import type { LoadModelSpec } from '../../load/model-spec.js';
import { runLoadParallel } from '../../load/parallel.js';
import { loadSummary, type LoadSummary } from '../../load/summary.js';
import { parseShard, rateShare, shareOf, type Shard } from '../../load/shard.js';
import { parseThreshold } from '../../load/thresholds.js';
import { proxyFor } from '../../probe/network.js';
import { redactUrl } from '../../probe/redact.js';
import { roundTimesDeep } from '../../report/format.js';
import type { CliContext } from '../context.js';
import { startEmbeddedServer, type EmbeddedServer } from '../embedded.js';
import { parseBaseUrl, parseDuration, parseInteger, parsePositiveDuration } from '../options.js';
import { capacityWarnings, clientLimitMessage, localPortRange, openFileLimit } from '../capacity.js';
import { assertLocalAddresses, parseLocalAddresses } from '../../probe/local-addresses.js';
import { parseMissRate } from '../miss-rate.js';
import { probeOptionsFromFlags, type ProbeFlags } from '../probe-flags.js';
import { stormPlanFromFlags, type StormFlags } from '../storm-flags.js';
import { browserTabsFromFlags, type BrowserTabsFlags } from '../browser-tabs-flag.js';
import { createProgress } from '../progress.js';
import { commandLine } from '../command-line.js';
import { startMetricsExporter, type MetricsExporter } from '../metrics-server.js';
import { embeddedWindowMs, resolveScenarioName } from '../scenario.js';
import { publishLoad } from '../ci-outputs.js';
import { renderLoad } from '../render.js';
import { writeFileAtomic } from '../write-file.js';

export interface LoadFlags extends ProbeFlags, StormFlags, BrowserTabsFlags {
  url?: string;
  scenario?: string;
  concurrency?: string;
  requests?: string;
  duration?: string;
  rate?: string;
  rampTo?: string;
  maxInflight: string;
  threshold: string[];
  json?: boolean;
  ndjson?: boolean;
  out?: string;
  junit?: string;
  html?: string;
  keepWorst: string;
  grace: string;
  progress: boolean;
  shard?: string;
  seed: string;
  workers?: string;
  metricsPort?: string;
  metricsHost: string;
  targetMissRate: string;
  failOnGeneratorLimited?: boolean;
  localAddress?: string;
}

/**
 * Parses the load model: closed (--concurrency with --requests or --duration) or open (--rate).
 * With a shard, this process runs its equal part: its share of requests, concurrency and rate.
 */
export function loadModelFromFlags(f: LoadFlags, shard?: Shard): { spec: LoadModelSpec; describe: Record<string, unknown>; total?: number } {
  const part = (n: number): number => (shard ? Math.max(1, shareOf(n, shard)) : n);
  const ratePart = (r: number): number => (shard ? rateShare(r, shard) : r);
  const durationMs = f.duration !== undefined ? parsePositiveDuration(f.duration, '--duration') : undefined;
  if (f.rate !== undefined) {
    if (f.concurrency !== undefined || f.requests !== undefined) {
      throw usageError('conflicting-flags', '--rate (open model) cannot be combined with --concurrency or --requests (closed model)');
    }
    if (!durationMs) throw usageError('missing-flag', '--rate needs --duration, e.g. --rate 50 --duration 30s');
    const rate = ratePart(parseRate(f.rate, '--rate'));
    const to = f.rampTo !== undefined ? ratePart(parseRate(f.rampTo, '--ramp-to')) : rate;
    const maxInflight = part(parseInteger(f.maxInflight, '--max-inflight', 1, 1_000_000));
    return {
      spec: { kind: 'open', fromPerSec: rate, toPerSec: to, durationMs, maxInflight },
      describe: { kind: 'open', rate, rampTo: to, durationMs, maxInflight },
      total: rampSchedule(rate, to, durationMs).total,
    };
  }
  if (f.rampTo !== undefined) throw usageError('missing-flag', '--ramp-to needs --rate');
  const concurrency = part(parseInteger(f.concurrency ?? '20', '--concurrency', 1, 100_000));
  const allRequests = f.requests !== undefined ? parseInteger(f.requests, '--requests', 1) : durationMs === undefined ? 200 : undefined;
  const requests = allRequests === undefined ? undefined : shard ? shareOf(allRequests, shard) : allRequests;
  if (requests === 0) throw usageError('empty-shard', `--shard ${shard!.index}/${shard!.count}: ${allRequests} requests leave this shard none`);
  return {
    spec: { kind: 'closed', concurrency, ...(requests !== undefined ? { requests } : {}), ...(durationMs !== undefined ? { durationMs } : {}) },
    describe: { kind: 'closed', concurrency, requests, durationMs },
    total: requests,
  };
}

/**
 * Generator threads: `--workers N`, or by default one per core left over (the embedded server,
 * when there is one, runs in its own process and gets a core).
 */
export function workerCount(flag: string | undefined, embedded: boolean): number {
  if (flag !== undefined) return parseInteger(flag, '--workers', 1, 256);
  return Math.max(1, availableParallelism() - (embedded ? 1 : 0));
}

function parseRate(text: string, flag: string): number {
  const n = Number(text.replace(/\/s$/, ''));
  if (!Number.isFinite(n) || n <= 0) throw usageError('bad-rate', `${flag}: "${text}" is not a rate; use runs per second, e.g. 50 or 50/s`);
  return n;
}

export async function loadCommand(flags: LoadFlags, ctx: CliContext): Promise<number> {
  // Proxies only for a target the user named: the embedded server is on loopback, never behind one.
  const probe = probeOptionsFromFlags(flags, { env: flags.url !== undefined ? ctx.env : {}, warn: (l) => ctx.stderr.write(l) });
  const shard = flags.shard !== undefined ? parseShard(flags.shard, ctx.env) : undefined;
  const { spec, describe, total } = loadModelFromFlags(flags, shard);
  // Each shard draws its own persistence delays on the embedded server.
  const seed = parseInteger(flags.seed, '--seed', 0) + (shard ? shard.index - 1 : 0);
  const thresholds = flags.threshold.map(parseThreshold);
  const storm = stormPlanFromFlags(flags);
  const browserTabs = browserTabsFromFlags(flags);
  const keepWorst = parseInteger(flags.keepWorst, '--keep-worst', 0, 100);
  const graceMs = parseDuration(flags.grace, '--grace');
  const targetMissRate = parseMissRate(flags.targetMissRate);
  const baseUrl = flags.url !== undefined ? parseBaseUrl(flags.url) : undefined;
  const scenario = resolveScenarioName(flags, 'slow-persistence');
  const localAddresses = flags.localAddress !== undefined ? parseLocalAddresses(flags.localAddress) : undefined;
  if (localAddresses) await assertLocalAddresses(localAddresses);
  // Said before anything starts: a model past the descriptor or port limit would stop part-way.
  const streams = spec.kind === 'closed' ? { streams: spec.concurrency, flag: '--concurrency' as const } : { streams: spec.maxInflight, flag: '--max-inflight' as const };
  const limits = { openFiles: openFileLimit(), portRange: localPortRange(), localAddresses: localAddresses?.length ?? 1 };
  for (const line of capacityWarnings({ ...streams, ...limits })) ctx.stderr.write(`${line}\n`);

  // Listening first: a port in use is a usage error before anything is started or sent.
  const exporter: MetricsExporter | undefined = flags.metricsPort !== undefined ? await startMetricsExporter(flags.metricsHost, flags.metricsPort, ctx.version) : undefined;
  if (exporter) ctx.stderr.write(`ssedoctor: Prometheus metrics at ${exporter.url}\n`);
  let server: EmbeddedServer | undefined;
  if (!baseUrl) {
    server = await startEmbeddedServer(scenario, ['--seed', String(seed)]).catch(async (err: unknown) => {
      await exporter?.close(); // a listening exporter would keep the process alive
      throw err;
    });
    ctx.stderr.write(`ssedoctor: started the embedded reference server (scenario ${scenario}) at ${server.url}\n`);
  }
  // The probe gets the real URL; everything written or printed gets it redacted (userinfo, query values).
  const probeUrl = server ? server.url : baseUrl!;
  const target = {
    ...(server ? { baseUrl: server.url, embeddedScenario: scenario, windowMs: embeddedWindowMs(scenario) } : { baseUrl: redactUrl(baseUrl!) }),
    ...(baseUrl && proxyFor(baseUrl, probe.proxy) ? { proxy: redactUrl(proxyFor(baseUrl, probe.proxy)!) } : {}),
    targetMissRate,
    ...(localAddresses ? { localAddresses } : {}),
  };

  const workers = workerCount(flags.workers, server !== undefined);
  const counts = new Map<string, number>();
  let done = 0;
  let inflight = 0;
  const progress = createProgress(ctx.stderr, total, flags.progress && !flags.json && !flags.ndjson);
  const tick = setInterval(() => progress.update(done, counts, inflight), 1000);
  let result;
  const cpu0 = process.cpuUsage();
  try {
    result = await runLoadParallel({
      probe: { ...probe, baseUrl: probeUrl, ...(localAddresses ? { localAddresses } : {}) },
      spec,
      workers,
      signal: ctx.signal,
      ...(ctx.cutoff ? { cutSignal: ctx.cutoff } : {}),
      graceMs,
      keepWorst,
      bailAfterUnreachable: 20,
      ...(storm ? { storm } : {}),
      ...(browserTabs ? { browserTabs } : {}),
      lines: flags.ndjson === true,
      timings: exporter !== undefined,
      ...(exporter ? { onLoopDelay: exporter.onLoopDelay } : {}),
      onRun: (outcome, line, flying, timings) => {
        done++;
        exporter?.onRun(outcome, flying, timings);
        if (line) ctx.stdout.write(`${JSON.stringify({ ...line, n: done })}\n`);
        inflight = flying;
        counts.set(outcome, (counts.get(outcome) ?? 0) + 1);
        progress.update(done, counts, inflight);
      },
    });
  } finally {
    clearInterval(tick);
    progress.stop();
    await server?.close();
    await exporter?.close();
  }

  if (result.stoppedBy === 'client-limit') ctx.stderr.write(`${clientLimitMessage(result.clientLimitInflight)}\n`);
  const { user, system } = process.cpuUsage(cpu0);
  const cpuMs = (user + system) / 1000;
  const summary = loadSummary({ version: ctx.version, target, model: { ...describe, seed, workers }, ...(ctx.argv ? { command: commandLine(ctx.argv) } : {}), thresholds, shard, ...result, cpuMs });
  // The file gets everything, written even when the run was interrupted: nothing asked for is lost.
  if (flags.out) writeFileAtomic(flags.out, `${JSON.stringify({ ...summary, worst: roundTimesDeep(result.worst) })}\n`);
  publishLoad(summary, ctx, flags.junit);
  if (flags.html) writeFileAtomic(flags.html, renderLoad(summary, 'html', ctx));
  if (flags.ndjson) {
    ctx.stdout.write(`${JSON.stringify({ type: 'summary', ...summary })}\n`);
    ctx.stderr.write(renderLoad(summary, 'terminal', ctx, ctx.stderr)); // the readable report goes with the chatter
  } else ctx.stdout.write(renderLoad(summary, flags.json ? 'json' : 'terminal', ctx));
  return loadExitCode(summary, { failOnGeneratorLimited: flags.failOnGeneratorLimited === true });
}

/** 130 interrupted, 4 out of local resources, 3 target unreachable, 4 generator-limited (when asked), 1 a threshold failed, else 0. */
export function loadExitCode(summary: LoadSummary, options: { failOnGeneratorLimited?: boolean } = {}): number {
  if (summary.stoppedBy === 'interrupted') return EXIT.interrupted;
  if (summary.stoppedBy === 'client-limit') return EXIT.generatorLimited;
  if (summary.stoppedBy === 'unreachable' || (summary.runs > 0 && summary.outcomes.every((o) => o.code === 'unreachable'))) return EXIT.unreachable;
  if (options.failOnGeneratorLimited && summary.generator.limited) return EXIT.generatorLimited;
  return summary.thresholds.some((t) => !t.passed) ? EXIT.unhealthy : EXIT.ok;
}
