/** The `logs` command: flags, help and a lazy link to its implementation. */
import type { Command } from 'commander';
import type { CliContext } from '../context.js';
import { TARGET_MISS_RATE_FLAG } from '../miss-rate.js';

export function declareLogs(program: Command, context: () => CliContext): void {
  program
    .command('logs')
    .summary("the backend's own view: lookup waits, exhausted windows, heartbeat-only streams, max-wait advice")
    .description(
      "Read the origin backend's log (python-json-logger JSON lines or the plain\n" +
        '"%(asctime)s %(levelname)s %(name)s %(message)s" format, mixed freely) and report per stream: lookup\n' +
        'attempts and wait_seconds, exhausted retry windows, heartbeat-only streams, and the\n' +
        'STREAM_DECISION_SET_MAX_WAIT recommendation from these exact waits (the estimator load and reproduce use).\n' +
        'With --join, put the client\'s view next to it by decision-set id and flag disagreements.\n' +
        'Unreadable lines are counted, not fatal; the file is read line by line.',
    )
    .argument('<file>', 'the backend log, or - for stdin')
    .option('--join <file>', 'client results to join: load --ndjson output and/or verify --out documents')
    .option(...TARGET_MISS_RATE_FLAG)
    .option('--json', 'print the ssedoctor.logs/v1 document on stdout instead of the report')
    .option('--out <file>', 'also write the JSON document to this file')
    .addHelpText(
      'after',
      `
Examples:
  $ ssedoctor logs backend.log                                  # per-stream lookups and the max-wait advice
  $ kubectl logs deploy/api | ssedoctor logs -                  # from stdin
  $ ssedoctor load --url http://localhost:8000 --ndjson > runs.ndjson
  $ ssedoctor logs backend.log --join runs.ndjson               # client outcome next to server wait, by id
  $ ssedoctor logs backend.log --json | jq '.totals'
  $ ssedoctor serve --log-format json --log-file backend.log    # the reference server writes these lines

Exit codes: 0 report written, 2 unreadable file or bad flag.`,
    )
    .action(async (file: string, opts) => {
      const { logsCommand } = await import('../commands/logs.js');
      process.exitCode = await logsCommand(file, opts, context());
    });
}
