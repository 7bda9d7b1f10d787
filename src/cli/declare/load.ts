/** The `load` command: flags, help and a lazy link to its implementation. */
import type { Command } from 'commander';
import type { CliContext } from '../context.js';
import { TARGET_MISS_RATE_FLAG } from '../miss-rate.js';
import { addProbeOptions, collect, CONFIG_FLAG } from './shared.js';

export function declareLoad(program: Command, context: () => CliContext): void {
  const load = program
    .command('load')
    .summary('concurrent runs with HDR statistics, thresholds and a max-wait recommendation')
    .description(
      'Fire many enqueue → stream runs at once; each is one verify run. Closed model: --concurrency with\n' +
        '--requests or --duration. Open model: --rate (with --ramp-to) for --duration; a run that finds no free\n' +
        'slot (--max-inflight) is counted as dropped and latency counts from its scheduled start.\n' +
        'Without --url it runs against the embedded reference server (scenario slow-persistence) in its own process.',
    )
    .option(...CONFIG_FLAG)
    .option('--url <base>', 'base URL of the API (default: start the embedded reference server)')
    .option('--scenario <name>', 'embedded server scenario when --url is not given (default: slow-persistence)')
    .option('-c, --concurrency <n>', 'closed model: runs in flight (default 20)')
    .option('-n, --requests <n>', 'closed model: total runs (default 200 without --duration)')
    .option('-d, --duration <duration>', 'how long to keep starting runs')
    .option('-r, --rate <per-second>', 'open model: runs started per second')
    .option('--ramp-to <per-second>', 'open model: ramp linearly from --rate to this rate over --duration')
    .option('--max-inflight <n>', 'open model: runs in flight before new ones are dropped', '1000')
    .option('--workers <n>', 'generator threads, each running an equal part of the load (default: one per core left over)')
    .option('--shard <i/n>', 'run the i-th of n equal parts (n alone: index from JOB_COMPLETION_INDEX); merge with report')
    .option('--local-address <list>', 'source addresses to spread connections over, e.g. 127.0.0.1-127.0.0.8 or 10.0.0.5,10.0.0.6 (default: the system picks); each adds a port range')
    .option('--metrics-port <port>', 'serve live Prometheus metrics at http://HOST:PORT/metrics during the run (0: a free port, printed on stderr)')
    .option('--metrics-host <address>', 'address the --metrics-port server listens on', '127.0.0.1')
    .option('--seed <n>', 'seed of the embedded server\'s delays (each shard adds its index)', '1')
    .option('--storm-at <duration>', 'reconnect storm: at this time after the start, cut every open stream at once (as a proxy restart does); each reconnects as its --client does')
    .option('--browser-tabs <n>', 'closed model: every n concurrent runs share one simulated browser, which opens at most 6 connections to the target (HTTP/1.1): a 7th request waits for a free one')
    .option('--storm-jitter <duration>', 'reconnect storm: add a uniform random 0..duration to each reconnect delay (default 0: all at the same instant)');
  addProbeOptions(load, '0')
    .option('-t, --threshold <expr>', 'CI check, repeatable: rate(early-404)<0.1%, count(heartbeat-only)==0, p99(first-node-event)<2s', collect, [])
    .option('--json', 'print the summary as JSON on stdout instead of the report')
    .option('--ndjson', 'stream one JSON line per finished run on stdout, then a summary line (report on stderr)')
    .option('--out <file>', 'write the full result (encoded histograms, slowest transcripts) to this file')
    .option('--junit <file>', 'write a JUnit XML report: a testcase per threshold and per outcome class')
    .option('--html <file>', 'write a self-contained HTML report (wait histogram, outcomes over time, thresholds)')
    .option(...TARGET_MISS_RATE_FLAG)
    .option('--fail-on-generator-limited', 'exit 4 when the generator was the limit (event-loop delay or launch lateness p99 > 20 ms, a thread busy ≥ 95 %)')
    .option('--keep-worst <n>', 'slowest transcripts kept per outcome in --out', '3')
    .option('--grace <duration>', 'after Ctrl-C, how long in-flight runs may finish', '2s')
    .option('--no-progress', 'no progress on stderr')
    .addHelpText(
      'after',
      `
Examples:
  $ ssedoctor load                                              # embedded slow-persistence server, 200 runs
  $ ssedoctor load --url http://localhost:8000 -c 100 -d 60s --threshold "rate(early-404)<0.1%"
  $ ssedoctor load --url http://localhost:8000 --rate 20 --ramp-to 200 -d 2m --out run.json
  $ ssedoctor load --scenario early-404 -n 500 --json | jq '.outcomes'
  $ HTTPS_PROXY=http://proxy:3128 ssedoctor load --url https://api.internal --cacert ca.pem --http2 -n 200
  $ ssedoctor load -n 1000 -t "p99(first-node-event)<3s" -t "count(heartbeat-only)==0"
  $ ssedoctor load -d 10m -c 50 --metrics-port 9464                # watch it live: scrape :9464/metrics
  $ ssedoctor load --url http://10.0.0.9:8000 -c 50000 -d 5m --local-address 10.0.0.5-10.0.0.8   # past one address's ports
  $ ssedoctor load --client browser -c 200 -d 20s --storm-at 8s --storm-jitter 2s   # every stream cut at 8 s: how the server takes it
  $ ssedoctor load --client browser -c 8 -n 8 --workers 1 --browser-tabs 8         # 8 streams in one browser: 2 wait for a connection

Metrics (ms): first-meaningful-event, enqueue, headers, server-wait, not-found-wait, first-event,
first-node-event, terminal, longest-stall, total; schedule-lag (open model); with --storm-at storm-reconnect,
storm-back, storm-first-event (from the cut); with --browser-tabs connection-wait. Counts: client-attempts,
server-lookups, reconnects. Exit codes: 0 ok, 1 a threshold failed, 2 usage error, 3 target unreachable,
4 ssedoctor was the limit (out of descriptors or ports; or generator-limited with --fail-on-generator-limited),
130 interrupted (the partial report is printed and --out written).`,
    )
    .action(async (opts) => {
      const { loadCommand } = await import('../commands/load.js');
      process.exitCode = await loadCommand(opts, context());
    });
}
