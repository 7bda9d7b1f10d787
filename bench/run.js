#!/usr/bin/env node
// npm run bench: the three performance figures of the README, each measured side by side in one run.
//   1. throughput: ssedoctor load vs autocannon, same POST+stream flow, against bench/flow-server.js, a server
//      far cheaper than either client, so the tools (not the server) saturate; CPU µs per flow for both, and
//      for a bare undici client doing the same flow (bench/undici-flow.js): the transport's own floor, and for
//      raw node:net sockets (bench/net-flow.js): what Node's networking alone costs
//   1b. ceiling: the reference server's own limit, measured separately
//   2. scale: 10,000 concurrent heartbeat-only streams held by one ssedoctor process (server in another),
//      spread over 4 loopback source addresses; memory per open stream, and the same for two floors:
//      a bare undici client and raw node:net sockets holding as many streams (bench/scale-floor.js)
//   3. start-up: `ssedoctor --version` against bare `node -e 0`
// Environment: BENCH_SECONDS (per throughput measurement, default 8), BENCH_ROUNDS (default 3),
// BENCH_STREAMS (default 10000), BENCH_PROCESSES (scale: client processes, default 1), BENCH_LOCAL_ADDRESSES
// (scale: default 127.0.0.1-127.0.0.4),
// BENCH_ONLY=throughput|scale|startup.
import { spawn, spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const BIN = fileURLToPath(new URL('../bin/ssedoctor.js', import.meta.url));
const HERE = fileURLToPath(new URL('.', import.meta.url));
const SECONDS = Number(process.env.BENCH_SECONDS ?? 8);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const STREAMS = Number(process.env.BENCH_STREAMS ?? 10_000);
const CONNECTIONS = 50;
const only = process.env.BENCH_ONLY;
// BENCH_WORKERS=n runs `load --workers n` (default 1: the per-core figure).
const WORKERS_FLAG = process.env.BENCH_WORKERS ? ['--workers', process.env.BENCH_WORKERS] : [];

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

// Pin the server to core 0 and the load generator to core 1 when taskset is there: each tool then
// gets exactly one core and neither steals the server's. Without taskset (or with one core), no pinning.
const CORES = (await import('node:os')).cpus().length;
const PIN = CORES >= 2 && spawnSync('taskset', ['-c', '0', 'true']).status === 0;
/** [command, args] for a node script, pinned to `core` when pinning is on. */
function nodeCommand(core, args) {
  return PIN ? ['taskset', ['-c', String(core), process.execPath, ...args]] : [process.execPath, args];
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
async function runJson(args, env = process.env, onSpawn = () => undefined) {
  const [cmd, argv] = nodeCommand(1, args);
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

/** Starts bench/flow-server.js (the non-bottleneck target) on the server's core. */
async function startFlowServer() {
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
async function measure(tool, server) {
  const cpu0 = cpuSeconds('self', true);
  const server0 = cpuSeconds(server.pid);
  const t0 = performance.now();
  let flows, seconds;
  if (tool === 'ssedoctor') {
    const doc = await runJson([BIN, 'load', '--url', server.url, '-c', String(CONNECTIONS), '-d', `${SECONDS}s`, '--json', '--no-progress', ...WORKERS_FLAG]);
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
    `throughput: ${ROUNDS} rounds × ${SECONDS} s per tool, ${CONNECTIONS} connections, a fresh bench/flow-server.js each time` +
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

/** The reference server's own ceiling: autocannon, the faster client, against `serve` with zero delays. */
async function referenceCeiling() {
  log(`reference server ceiling: autocannon against ssedoctor serve (zero delays), ${SECONDS} s`);
  const server = await startServer(['--persist-delay', '0', '--worker-delay', '0', '--node-duration', '0', '--end-on-complete']);
  const m = await measure('autocannon', server);
  await server.stop();
  return m;
}

const LOCAL_ADDRESSES = process.env.BENCH_LOCAL_ADDRESSES ?? '127.0.0.1-127.0.0.4';

// BENCH_PROCESSES=n splits the scale figure over n client processes, each with its own server, all at
// once: one process may hold no more descriptors than `ulimit -n` (20,000 here, a hard limit).
const PROCESSES = Number(process.env.BENCH_PROCESSES ?? 1);

async function scale() {
  if (PROCESSES > 1) return scaleOverProcesses();
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
 * STREAMS streams from PROCESSES client processes at once, each against its own server. They were
 * all open together when every process counted its sockets before any run had ended anywhere.
 */
async function scaleOverProcesses() {
  const each = Math.ceil(STREAMS / PROCESSES);
  // Together they open 1,000 streams a second, as one process does: faster, the client core falls behind.
  const rate = Math.floor(1000 / PROCESSES);
  const heartbeatS = Math.ceil(each / rate) + 15;
  log(`scale: ${PROCESSES} client processes × ${each} heartbeat-only streams, each against its own server, opened at ${rate}/s per process from ${LOCAL_ADDRESSES}, heartbeat after ${heartbeatS} s idle`);
  const servers = await Promise.all(
    Array.from({ length: PROCESSES }, () => startServer(['--scenario', 'heartbeat-only', '--persist-delay', '0', '--ping-interval', '60s', '--heartbeat-interval', `${heartbeatS}s`])),
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
    processes: PROCESSES,
    parts,
    openTogether,
    runs: parts.reduce((n, p) => n + p.runs, 0),
    outcomes: parts.reduce((all, p) => {
      for (const [k, n] of Object.entries(p.outcomes)) all[k] = (all[k] ?? 0) + n;
      return all;
    }, {}),
    healthyOrHeartbeat: parts.reduce((n, p) => n + p.healthyOrHeartbeat, 0),
    peakInflight: parts.reduce((n, p) => n + p.peakInflight, 0),
    peakRssBytes: parts.reduce((n, p) => n + p.peakRssBytes, 0),
    memory: { openStreams: open, rssKiBPerStream: weighted('rssKiBPerStream'), heapKiBPerStream: weighted('heapKiBPerStream'), measureMs: Math.max(...parts.map((p) => p.memory.measureMs)) },
    localAddresses: parts[0].localAddresses,
    // Not merged percentiles: the worst process's.
    lagMs: { p50: Math.max(...parts.map((p) => p.lagMs.p50)), p99: Math.max(...parts.map((p) => p.lagMs.p99)), max: Math.max(...parts.map((p) => p.lagMs.max)) },
  };
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
if (!only || only === 'ceiling') results.ceiling = await referenceCeiling();
if (!only || only === 'scale') results.scale = await scale();

const lines = ['', `ssedoctor bench — node ${process.version}, ${CORES} cores${PIN ? ', server and generator pinned to one core each' : ''}`];
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
if (results.ceiling) {
  lines.push(`ceiling     the reference server (ssedoctor serve) serves ${results.ceiling.flowsPerSec.toFixed(0)} flows/s to autocannon, its core ${(results.ceiling.serverBusy * 100).toFixed(0)} % busy`);
}
if (results.scale) {
  const c = results.scale;
  if (c.processes) {
    lines.push(
      `scale       ${c.openTogether} streams open at once over ${c.processes} client processes (each against its own server; their descriptors counted at one moment), ` +
        `outcomes ${JSON.stringify(c.outcomes)}; summed peak RSS of the clients ${(c.peakRssBytes / 2 ** 20).toFixed(0)} MiB; ` +
        `first-event lag, worst process: p50 ${c.lagMs.p50.toFixed(2)} ms, p99 ${c.lagMs.p99.toFixed(2)} ms, max ${c.lagMs.max.toFixed(2)} ms`,
    );
  } else
  lines.push(
    `scale       ${c.peakInflight} streams open at once (${c.healthyOrHeartbeat} of ${c.runs} runs classified heartbeat-only), peak RSS ${(c.peakRssBytes / 2 ** 20).toFixed(0)} MiB (target < 1536 MiB); ` +
      `first-event time − server send time: p50 ${c.lagMs.p50.toFixed(2)} ms, p99 ${c.lagMs.p99.toFixed(2)} ms, max ${c.lagMs.max.toFixed(2)} ms (target within 5 ms)`,
  );
  if (c.memory) lines.push(`            (the memory measurement's forced GC and /proc read held the event loop ${c.memory.measureMs.toFixed(0)} ms, before any heartbeat was due)`);
  const per = (m) => `${m.rssKiBPerStream.toFixed(1)} KiB RSS, ${m.heapKiBPerStream.toFixed(1)} KiB heap per stream at ${m.openSockets ?? m.openStreams} open`;
  if (c.memory) lines.push(`memory      ssedoctor ${per(c.memory)} (target ≤ 10 KiB); ${c.localAddresses ?? 1} source addresses`);
  for (const [mode, f] of Object.entries(c.floors ?? {})) lines.push(`  floor     bare ${mode.padEnd(6)} ${per(f)}${f.failed ? `, ${f.failed} failed` : ''}`);
}
if (results.startup) {
  const s = results.startup;
  lines.push(`start-up    ssedoctor --version ${s.versionMs.toFixed(0)} ms (target < 150 ms); bare node -e 0 ${s.bareNodeMs.toFixed(0)} ms on this machine`);
}
process.stdout.write(`${lines.join('\n')}\n${JSON.stringify(results)}\n`);
