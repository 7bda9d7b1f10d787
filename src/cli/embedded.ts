/**
 * The embedded reference server in its own process, so a load run's generator does not share
 * an event loop (and CPU time) with the server it measures. It runs `ssedoctor serve --port 0`.
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
  const child: ChildProcess = spawn(process.execPath, [BIN, 'serve', '--port', '0', '--log-level', 'off', '--scenario', scenario, ...flags], {
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
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
      if (child.exitCode !== null) return;
      const exited = once(child, 'exit');
      child.kill('SIGTERM');
      await exited;
    },
  };
}
