/** The `verify` command: flags, help and a lazy link to its implementation. */
import type { Command } from 'commander';
import type { CliContext } from '../context.js';
import { addProbeOptions, CONFIG_FLAG } from './shared.js';

export function declareVerify(program: Command, context: () => CliContext): void {
  const verify = program
    .command('verify')
    .summary('one enqueue → stream run, classified')
    .description(
      'POST the enqueue request, attach to the job\'s stream at once, and classify what happens.\n' +
        'Without --url it starts the embedded reference server (see --scenario) and runs against it.',
    )
    .option(...CONFIG_FLAG)
    .option('--url <base>', 'base URL of the API (default: start the embedded reference server)')
    .option('--scenario <name>', 'embedded server scenario when --url is not given (default: healthy)')
    .option('--compare <url>', 'run the same flow against this base URL too (e.g. through the proxy) and name what differs');
  addProbeOptions(verify, '5')
    .option('--live', 'print each step on stderr as it happens (default: on a terminal or in CI)')
    .option('--no-live', 'no step-by-step output on stderr')
    .option('-v, --verbose', 'live output adds request and response heads, error bodies and event payloads (secrets redacted)')
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
  $ ssedoctor verify --url http://app:8000 --compare https://api.example.com   # direct vs through the proxy
  $ ssedoctor verify --url http://localhost:8000 -v                             # every step and payload on stderr
  $ ssedoctor verify --client browser --cut-after 3    # reconnect as an EventSource: resumed, replayed or restarted?
  $ ssedoctor verify --url https://api.internal --cacert ca.pem --http2          # private CA, HTTP/2 by ALPN

Exit codes: 0 healthy, 1 unhealthy outcome, 2 usage error, 3 target unreachable, 130 interrupted.`,
    )
    .action(async (opts) => {
      const { verifyCommand } = await import('../commands/verify.js');
      process.exitCode = await verifyCommand(opts, context());
    });
}
