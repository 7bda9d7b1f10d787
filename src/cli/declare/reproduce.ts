/** The `reproduce` command: flags, help and a lazy link to its implementation. */
import type { Command } from 'commander';
import type { CliContext } from '../context.js';
import { TARGET_MISS_RATE_FLAG } from '../miss-rate.js';
import { CONFIG_FLAG } from './shared.js';

export function declareReproduce(program: Command, context: () => CliContext): void {
  program
    .command('reproduce')
    .summary('the race under each lookup strategy, side by side, and the smallest safe max-wait')
    .description(
      'Run the same load against the embedded reference server under each lookup strategy (single, fixed,\n' +
        'window) with one persistence-delay distribution, then sweep STREAM_DECISION_SET_MAX_WAIT values and report\n' +
        'the early-404 rate of each and the smallest window with none. Each step uses its own server process.\n' +
        'The recommendation pools the waits of every windowed step (a 404 says the wait was at least that\n' +
        'window) and estimates the wait only --target-miss-rate of runs exceed: the estimator load uses.',
    )
    .option(...CONFIG_FLAG)
    .option('--persist-delay <dist>', 'persistence delay: 300ms, 100ms..800ms, exp(300ms), lognormal(1s,0.8)', 'lognormal(1.2s,0.7)')
    .option('-n, --requests <n>', 'runs per step', '200')
    .option('-c, --concurrency <n>', 'runs in flight per step', '200')
    .option('--retry-delay <duration>', 'server lookup retry delay (STREAM_DECISION_SET_RETRY_DELAY)', '200ms')
    .option('--fixed-retries <n>', 'retries of the fixed strategy', '3')
    .option('--max-wait <duration>', 'window of the window strategy (STREAM_DECISION_SET_MAX_WAIT)', '6s')
    .option('--sweep <durations>', 'max-wait values to sweep, comma-separated', '1s,2s,4s,6s,9s,12s')
    .option('--seed <n>', 'seed of the persistence delays (the same for every step)', '1')
    .option(...TARGET_MISS_RATE_FLAG)
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
  $ ssedoctor reproduce -n 1000 -c 200 --out reproduce.json
  $ ssedoctor reproduce --persist-delay "exp(800ms)" --target-miss-rate 0.01%   # a stricter target`,
    )
    .action(async (opts) => {
      const { reproduceCommand } = await import('../commands/reproduce.js');
      process.exitCode = await reproduceCommand(opts, context());
    });
}
