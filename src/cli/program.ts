/**
 * The command line: declares commands and flags, lazy-loads the command modules, and is the one
 * place that turns errors into exit codes.
 */
import { Command, CommanderError, Option } from 'commander';
import { EXIT, SsedoctorError } from '../errors.js';
import { applyConfig } from './config.js';
import type { CliContext } from './context.js';

const collect = (value: string, previous: string[]): string[] => [...previous, value];

/** Interrupt handling: the first Ctrl-C stops gracefully (partial results are kept), the second exits. */
function interruptSignal(): AbortSignal {
  const controller = new AbortController();
  let count = 0;
  const onSignal = (name: NodeJS.Signals): void => {
    count++;
    if (count > 1) process.exit(EXIT.interrupted);
    process.stderr.write(`\n${name}: stopping; press Ctrl-C again to quit at once\n`);
    controller.abort(name);
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  return controller.signal;
}

let version = '';

function context(): CliContext {
  return { stdout: process.stdout, stderr: process.stderr, env: process.env, version, signal: interruptSignal() };
}

/** The probe flags shared by verify, load and reproduce; `attempts` differs per command. */
function addProbeOptions(cmd: Command, attempts: string): Command {
  return cmd
    .option('--prompt <text>', 'user prompt for the enqueue body (origin ChatRequest)')
    .option('--body <json|@file>', 'raw enqueue body, JSON text or @path')
    .option('-H, --header <"Name: value">', 'extra request header, repeatable (secrets are redacted in reports)', collect, [])
    .option('--id-field <path>', 'dotted path of the stream id in the enqueue answer', 'decision_set_id')
    .option('--enqueue-path <path>', 'enqueue endpoint (POST)', '/api/chat/async')
    .option('--stream-path <path>', 'stream endpoint; {id} is replaced', '/api/streams/{id}')
    .option('--job-status-path <path>', 'asked when a stream shows no terminal event; {job_id} is replaced; "" disables', '/api/jobs/{job_id}/status')
    .option('--attempts <n>', 'reconnects after a 404 (origin frontend: 5)', attempts)
    .option('--retry-delay <duration>', 'pause before each reconnect (origin frontend: 2.5s)', '2.5s')
    .option('--timeout <duration>', 'limit for connecting and for each response head', '15s')
    .option('--observe <duration>', 'longest time to watch the stream for the terminal event', '2m')
    .option('--idle-heartbeats <n>', 'stop after this many heartbeat events in a row without progress', '2')
    .option('--terminal-event <type>', 'event that ends a healthy run', 'workflow-complete')
    .option('--heartbeat-event <type>', 'event type counted as a heartbeat, repeatable', collect, [])
    .option('--max-event-size <size>', 'largest line or event accepted', '1mb');
}

function buildProgram(): Command {
  const program = new Command('ssedoctor')
    .description('Diagnose and load-test "enqueue a job, then attach to its Server-Sent Events stream" APIs.')
    .version(version, '-v, --version')
    .showHelpAfterError('(run with --help for usage)')
    .exitOverride()
    .configureOutput({ writeErr: (s) => process.stderr.write(s) });
  program.hook('preAction', (_program, action) => applyConfig(action, process.env));

  const verify = program
    .command('verify')
    .summary('one enqueue → stream run, classified')
    .description(
      'POST the enqueue request, attach to the job\'s stream at once, and classify what happens.\n' +
        'Without --url it starts the embedded reference server (see --scenario) and runs against it.',
    )
    .option('--config <file>', 'JSON file of flags (keys: flag names); command-line flags win')
    .option('--url <base>', 'base URL of the API (default: start the embedded reference server)')
    .option('--scenario <name>', 'embedded server scenario when --url is not given (default: healthy)');
  addProbeOptions(verify, '5')
    .option('--json', 'print one JSON document on stdout instead of the report')
    .option('--transcript', 'add every event and comment, with arrival times, to the report')
    .option('--out <file>', 'also write the JSON document to this file')
    .option('--junit <file>', 'write a JUnit XML report (one testcase) for CI')
    .addHelpText(
      'after',
      `
Examples:
  $ ssedoctor verify                                   # embedded server, healthy scenario
  $ ssedoctor verify --scenario early-404              # reproduce the early-404 race
  $ ssedoctor verify --url http://localhost:8000 --prompt "plan a churn model"
  $ ssedoctor verify --url https://api.example.com -H "Authorization: Bearer $TOKEN" --json | jq .outcome
  $ ssedoctor verify --url http://localhost:8000 --body @request.json --observe 60s --transcript

Exit codes: 0 healthy, 1 unhealthy outcome, 2 usage error, 3 target unreachable, 130 interrupted.`,
    )
    .action(async (opts) => {
      const { verifyCommand } = await import('./commands/verify.js');
      process.exitCode = await verifyCommand(opts, context());
    });

  const load = program
    .command('load')
    .summary('concurrent runs with HDR statistics, thresholds and a max-wait recommendation')
    .description(
      'Fire many enqueue → stream runs at once; each is one verify run. Closed model: --concurrency with\n' +
        '--requests or --duration. Open model: --rate (with --ramp-to) for --duration; a run that finds no free\n' +
        'slot (--max-inflight) is counted as dropped and latency counts from its scheduled start.\n' +
        'Without --url it runs against the embedded reference server (scenario slow-persistence) in its own process.',
    )
    .option('--config <file>', 'JSON file of flags (keys: flag names); command-line flags win')
    .option('--url <base>', 'base URL of the API (default: start the embedded reference server)')
    .option('--scenario <name>', 'embedded server scenario when --url is not given (default: slow-persistence)')
    .option('-c, --concurrency <n>', 'closed model: runs in flight (default 20)')
    .option('-n, --requests <n>', 'closed model: total runs (default 200 without --duration)')
    .option('-d, --duration <duration>', 'how long to keep starting runs')
    .option('-r, --rate <per-second>', 'open model: runs started per second')
    .option('--ramp-to <per-second>', 'open model: ramp linearly from --rate to this rate over --duration')
    .option('--max-inflight <n>', 'open model: runs in flight before new ones are dropped', '1000')
    .option('--shard <i/n>', 'run the i-th of n equal parts (n alone: index from JOB_COMPLETION_INDEX); merge with report')
    .option('--seed <n>', 'seed of the embedded server\'s delays (each shard adds its index)', '1');
  addProbeOptions(load, '0')
    .option('-t, --threshold <expr>', 'CI check, repeatable: rate(early-404)<0.1%, count(heartbeat-only)==0, p99(first-node-event)<2s', collect, [])
    .option('--json', 'print the summary as JSON on stdout instead of the report')
    .option('--ndjson', 'stream one JSON line per finished run on stdout, then a summary line (report on stderr)')
    .option('--out <file>', 'write the full result (encoded histograms, slowest transcripts) to this file')
    .option('--junit <file>', 'write a JUnit XML report: a testcase per threshold and per outcome class')
    .option('--html <file>', 'write a self-contained HTML report (wait histogram, outcomes over time, thresholds)')
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
  $ ssedoctor load -n 1000 -t "p99(first-node-event)<3s" -t "count(heartbeat-only)==0"

Metrics: ${'enqueue, headers, server-wait, not-found-wait, first-event, first-node-event, terminal, total'} (ms);
client-attempts, server-lookups (counts). Exit codes: 0 ok, 1 a threshold failed, 2 usage error,
3 target unreachable, 130 interrupted (the partial report is printed and --out written).`,
    )
    .action(async (opts) => {
      const { loadCommand } = await import('./commands/load.js');
      process.exitCode = await loadCommand(opts, context());
    });
  void load;

  program
    .command('reproduce')
    .summary('the race under each lookup strategy, side by side, and the smallest safe max-wait')
    .description(
      'Run the same load against the embedded reference server under each lookup strategy (single, fixed,\n' +
        'window) with one persistence-delay distribution, then sweep STREAM_DECISION_SET_MAX_WAIT values and report\n' +
        'the early-404 rate of each and the smallest window with none. Each step uses its own server process.',
    )
    .option('--config <file>', 'JSON file of flags (keys: flag names); command-line flags win')
    .option('--persist-delay <dist>', 'persistence delay: 300ms, 100ms..800ms, exp(300ms), lognormal(1s,0.8)', 'lognormal(1.2s,0.7)')
    .option('-n, --requests <n>', 'runs per step', '200')
    .option('-c, --concurrency <n>', 'runs in flight per step', '200')
    .option('--retry-delay <duration>', 'server lookup retry delay (STREAM_DECISION_SET_RETRY_DELAY)', '200ms')
    .option('--fixed-retries <n>', 'retries of the fixed strategy', '3')
    .option('--max-wait <duration>', 'window of the window strategy (STREAM_DECISION_SET_MAX_WAIT)', '6s')
    .option('--sweep <durations>', 'max-wait values to sweep, comma-separated', '1s,2s,4s,6s,9s,12s')
    .option('--seed <n>', 'seed of the persistence delays (the same for every step)', '1')
    .option('--json', 'print the comparison as JSON on stdout')
    .option('--out <file>', 'write the comparison (with every step\'s encoded histograms) to this file')
    .option('--html <file>', 'write a self-contained HTML report (strategies, sweep chart, window details)')
    .option('--no-progress', 'no progress on stderr')
    .addHelpText(
      'after',
      `
Examples:
  $ ssedoctor reproduce                                         # the seed's failure and its fix, with numbers
  $ ssedoctor reproduce --persist-delay "exp(800ms)" --sweep 1s,2s,3s,5s
  $ ssedoctor reproduce -n 1000 -c 200 --out reproduce.json`,
    )
    .action(async (opts) => {
      const { reproduceCommand } = await import('./commands/reproduce.js');
      process.exitCode = await reproduceCommand(opts, context());
    });

  program
    .command('report')
    .summary('re-render saved results; merge several load results exactly')
    .description(
      'Render results saved by verify --out, load --out (or --ndjson) and reproduce --out as terminal, Markdown,\n' +
        'JUnit, JSON or HTML. Several load results (shards, or runs kept over time) are merged exactly: histograms\n' +
        'added and counts summed, never percentiles averaged; thresholds recorded in them are evaluated again.',
    )
    .argument('<files...>', 'result files')
    .addOption(new Option('--format <format>', 'output format').choices(['terminal', 'markdown', 'junit', 'json', 'html']).default('terminal'))
    .option('--out <file>', 'write the rendering to this file instead of stdout')
    .option('--html <file>', 'also write the HTML report to this file')
    .option('-t, --threshold <expr>', 'evaluate this threshold on the merged load results, repeatable', collect, [])
    .addHelpText(
      'after',
      `
Examples:
  $ ssedoctor report run.json                                   # the terminal report again
  $ ssedoctor report shard-*.json --threshold "rate(early-404)<0.1%" --format junit --out junit.xml
  $ ssedoctor report shard-*.json --format markdown >> "$GITHUB_STEP_SUMMARY"
  $ ssedoctor report monday.json tuesday.json --html week.html

Exit codes: load results as load (1 when a threshold fails); verify results 1 when any was unhealthy.`,
    )
    .action(async (files: string[], opts) => {
      const { reportCommand } = await import('./commands/report.js');
      process.exitCode = await reportCommand(files, opts, context());
    });

  program
    .command('serve')
    .summary('run the reference server (the origin backend, with faults)')
    .description(
      'Serve the origin API on the wire: POST /api/chat/async, GET /api/streams/{id}, GET /api/workflow/plan,\n' +
        'GET /api/jobs/{job_id}/status, with slow persistence, a lookup strategy and fault switches.\n' +
        'STREAM_DECISION_SET_RETRY_DELAY and STREAM_DECISION_SET_MAX_WAIT are read as the origin reads them; flags win.',
    )
    .option('--config <file>', 'JSON file of flags (keys: flag names); command-line flags win')
    .option('--port <n>', 'TCP port (0 picks a free one)', '8000')
    .option('--host <addr>', 'interface to bind; loopback by default', '127.0.0.1')
    .option('--scenario <name>', 'named bundle of settings (see --list-scenarios)', 'healthy')
    .option('--list-scenarios', 'print the scenarios and exit')
    .addOption(new Option('--lookup <strategy>', 'decision-set lookup').choices(['single', 'fixed', 'window']))
    .option('--retry-delay <duration>', 'pause between lookups (STREAM_DECISION_SET_RETRY_DELAY)')
    .option('--max-wait <duration>', 'window strategy: give up after (STREAM_DECISION_SET_MAX_WAIT)')
    .option('--fixed-retries <n>', 'fixed strategy: retries after the first lookup')
    .option('--persist-delay <dist>', 'time until the decision set is visible: 300ms, 100ms..800ms, exp(300ms), lognormal(1s,0.8), never')
    .option('--worker-delay <dist>', 'time from persistence to workflow-start')
    .option('--node-duration <dist>', 'time each plan node takes')
    .option('--ping-interval <duration>', 'ping comment interval (origin: 15s)')
    .option('--heartbeat-interval <duration>', 'idle time before a heartbeat event (origin: 30s)')
    .option('--no-worker', 'fault: the worker never emits (heartbeat-only streams)')
    .option('--error-node <node>', 'fault: emit a named error event at this node')
    .option('--close-after <n>', 'fault: end each stream after n frames')
    .option('--close-abruptly', 'fault: with --close-after, reset the connection instead of ending cleanly')
    .option('--stall-after <n>', 'fault: the worker stops after n events')
    .option('--content-type <type>', 'fault: answer streams with this content type')
    .option('--hold-headers', 'fault: hold the response head until the first frame')
    .option('--end-on-complete', 'end each stream after workflow-complete (the origin never does; for benchmarks)')
    .option('--seed <n>', 'seed for the delay generator')
    .option('--body-limit <size>', 'largest accepted request body', '1mb')
    .addOption(new Option('--log-level <level>', 'server log level').choices(['debug', 'info', 'warning', 'off']).default('info'))
    .addOption(new Option('--log-format <format>', 'log line format').choices(['text', 'json']).default('text'))
    .option('--log-file <file>', 'append logs to this file instead of stderr')
    .addHelpText(
      'after',
      `
Examples:
  $ ssedoctor serve                                    # healthy, http://127.0.0.1:8000
  $ ssedoctor serve --scenario early-404 --port 0      # the original bug, on a free port
  $ ssedoctor serve --lookup window --persist-delay "lognormal(1.5s,0.8)" --log-format json
  $ STREAM_DECISION_SET_MAX_WAIT=2 ssedoctor serve --scenario slow-persistence
  $ ssedoctor serve --list-scenarios`,
    )
    .action(async (opts) => {
      const { serveCommand } = await import('./commands/serve.js');
      process.exitCode = await serveCommand(opts, context());
    });

  return program;
}

/** Parses `argv` and runs the command; sets process.exitCode. */
export async function run(argv: string[], toolVersion: string): Promise<void> {
  version = toolVersion;
  const program = buildProgram();
  if (argv.length <= 2) {
    program.outputHelp();
    return;
  }
  try {
    await program.parseAsync(argv);
  } catch (err) {
    process.exitCode = exitCodeFor(err);
  }
}

/** The one place errors become exit codes and one-line messages. */
function exitCodeFor(err: unknown): number {
  if (err instanceof CommanderError) {
    // Commander printed its own message; help and version are not errors.
    return err.exitCode === 0 ? EXIT.ok : EXIT.usage;
  }
  if (err instanceof SsedoctorError) {
    process.stderr.write(`ssedoctor: ${err.message}\n`);
    if (err.hint) process.stderr.write(`hint: ${err.hint}\n`);
    return err.exitCode;
  }
  const message = err instanceof Error ? err.message : String(err);
  process.stderr.write(`ssedoctor: internal error: ${message}\nPlease report this with the command you ran.\n`);
  if (process.env.SSEDOCTOR_DEBUG) process.stderr.write(`${(err as Error)?.stack ?? ''}\n`);
  return EXIT.unhealthy;
}

