/**
 * The command line: declares commands and flags, lazy-loads the command modules, and is the one
 * place that turns errors into exit codes.
 */
import { Command, CommanderError } from 'commander';
import { EXIT, SsedoctorError } from '../errors.js';
import { applyConfig } from './config.js';
import type { CliContext } from './context.js';
import { declareLoad } from './declare/load.js';
import { declareReport } from './declare/report.js';
import { declareReproduce } from './declare/reproduce.js';
import { declareServe } from './declare/serve.js';
import { declareVerify } from './declare/verify.js';

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

function buildProgram(): Command {
  const program = new Command('ssedoctor')
    .description('Diagnose and load-test "enqueue a job, then attach to its Server-Sent Events stream" APIs.')
    .version(version, '-v, --version')
    .showHelpAfterError('(run with --help for usage)')
    .exitOverride()
    .configureOutput({ writeErr: (s) => process.stderr.write(s) });
  program.hook('preAction', (_program, action) => applyConfig(action, process.env));

  declareVerify(program, context);
  declareLoad(program, context);
  declareReproduce(program, context);
  declareReport(program, context);
  declareServe(program, context);
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

