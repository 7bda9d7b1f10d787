/** Runs the built binary as a user would. */
import { spawn, type ChildProcess } from 'node:child_process';

export const BIN = new URL('../../bin/ssedoctor.js', import.meta.url).pathname;

export interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Spawns `ssedoctor args…`; `onSpawn` may signal the child. Colour variables are cleared unless given. */
export function ssedoctor(args: string[], env: Record<string, string> = {}, onSpawn?: (child: ChildProcess) => void): Promise<Run> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [BIN, ...args], { env: { ...process.env, NO_COLOR: '', FORCE_COLOR: '', ...env } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c) => (stdout += c));
    child.stderr.on('data', (c) => (stderr += c));
    child.on('close', (code) => resolve({ code, stdout, stderr }));
    onSpawn?.(child);
  });
}
