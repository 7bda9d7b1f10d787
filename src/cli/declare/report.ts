/** The `report` command: flags, help and a lazy link to its implementation. */
import { Option, type Command } from 'commander';
import type { CliContext } from '../context.js';
import { FORMATS } from '../formats.js';
import { collect } from './shared.js';

export function declareReport(program: Command, context: () => CliContext): void {
  program
    .command('report')
    .summary('re-render saved results; merge several load results exactly')
    .description(
      'Render results saved by verify --out, load --out (or --ndjson) and reproduce --out as terminal, Markdown,\n' +
        'JUnit, JSON or HTML. Several load results (shards, or runs kept over time) are merged exactly: histograms\n' +
        'added and counts summed, never percentiles averaged; thresholds recorded in them are evaluated again.',
    )
    .argument('<files...>', 'result files')
    .addOption(new Option('--format <format>', 'output format').choices(FORMATS).default('terminal'))
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
      const { reportCommand } = await import('../commands/report.js');
      process.exitCode = await reportCommand(files, opts, context());
    });
}
