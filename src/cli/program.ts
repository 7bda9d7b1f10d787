/**
 * The command line: declares commands and flags, lazy-loads the command modules, and is the one
 * place that turns errors into exit codes.
 */
import { Command, CommanderError } from 'commander';
import { EXIT, SsedoctorError } from '../errors.js';
import { redactText } from '../probe/redact.js';
import { applyConfig, checkFlagValues } from './config.js';
import type { CliContext } from './context.js';
import { declareLoad } from './declare/load.js';
import { declareReport } from './declare/report.js';
import { declareLogs } from './declare/logs.js';
import { declareReproduce } from './declare/reproduce.js';
import { declareServe } from './declare/serve.js';
import { declareVerify } from './declare/verify.js';
import { HELP_CONFIG, HELP_FOOTER } from './help.js';
import { checkOutputPaths } from './output-paths.js';
import { failedWrites } from './write-file.js';

/**
 * Stopping, shared by every command. The first SIGINT/SIGTERM stops gracefully (no new work;
 * in-flight runs get their grace; partial results are kept); the second cuts in-flight runs off
 * at once and still writes everything; the third exits at once. A closed output pipe
 * (`| head -1`) stops like the second: nobody reads the rest.
 */
const stopping = new AbortController();
const cutting = new AbortController();
let signals = 0;
let pipeClosed = false;

function onSignal(name: NodeJS.Signals): void {
  signals++;
  if (signals >= 3) process.exit(EXIT.interrupted);
  if (signals === 1) {
    process.stderr.write(`\n${name}: stopping; press Ctrl-C again to cut in-flight runs off (results are still written)\n`);
    stopping.abort(name);
  } else {
    process.stderr.write(`\n${name}: cutting in-flight runs off; writing results; a third Ctrl-C quits at once\n`);
    cutting.abort(name);
  }
}

/**
 * EPIPE (or any other write error) on stdout or stderr: the reader has gone. Stop quietly, with no
 * stack trace; files asked for are still written.
 */
function guardPipes(): void {
  for (const stream of [process.stdout, process.stderr]) {
    stream.on('error', () => {
      pipeClosed = true;
      stopping.abort('EPIPE');
      cutting.abort('EPIPE');
    });
  }
}

let handlersInstalled = false;
function installHandlers(): void {
  if (handlersInstalled) return;
  handlersInstalled = true;
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
}

let version = '';

function context(): CliContext {
  installHandlers();
  return { stdout: process.stdout, stderr: process.stderr, env: process.env, argv: process.argv.slice(2), version, signal: stopping.signal, cutoff: cutting.signal };
}

function buildProgram(): Command {
  const program = new Command('ssedoctor')
    .description('Diagnose and load-test "enqueue a job, then attach to its Server-Sent Events stream" APIs.')
    .version(version, '-v, --version')
    // Subcommand options after the subcommand are its own (`verify -v` is --verbose, not the version).
    .enablePositionalOptions()
    .showHelpAfterError('(run with --help for usage)')
    .exitOverride()
    .configureOutput({ writeErr: (s) => process.stderr.write(redactText(s)) })
    .configureHelp(HELP_CONFIG)
    .addHelpText('after', HELP_FOOTER);
  // Before any work: the config file, every flag value, and every output path (exit 2 at once).
  program.hook('preAction', (_program, action) => {
    applyConfig(action, process.env);
    checkFlagValues(action, process.env);
    checkOutputPaths(action);
  });

  declareVerify(program, context);
  declareLoad(program, context);
  declareReproduce(program, context);
  declareLogs(program, context);
  declareReport(program, context);
  declareServe(program, context);
  return program;
}

/** Parses `argv` and runs the command; sets process.exitCode. */
export async function run(argv: string[], toolVersion: string): Promise<void> {
  version = toolVersion;
  guardPipes();
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
  if (failedWrites.length > 0 && !process.exitCode) process.exitCode = EXIT.usage; // a file asked for went elsewhere
  // Cut off (second Ctrl-C, closed pipe): results are written; in-flight sockets must not hold the exit.
  if (cutting.signal.aborted || pipeClosed) process.exit(process.exitCode ?? 0);
}

/** The one place errors become exit codes and one-line messages. */
function exitCodeFor(err: unknown): number {
  if (err instanceof CommanderError) {
    // Commander printed its own message; help and version are not errors.
    return err.exitCode === 0 ? EXIT.ok : EXIT.usage;
  }
  if (err instanceof SsedoctorError) {
    process.stderr.write(`ssedoctor: ${redactText(err.message)}\n`);
    if (err.hint) process.stderr.write(`hint: ${err.hint}\n`);
    return err.exitCode;
  }
  const message = redactText(err instanceof Error ? err.message : String(err));
  process.stderr.write(`ssedoctor: internal error: ${message}\nPlease report this with the command you ran.\n`);
  if (process.env.SSEDOCTOR_DEBUG) process.stderr.write(`${(err as Error)?.stack ?? ''}\n`);
  return EXIT.unhealthy;
}

