#!/usr/bin/env node
// npm run bench: the three performance figures of the README, each measured side by side in one run.
//   1. throughput: ssedoctor load vs autocannon, same POST+stream flow, against a server far cheaper than
//      either client (Debian's nginx answering from its config, bench/nginx-flow.js; bench/flow-server.js
//      where nginx is missing), so the tools (not the server) saturate; CPU µs per flow for both, and
//      for a bare undici client doing the same flow (bench/undici-flow.js): the transport's own floor, and for
//      raw node:net sockets (bench/net-flow.js): what Node's networking alone costs
//   1b. scaling: ssedoctor load --workers 1 on one core, then --workers 2 on both (the server shares one):
//      flows/s and CPU µs per flow for each; equal CPU per flow means the work scales linearly
//   1c. ceiling: the reference server's own limit, measured separately
//   2. scale: 19,000 concurrent heartbeat-only streams (fewer when `ulimit -n` is lower) held by one
//      ssedoctor process (server in another), spread over 4 loopback source addresses; memory per open
//      stream, and the same for two floors: a bare undici client and raw node:net sockets holding as many
//      streams (bench/scale-floor.js)
//   2b. wide: 50,000 streams from this machine at once, over as many client processes as `ulimit -n` needs
//      (each against its own server)
//   3. start-up: `ssedoctor --version` against bare `node -e 0`
// Environment: BENCH_SECONDS (per throughput measurement, default 8), BENCH_ROUNDS (default 3),
// BENCH_STREAMS (scale, default 19000), BENCH_WIDE_STREAMS (wide, default 50000), BENCH_LOCAL_ADDRESSES
// (scale and wide: default 127.0.0.1-127.0.0.4),
// BENCH_TARGET=nginx|node (throughput and scaling; default nginx when installed),
// BENCH_ONLY=throughput|scaling|ceiling|scale|wide|startup.
import { spawn, spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { nginxAvailable, startNginxFlow } from './nginx-flow.js';

const BIN = fileURLToPath(new URL('../bin/ssedoctor.js', import.meta.url));
const HERE = fileURLToPath(new URL('.', import.meta.url));
const SECONDS = Number(process.env.BENCH_SECONDS ?? 8);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
/** Descriptors one process may hold (`ulimit -n`), less a margin for everything else it opens. */
const FDS_PER_PROCESS = Number(spawnSync('sh', ['-c', 'ulimit -n'], { encoding: 'utf8' }).stdout.trim()) - 1000 || 9000;
const STREAMS = Number(process.env.BENCH_STREAMS ?? Math.min(19_000, FDS_PER_PROCESS));
const WIDE_STREAMS = Number(process.env.BENCH_WIDE_STREAMS ?? 50_000);
const CONNECTIONS = 50;
const only = process.env.BENCH_ONLY;
// BENCH_WORKERS=n runs `load --workers n` with 50 connections per thread (default 1: the per-core figure).
const WORKERS_FLAG = process.env.BENCH_WORKERS ? ['--workers', process.env.BENCH_WORKERS] : [];

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

// Pin the server to core 0 and the load generator to core 1 when taskset is there: each tool then
// gets exactly one core and neither steals the server's. Without taskset (or with one core), no pinning.
const CORES = (await import('node:os')).cpus().length;
const PIN = CORES >= 2 && spawnSync('taskset', ['-c', '0', 'true']).status === 0;
/** [command, args] for a program, pinned to `cores` (e.g. `1`, `0,1`) when pinning is on. */
function pinned(cores, cmd, args) {
  return PIN ? ['taskset', ['-c', String(cores), cmd, ...args]] : [cmd, args];
}
/** [command, args] for a node script, pinned to `core` when pinning is on. */
function nodeCommand(core, args) {
  return pinned(core, process.execPath, args);
}
const log = (s) => process.stderr.write(`${s}\n`);

/** Starts `ssedoctor serve` in its own process; resolves with its URL and a stop function. */
async function startServer(flags) {
  const [cmd, args] = nodeCommand(0, [BIN, 'serve', '--port', '0', '--log-level', 'off', ...flags]);
  const child = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'ignore'] });
  const [url] = await once(createInterface({ input: child.stdout }), 'line');
  return {
    url: url.trim(),
    pid: child.pid,
    stop: async () => {
      child.kill('SIGTERM');
      await once(child, 'exit');
    },
  };
}

/** Runs a node script on the generator's core, returns its stdout parsed as JSON. */
async function runJson(args, env = process.env, onSpawn = () => undefined, cores = 1) {
  const [cmd, argv] = nodeCommand(cores, args);
  const child = spawn(cmd, argv, { stdio: ['ignore', 'pipe', 'inherit'], env });
  onSpawn(child.pid);
  let out = '';
  child.stdout.on('data', (c) => (out += c));
  const [code] = await once(child, 'exit');
  if (code !== 0 && code !== 1) throw new Error(`${args.join(' ')} exited ${code}`);
  return JSON.parse(out);
}

/** CPU seconds (user + system) from /proc: a process's own, or its waited-for children's (`children`). */
function cpuSeconds(pid = 'self', children = false) {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
    // After "pid (comm) ": state is fields[0]; utime, stime, cutime, cstime are fields 11–14.
    const [u, s] = children ? [fields[13], fields[14]] : [fields[11], fields[12]];
    return (Number(u) + Number(s)) / CLK_TCK;
  } catch {
    return NaN;
  }
}
const CLK_TCK = Number(spawnSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).stdout.trim()) || 100;

const TARGET = process.env.BENCH_TARGET ?? (nginxAvailable() ? 'nginx' : 'node');

/** Starts the non-bottleneck target on the server's core: nginx, or bench/flow-server.js. */
async function startFlowServer() {
  if (TARGET === 'nginx') return startNginxFlow((args) => pinned(0, process.env.BENCH_NGINX ?? '/usr/sbin/nginx', args));
  const [cmd, args] = nodeCommand(0, [`${HERE}flow-server.js`]);
  const child = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'ignore'] });
  const [url] = await once(createInterface({ input: child.stdout }), 'line');
  return { url: url.trim(), pid: child.pid, stop: async () => (child.kill('SIGTERM'), await once(child, 'exit')) };
}

/**
 * One tool against one fresh server: flows per second, the tool's CPU µs per flow (its process's
 * user + system time, read from our children's totals once it has exited) and how busy the server's
 * core was — above 90 % the server, not the tool, may have set the pace, and the figure is flagged.
 */
async function measure(tool, server, { workers = WORKERS_FLAG, cores = 1 } = {}) {
  const cpu0 = cpuSeconds('self', true);
  const server0 = cpuSeconds(server.pid);
  const t0 = performance.now();
  let flows, seconds;
  if (tool === 'ssedoctor') {
    const n = workers.length > 0 ? Number(workers[1]) : 1;
    const doc = await runJson([BIN, 'load', '--url', server.url, '-c', String(CONNECTIONS * n), '-d', `${SECONDS}s`, '--json', '--no-progress', ...workers], process.env, undefined, cores);
    flows = doc.outcomes.find((o) => o.code === 'healthy')?.count ?? 0;
    seconds = doc.durationMs / 1000;
  } else {
    const script = { autocannon: 'autocannon-flow.js', 'bare-undici': 'undici-flow.js', 'bare-net': 'net-flow.js' }[tool];
    const r = await runJson([`${HERE}${script}`, server.url, String(CONNECTIONS), String(SECONDS)]);
    [flows, seconds] = [r.flows, r.seconds];
  }
  const wall = (performance.now() - t0) / 1000;
  const serverBusy = (cpuSeconds(server.pid) - server0) / wall;
  const cpuUsPerFlow = ((cpuSeconds('self', true) - cpu0) * 1e6) / flows;
  return { flowsPerSec: flows / seconds, cpuUsPerFlow, serverBusy };
}

async function throughput() {
  log(
    `throughput: ${ROUNDS} rounds × ${SECONDS} s per tool, ${CONNECTIONS} connections, a fresh ${TARGET === 'nginx' ? 'nginx' : 'bench/flow-server.js'} each time` +
      `${PIN ? ', server on core 0, generator on core 1' : ' (no pinning: tools and server share the cores)'}`,
  );
  // The floors: bare-undici is ssedoctor's own transport with nothing on top (bench/undici-flow.js);
  // bare-net is raw sockets with prebuilt requests (bench/net-flow.js), what Node's networking alone costs.
  const tools = ['ssedoctor', 'autocannon', 'bare-undici', 'bare-net'];
  const runs = Object.fromEntries(tools.map((t) => [t, []]));
  for (let round = 0; round < ROUNDS; round++) {
    // Rotate the order so no tool always meets a warmer server or a calmer machine.
    const order = tools.map((_, i) => tools[(i + round) % tools.length]);
    for (const tool of order) {
      const server = await startFlowServer();
      const m = await measure(tool, server);
      await server.stop();
      runs[tool].push(m);
      log(
        `  round ${round + 1} ${tool.padEnd(11)} ${m.flowsPerSec.toFixed(0)} flows/s, ${m.cpuUsPerFlow.toFixed(0)} µs CPU per flow, ` +
          `server core ${(m.serverBusy * 100).toFixed(0)} % busy${m.serverBusy > 0.9 ? ' (SERVER-BOUND: this figure measures the server)' : ''}`,
      );
    }
  }
  const med = (tool, key) => median(runs[tool].map((r) => r[key]));
  // Ratios per round, then their median: this VM's speed drifts by tens of per cent within minutes,
  // and tools measured in the same round met the same machine.
  const perRound = (tool) => median(runs.ssedoctor.map((r, i) => r.flowsPerSec / runs[tool][i].flowsPerSec));
  return {
    ssedoctorFlowsPerSec: med('ssedoctor', 'flowsPerSec'),
    autocannonFlowsPerSec: med('autocannon', 'flowsPerSec'),
    bareUndiciFlowsPerSec: med('bare-undici', 'flowsPerSec'),
    ratio: perRound('autocannon'),
    ratioToBareUndici: perRound('bare-undici'),
    ssedoctorCpuUsPerFlow: med('ssedoctor', 'cpuUsPerFlow'),
    autocannonCpuUsPerFlow: med('autocannon', 'cpuUsPerFlow'),
    bareUndiciCpuUsPerFlow: med('bare-undici', 'cpuUsPerFlow'),
    bareNetFlowsPerSec: med('bare-net', 'flowsPerSec'),
    bareNetCpuUsPerFlow: med('bare-net', 'cpuUsPerFlow'),
    // The ratio's validity: how busy the server was while the two compared tools ran (bare-net saturates it).
    serverBusyMax: Math.max(...[...runs.ssedoctor, ...runs.autocannon].map((r) => r.serverBusy)),
  };
}

/**
 * ssedoctor on one core (--workers 1, pinned to core 1), then on both (--workers 2, both cores; the
 * server stays on core 0), in rotated rounds: flows/s, CPU µs per flow and the server's share. On a
 * 2-core machine the server takes part of a core, so flows/s cannot double; what linear scaling shows
 * here is the CPU per flow staying put while the machine's every core is busy.
 */
async function scaling() {
  log(
    `scaling: ${ROUNDS} rounds × ${SECONDS} s, a fresh ${TARGET} on core 0 each time: ssedoctor --workers 1 (core 1) and --workers 2 (cores 0-1, ` +
      `${CONNECTIONS} connections each); as the machine's control, one bare undici client (core 1) and two at once (cores 0 and 1)`,
  );
  const setups = {
    'ssedoctor-1': () => ({ tool: 'ssedoctor', workers: ['--workers', '1'], cores: 1 }),
    'ssedoctor-2': () => ({ tool: 'ssedoctor', workers: ['--workers', '2'], cores: '0,1' }),
    'undici-1': () => ({ tool: 'bare-undici', cores: [1] }),
    'undici-2': () => ({ tool: 'bare-undici', cores: [0, 1] }),
  };
  const names = Object.keys(setups);
  const runs = Object.fromEntries(names.map((n) => [n, []]));
  for (let round = 0; round < ROUNDS; round++) {
    for (const name of names.map((_, i) => names[(i + round) % names.length])) {
      const server = await startFlowServer();
      const setup = setups[name]();
      const m = setup.tool === 'ssedoctor' ? await measure('ssedoctor', server, setup) : await measureProcesses('bare-undici', server, setup.cores);
      await server.stop();
      runs[name].push(m);
      log(`  round ${round + 1} ${name.padEnd(11)} ${m.flowsPerSec.toFixed(0)} flows/s, ${m.cpuUsPerFlow.toFixed(0)} µs CPU per flow, server ${(m.serverBusy * 100).toFixed(0)} % of a core`);
    }
  }
  const med = (name, key) => median(runs[name].map((r) => r[key]));
  const speedup = (tool) => median(runs[`${tool}-2`].map((r, i) => r.flowsPerSec / runs[`${tool}-1`][i].flowsPerSec));
  // How busy the two cores were together: the generators' CPU plus the server's, over 2 cores. Near 100 %,
  // the machine (not the generator's threading) set the pace, and more threads could not go faster.
  const coresBusy = (name) => median(runs[name].map((r) => ((r.cpuUsPerFlow * r.flowsPerSec) / 1e6 + r.serverBusy) / 2));
  const summary = (name) => ({ flowsPerSec: med(name, 'flowsPerSec'), cpuUsPerFlow: med(name, 'cpuUsPerFlow'), serverBusy: med(name, 'serverBusy'), ...(name.endsWith('-2') ? { coresBusy: coresBusy(name) } : {}) });
  return {
    ssedoctor: { 1: summary('ssedoctor-1'), 2: summary('ssedoctor-2'), speedup: speedup('ssedoctor') },
    bareUndici: { 1: summary('undici-1'), 2: summary('undici-2'), speedup: speedup('undici') },
  };
}

/** `tool` (a flow script) in one process per core of `cores`, all at once, against one server: their sum. */
async function measureProcesses(tool, server, cores) {
  const script = { 'bare-undici': 'undici-flow.js', autocannon: 'autocannon-flow.js' }[tool];
  const cpu0 = cpuSeconds('self', true);
  const server0 = cpuSeconds(server.pid);
  const t0 = performance.now();
  const parts = await Promise.all(cores.map((core) => runJson([`${HERE}${script}`, server.url, String(CONNECTIONS), String(SECONDS)], process.env, undefined, core)));
  const wall = (performance.now() - t0) / 1000;
  const flows = parts.reduce((n, p) => n + p.flows, 0);
  return {
    flowsPerSec: flows / Math.max(...parts.map((p) => p.seconds)),
    cpuUsPerFlow: ((cpuSeconds('self', true) - cpu0) * 1e6) / flows,
    serverBusy: (cpuSeconds(server.pid) - server0) / wall,
  };
}

/** The reference server's own ceiling: autocannon, the faster client, against `serve` with zero delays. */
async function referenceCeiling() {
  log(`reference server ceiling: autocannon against ssedoctor serve (zero delays), ${SECONDS} s`);
  const server = await startServer(['--persist-delay', '0', '--worker-delay', '0', '--node-duration', '0', '--end-on-complete']);
  const m = await measure('autocannon', server);
  await server.stop();
  return m;
}

const LOCAL_ADDRESSES = process.env.BENCH_LOCAL_ADDRESSES ?? '127.0.0.1-127.0.0.4';

async function scale() {
  // The first heartbeat comes after every stream is open (and after the memory is measured, whose
  // forced GC would otherwise delay heartbeats and inflate the lag): 15 s, or more above 5,000 streams.
  const heartbeatS = Math.max(15, Math.ceil(STREAMS / 1000) + 10);
  log(`scale: ${STREAMS} concurrent heartbeat-only streams opened at 1,000/s from ${LOCAL_ADDRESSES}, heartbeat after ${heartbeatS} s idle, server in its own process`);
  const serve = () => startServer(['--scenario', 'heartbeat-only', '--persist-delay', '0', '--ping-interval', '60s', '--heartbeat-interval', `${heartbeatS}s`]);
  let server = await serve();
  const env = { ...process.env, SCALE_LOCAL_ADDRESSES: LOCAL_ADDRESSES };
  const result = await runJson(['--expose-gc', `${HERE}scale-client.js`, server.url, String(STREAMS)], env);
  await server.stop();
  // The floors: what holding as many streams costs without ssedoctor's own state (a fresh server each).
  result.floors = {};
  for (const mode of ['undici', 'net']) {
    log(`scale floor: ${STREAMS} streams held by a bare ${mode} client`);
    server = await serve();
    result.floors[mode] = await runJson(['--expose-gc', `${HERE}scale-floor.js`, server.url, String(STREAMS), mode]);
    await server.stop();
  }
  return result;
}

/**
 * WIDE_STREAMS streams from client processes at once, each against its own server: one process may
 * hold no more descriptors than `ulimit -n` (20,000 on the development machine, a hard limit). They
 * were all open together when every process counted its sockets before any run had ended anywhere.
 */
async function scaleOverProcesses() {
  const processes = Math.ceil(WIDE_STREAMS / FDS_PER_PROCESS);
  const each = Math.ceil(WIDE_STREAMS / processes);
  // Together they open 1,000 streams a second, as one process does: faster, the client core falls behind.
  const rate = Math.floor(1000 / processes);
  const heartbeatS = Math.ceil(each / rate) + 15;
  log(`wide: ${processes} client processes × ${each} heartbeat-only streams, each against its own server, opened at ${rate}/s per process from ${LOCAL_ADDRESSES}, heartbeat after ${heartbeatS} s idle`);
  const servers = await Promise.all(
    Array.from({ length: processes }, () => startServer(['--scenario', 'heartbeat-only', '--persist-delay', '0', '--ping-interval', '60s', '--heartbeat-interval', `${heartbeatS}s`])),
  );
  const env = { ...process.env, SCALE_LOCAL_ADDRESSES: LOCAL_ADDRESSES, SCALE_RATE: String(rate) };
  const pids = [];
  const running = Promise.all(servers.map((s) => runJson(['--expose-gc', `${HERE}scale-client.js`, s.url, String(each)], env, (pid) => pids.push(pid))));
  // One look at every client's descriptors at the same moment, once all should be open and before any
  // heartbeat is due: what the processes held together (less the few each had before its load).
  await new Promise((resolve) => setTimeout(resolve, (each / rate + 8) * 1000));
  const fdsNow = pids.map((pid) => readdirSync(`/proc/${pid}/fd`).length);
  const parts = await running;
  await Promise.all(servers.map((s) => s.stop()));
  for (const p of parts) if (!p.memory) throw new Error(`a scale client ended before its streams were all open: ${JSON.stringify(p.outcomes)}`);
  const openTogether = fdsNow.reduce((n, fds, i) => n + fds - parts[i].baselineFds, 0);
  const open = parts.reduce((n, p) => n + p.memory.openStreams, 0);
  const weighted = (key) => parts.reduce((n, p) => n + p.memory[key] * p.memory.openStreams, 0) / open;
  return {
    processes,
    parts,
    openTogether,
    runs: parts.reduce((n, p) => n + p.runs, 0),
    outcomes: sumCounts(parts.map((p) => p.outcomes)),
    failures: sumCounts(parts.map((p) => p.failures ?? {})),
    healthyOrHeartbeat: parts.reduce((n, p) => n + p.healthyOrHeartbeat, 0),
    peakInflight: parts.reduce((n, p) => n + p.peakInflight, 0),
    peakRssBytes: parts.reduce((n, p) => n + p.peakRssBytes, 0),
    memory: { openStreams: open, rssKiBPerStream: weighted('rssKiBPerStream'), heapKiBPerStream: weighted('heapKiBPerStream'), measureMs: Math.max(...parts.map((p) => p.memory.measureMs)) },
    localAddresses: parts[0].localAddresses,
    // Not merged percentiles: the worst process's.
    lagMs: { p50: Math.max(...parts.map((p) => p.lagMs.p50)), p99: Math.max(...parts.map((p) => p.lagMs.p99)), max: Math.max(...parts.map((p) => p.lagMs.max)) },
  };
}

/** Counts by key, summed over several `{ key: n }` objects. */
function sumCounts(list) {
  const all = {};
  for (const counts of list) for (const [k, n] of Object.entries(counts)) all[k] = (all[k] ?? 0) + n;
  return all;
}

function startup() {
  const time = (args) => {
    const samples = [];
    for (let i = 0; i < 15; i++) {
      const t0 = performance.now();
      const r = spawnSync(process.execPath, args, { stdio: 'ignore' });
      if (r.status !== 0) throw new Error(`${args.join(' ')} failed`);
      samples.push(performance.now() - t0);
    }
    return median(samples);
  };
  log('start-up: 15 runs each');
  return { versionMs: time([BIN, '--version']), bareNodeMs: time(['-e', '0']) };
}

const results = {};
if (!only || only === 'startup') results.startup = startup();
if (!only || only === 'throughput') results.throughput = await throughput();
if ((!only && PIN) || only === 'scaling') results.scaling = await scaling();
if (!only || only === 'ceiling') results.ceiling = await referenceCeiling();
if (!only || only === 'scale') results.scale = await scale();
if (!only || only === 'wide') results.wide = await scaleOverProcesses();

const lines = ['', `ssedoctor bench — node ${process.version}, ${CORES} cores, target ${TARGET}${PIN ? ', server and generator pinned to one core each' : ''}`];
if (results.throughput) {
  const t = results.throughput;
  lines.push(
    `throughput  ssedoctor ${t.ssedoctorFlowsPerSec.toFixed(0)} flows/s (${t.ssedoctorCpuUsPerFlow.toFixed(0)} µs CPU/flow) vs autocannon ` +
      `${t.autocannonFlowsPerSec.toFixed(0)} flows/s (${t.autocannonCpuUsPerFlow.toFixed(0)} µs CPU/flow) → ${t.ratio.toFixed(2)}× (median of per-round ratios; target ≥ 1.0×); ` +
      `server core at most ${(t.serverBusyMax * 100).toFixed(0)} % busy${t.serverBusyMax > 0.9 ? ' — SERVER-BOUND, ratio not valid' : ''}`,
    `  floor     bare undici (the transport alone) ${t.bareUndiciFlowsPerSec.toFixed(0)} flows/s (${t.bareUndiciCpuUsPerFlow.toFixed(0)} µs CPU/flow); ssedoctor runs at ${t.ratioToBareUndici.toFixed(2)}× of it`,
    `  floor     bare node:net sockets ${t.bareNetFlowsPerSec.toFixed(0)} flows/s (${t.bareNetCpuUsPerFlow.toFixed(0)} µs CPU/flow; its flows/s may be the server's limit, its CPU per flow is not)`,
  );
}
if (results.scaling) {
  const line = (label, c) =>
    `${label} 1 core ${c[1].flowsPerSec.toFixed(0)} flows/s (${c[1].cpuUsPerFlow.toFixed(0)} µs CPU/flow), 2 cores ${c[2].flowsPerSec.toFixed(0)} flows/s ` +
    `(${c[2].cpuUsPerFlow.toFixed(0)} µs CPU/flow, server at ${(c[2].serverBusy * 100).toFixed(0)} % of a core, both cores ${(c[2].coresBusy * 100).toFixed(0)} % busy) → ${c.speedup.toFixed(2)}×`;
  lines.push(line('scaling     ssedoctor --workers', results.scaling.ssedoctor), line('  control   bare undici processes,', results.scaling.bareUndici));
}
if (results.ceiling) {
  lines.push(`ceiling     the reference server (ssedoctor serve) serves ${results.ceiling.flowsPerSec.toFixed(0)} flows/s to autocannon, its core ${(results.ceiling.serverBusy * 100).toFixed(0)} % busy`);
}
if (results.scale) {
  const c = results.scale;
  lines.push(
    `scale       ${c.peakInflight} streams open at once (${c.healthyOrHeartbeat} of ${c.runs} runs classified heartbeat-only), peak RSS ${(c.peakRssBytes / 2 ** 20).toFixed(0)} MiB (target < 1536 MiB); ` +
      `first-event time − server send time: p50 ${c.lagMs.p50.toFixed(2)} ms, p99 ${c.lagMs.p99.toFixed(2)} ms, max ${c.lagMs.max.toFixed(2)} ms (target within 5 ms)`,
  );
  if (c.memory) lines.push(`            (the memory measurement's forced GC and /proc read held the event loop ${c.memory.measureMs.toFixed(0)} ms, before any heartbeat was due)`);
  const per = (m) => `${m.rssKiBPerStream.toFixed(1)} KiB RSS, ${m.heapKiBPerStream.toFixed(1)} KiB heap per stream at ${m.openSockets ?? m.openStreams} open`;
  if (c.memory) lines.push(`memory      ssedoctor ${per(c.memory)} (target ≤ 10 KiB); ${c.localAddresses ?? 1} source addresses`);
  for (const [mode, f] of Object.entries(c.floors ?? {})) lines.push(`  floor     bare ${mode.padEnd(6)} ${per(f)}${f.failed ? `, ${f.failed} failed` : ''}`);
}
if (results.wide) {
  const c = results.wide;
  lines.push(
    `wide        ${c.openTogether} streams open at once over ${c.processes} client processes (each against its own server; their descriptors counted at one moment), ` +
      `outcomes ${JSON.stringify(c.outcomes)}${Object.keys(c.failures).length ? ` (why: ${JSON.stringify(c.failures)})` : ''}; ${c.memory.rssKiBPerStream.toFixed(1)} KiB RSS, ${c.memory.heapKiBPerStream.toFixed(1)} KiB heap per stream; summed peak RSS of the clients ${(c.peakRssBytes / 2 ** 20).toFixed(0)} MiB; ` +
      `first-event lag, worst process: p50 ${c.lagMs.p50.toFixed(2)} ms, p99 ${c.lagMs.p99.toFixed(2)} ms, max ${c.lagMs.max.toFixed(2)} ms`,
  );
}
if (results.startup) {
  const s = results.startup;
  lines.push(`start-up    ssedoctor --version ${s.versionMs.toFixed(0)} ms (target < 150 ms); bare node -e 0 ${s.bareNodeMs.toFixed(0)} ms on this machine`);
}
process.stdout.write(`${lines.join('\n')}\n${JSON.stringify(results)}\n`);
