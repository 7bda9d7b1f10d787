/** The `serve` command: flags, help and a lazy link to its implementation. */
import { Option, type Command } from 'commander';
import type { CliContext } from '../context.js';
import { CONFIG_FLAG } from './shared.js';

export function declareServe(program: Command, context: () => CliContext): void {
  program
    .command('serve')
    .summary('run the reference server (the origin backend, with faults)')
    .description(
      'Serve the origin API on the wire: POST /api/chat/async, GET /api/streams/{id}, GET /api/workflow/plan,\n' +
        'GET /api/jobs/{job_id}/status, with slow persistence, a lookup strategy and fault switches.\n' +
        'STREAM_DECISION_SET_RETRY_DELAY and STREAM_DECISION_SET_MAX_WAIT are read as the origin reads them; flags win.',
    )
    .option(...CONFIG_FLAG)
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
    .option('--compress', 'fault: gzip streams for clients that accept it, without flushing')
    .option('--end-on-complete', 'end each stream after workflow-complete (the origin never does; for benchmarks)')
    .option('--seed <n>', 'seed for the delay generator')
    .option('--body-limit <size>', 'largest accepted request body', '1mb')
    .addOption(new Option('--log-level <level>', 'server log level').choices(['debug', 'info', 'warning', 'off']).default('info'))
    .addOption(new Option('--log-format <format>', 'log line format').choices(['text', 'json']).default('text'))
    .option('--log-file <file>', 'append logs to this file instead of stderr')
    // For ssedoctor's own embedded server: exit when the parent's pipe on stdin closes.
    .addOption(new Option('--exit-with-stdin', 'stop when stdin reaches its end (the parent has gone)').hideHelp())
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
      const { serveCommand } = await import('../commands/serve.js');
      process.exitCode = await serveCommand(opts, context());
    });
}
