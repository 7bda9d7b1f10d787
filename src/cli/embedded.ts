/**
 * The embedded reference server in its own process, so a load run's generator does not share
 * an event loop (and CPU time) with the server it measures. It runs `ssedoctor serve --port 0`.
 *
 * It never outlives ssedoctor: the child holds a pipe on its stdin and exits when that closes,
 * which the kernel does however the parent ends (even `kill -9`); on a normal exit, a signal or
 * process.exit the parent also sends it SIGTERM.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { SsedoctorError, EXIT } from '../errors.js';

const BIN = fileURLToPath(new URL('../../bin/ssedoctor.js', import.meta.url));

export interface EmbeddedServer {
  url: string;
  close(): Promise<void>;
}

/**
 * Starts `serve` with extra flags. The origin's STREAM_DECISION_SET_* variables are not passed:
 * the embedded server runs the scenario's settings, plus `flags`.
 */
export async function startEmbeddedServer(scenario: string, flags: string[] = []): Promise<EmbeddedServer> {
  const env = { ...process.env };
  delete env.STREAM_DECISION_SET_RETRY_DELAY;
  delete env.STREAM_DECISION_SET_MAX_WAIT;
  const child: ChildProcess = spawn(process.execPath, [BIN, 'serve', '--port', '0', '--log-level', 'off', '--exit-with-stdin', '--scenario', scenario, ...flags], {
    env,
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  const killOnExit = (): void => void child.kill('SIGTERM');
  process.once('exit', killOnExit);
  child.once('exit', () => process.removeListener('exit', killOnExit));
  // The parent does not wait for the child's pipes to end its own event loop.
  child.stdin!.on('error', () => undefined);
  let stderr = '';
  child.stderr!.on('data', (c) => (stderr += String(c)));
  const lines = createInterface({ input: child.stdout! });
  const url = await Promise.race([
    once(lines, 'line').then(([line]) => String(line).trim()),
    once(child, 'exit').then(() => undefined),
  ]);
  if (!url) {
    throw new SsedoctorError('embedded-server', `the embedded reference server did not start: ${stderr.trim().split('\n')[0] ?? 'no output'}`, {
      exitCode: EXIT.usage,
    });
  }
  return {
    url,
    close: async () => {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const exited = once(child, 'exit');
      child.stdin!.end(); // the child stops when its stdin ends...
      child.kill('SIGTERM'); // ...and on SIGTERM
      // A child that does not stop within 5 s is killed: it must never outlive the command.
      const force = setTimeout(() => child.kill('SIGKILL'), 5000);
      await exited;
      clearTimeout(force);
    },
  };
}
