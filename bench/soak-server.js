#!/usr/bin/env node
// npm run bench:soak: the reference server's memory under sustained load. Pushes SOAK_JOBS
// enqueue + stream flows (default 100,000) through a reference server running in its own
// process, and samples that process's RSS, heap and store size once a second. Every 100th job
// is attached a second time after it finished, with replay: a late attach must still get the
// run while the finished set is kept.
//
// Environment: SOAK_JOBS (default 100000), SOAK_CONCURRENCY (default 50), SOAK_TTL_MS (the
// server's finished-set TTL; default: the server's own), SOAK_KEEP_OPEN=1 (streams stay open after
// workflow-complete, as the origin's do, and the client hangs up), SOAK_MAX_GROWTH_MIB (the verdict's bound
// on the growth of median RSS from the second to the last quarter of the jobs, default 32). A full
// GC every fifth sample also shows what the server retains, apart from garbage not yet collected.
//
// The server runs in a child process (this same file with --server) so the load generator's own
// memory is not counted. Its settings are the benchmark's zero-delay flow with streams ended at
// workflow-complete (unless SOAK_KEEP_OPEN), so connections are reused and the rate is set by the server.
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

const SELF = fileURLToPath(import.meta.url);

if (process.argv[2] === '--server') await serverMain();
else await driverMain();

/** The child: a reference server that prints its URL, then one JSON sample per second. */
async function serverMain() {
  const { startReferenceServer } = await import(new URL('../dist/index.js', import.meta.url).href);
  const ttl = process.env.SOAK_TTL_MS;
  const server = await startReferenceServer({
    log: { level: 'off', format: 'text' },
    ...zeroDelay(await import(new URL('../dist/server/index.js', import.meta.url).href)),
    endOnComplete: process.env.SOAK_KEEP_OPEN !== '1',
    ...(ttl ? { finishedTtlMs: Number(ttl) } : {}),
    ...(process.env.SOAK_MAX_FINISHED ? { maxFinishedSets: Number(process.env.SOAK_MAX_FINISHED) } : {}),
  });
  process.stdout.write(`${server.url}\n`);
  let n = 0;
  const sample = () => {
    // Every fifth sample after a full GC: what is retained, as opposed to garbage not yet collected.
    const retained = ++n % 5 === 0 && globalThis.gc ? (globalThis.gc(), process.memoryUsage().heapUsed) : undefined;
    const m = process.memoryUsage();
    const stats = server.stats?.() ?? {};
    process.stdout.write(`${JSON.stringify({ rss: m.rss, heapUsed: m.heapUsed, retained, ...stats })}\n`);
  };
  const timer = setInterval(sample, 1000);
  process.once('SIGTERM', async () => {
    clearInterval(timer);
    await server.close();
    process.exit(0);
  });
}

function zeroDelay({ parseDistribution }) {
  const zero = parseDistribution('0ms');
  return { persistDelay: zero, workerDelay: zero, nodeDuration: zero };
}

async function driverMain() {
  const { Agent, request } = await import('undici');
  const JOBS = Number(process.env.SOAK_JOBS ?? 100_000);
  const CONCURRENCY = Number(process.env.SOAK_CONCURRENCY ?? 50);
  const MAX_GROWTH_MIB = Number(process.env.SOAK_MAX_GROWTH_MIB ?? 32);
  const MiB = 1024 * 1024;

  const child = spawn(process.execPath, ['--expose-gc', SELF, '--server'], { stdio: ['ignore', 'pipe', 'inherit'] });
  const lines = createInterface({ input: child.stdout });
  const [url] = await once(lines, 'line');
  const samples = [];
  lines.on('line', (l) => samples.push({ ...JSON.parse(l), jobs: done, atS: (performance.now() - t0) / 1000 }));

  const agent = new Agent({ connections: CONCURRENCY * 2, pipelining: 1 });
  const body = JSON.stringify({ messages: [{ role: 'user', content: 'soak' }] });
  let next = 0;
  let done = 0;
  let failed = 0;
  let lateOk = 0;
  let lateMissed = 0;
  const t0 = performance.now();

  /** Reads a stream to its end (the server ends it at workflow-complete); true if that event came. */
  const stream = async (id, replay) => {
    const r = await request(`${url}/api/streams/${id}?replay=${replay ? 1 : 0}`, { dispatcher: agent, headers: { accept: 'text/event-stream' } });
    if (r.statusCode !== 200) {
      await r.body.dump();
      return false;
    }
    // The origin never ends a stream (SOAK_KEEP_OPEN=1): the client hangs up at the terminal event.
    let text = '';
    for await (const c of r.body) {
      text += c;
      if (text.includes('event: workflow-complete')) {
        r.body.destroy();
        return true;
      }
    }
    return false;
  };
  const flow = async (n) => {
    const post = await request(`${url}/api/chat/async`, {
      method: 'POST',
      dispatcher: agent,
      headers: { 'content-type': 'application/json' },
      body,
    });
    const { decision_set_id: id } = await post.body.json();
    const ok = await stream(id, true);
    if (!ok) failed++;
    if (n % 100 === 0) (await stream(id, true)) ? lateOk++ : lateMissed++;
  };
  const workerLoop = async () => {
    while (next < JOBS) {
      const n = next++;
      try {
        await flow(n);
      } catch {
        failed++;
      }
      done++;
    }
  };
  const progress = setInterval(() => {
    const s = samples.at(-1);
    if (s) process.stderr.write(`  ${done} jobs, server RSS ${(s.rss / MiB).toFixed(0)} MiB, heap ${(s.heapUsed / MiB).toFixed(0)} MiB, sets kept ${s.decisionSets ?? '?'}\n`);
  }, 5000);
  await Promise.all(Array.from({ length: CONCURRENCY }, workerLoop));
  clearInterval(progress);
  const seconds = (performance.now() - t0) / 1000;
  await new Promise((r) => setTimeout(r, 1500)); // one more sample after the last job
  child.kill('SIGTERM');
  await once(child, 'exit');
  await agent.close();

  // Verdict. RSS follows V8's collections (a sawtooth with the odd spike), so single samples say
  // little: compare the medians of the second and last quarters of the jobs (past warm-up and the
  // store filling up), and what a full GC leaves (a leak shows there first) between the two halves.
  // Peaks are reported beside them.
  const MiB1 = (b) => +(b / MiB).toFixed(1);
  const within = (lo, hi) => samples.filter((s) => s.jobs >= lo * JOBS && s.jobs <= hi * JOBS);
  const peakOf = (xs, key) => Math.max(...xs.map((s) => s[key]).filter((v) => v !== undefined));
  const q2 = within(0.25, 0.5);
  const q4 = within(0.75, 1);
  const medianOf = (xs, key) => xs.map((s) => s[key]).sort((a, b) => a - b)[Math.floor(xs.length / 2)];
  const rssGrowth = (medianOf(q4, 'rss') - medianOf(q2, 'rss')) / MiB;
  const retained = samples.filter((s) => s.retained !== undefined);
  const firstHalf = retained.filter((s) => s.jobs < JOBS / 2);
  const secondHalf = retained.filter((s) => s.jobs >= JOBS / 2);
  const retainedGrowth = firstHalf.length && secondHalf.length ? (peakOf(secondHalf, 'retained') - peakOf(firstHalf, 'retained')) / MiB : NaN;
  const range = (xs) => (xs.length ? `${MiB1(Math.min(...xs.map((s) => s.retained)))}..${MiB1(Math.max(...xs.map((s) => s.retained)))}` : 'unknown');
  const end = samples.at(-1);
  const result = {
    jobs: JOBS,
    failed,
    lateAttach: { replayed: lateOk, missed: lateMissed },
    seconds: Math.round(seconds),
    jobsPerSec: Math.round(JOBS / seconds),
    rssMiB: {
      first: MiB1(samples[0].rss),
      secondQuarter: { median: MiB1(medianOf(q2, 'rss')), peak: MiB1(peakOf(q2, 'rss')) },
      lastQuarter: { median: MiB1(medianOf(q4, 'rss')), peak: MiB1(peakOf(q4, 'rss')) },
      peak: MiB1(peakOf(samples, 'rss')),
      end: MiB1(end.rss),
    },
    heapAfterFullGcMiB: { firstHalf: range(firstHalf), secondHalf: range(secondHalf) },
    decisionSetsKept: { max: Math.max(...samples.map((s) => s.decisionSets ?? 0)), end: end.decisionSets },
    rssMedianGrowthMiB: +rssGrowth.toFixed(1),
    retainedGrowthMiB: +retainedGrowth.toFixed(1),
    flat: rssGrowth <= MAX_GROWTH_MIB && !(retainedGrowth > 8),
    samples: samples.map((s) => [Math.round(s.atS), s.jobs, MiB1(s.rss), MiB1(s.heapUsed), s.retained === undefined ? null : MiB1(s.retained), s.decisionSets]),
  };
  const { samples: rows, ...summary } = result;
  process.stdout.write(`${JSON.stringify(summary, null, 2)}\n  samples [s, jobs, RSS MiB, heap MiB, heap after full GC MiB, sets kept]:\n${rows.map((r) => `    ${JSON.stringify(r)}`).join('\n')}\n`);
  process.exitCode = result.flat && failed === 0 ? 0 : 1;
}
