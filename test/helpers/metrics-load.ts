/** Spawns `ssedoctor load --metrics-port …` (the built binary) and finds its scrape URL on stderr. */
import { spawn, type ChildProcess } from 'node:child_process';
import { BIN } from './cli.js';

const children: ChildProcess[] = [];

/** Kills load processes a failed test left running. */
export function killLoads(): void {
  children.splice(0).forEach((c) => c.exitCode === null && c.kill('SIGKILL'));
}

/** Starts `ssedoctor load …` and resolves with the scrape URL it prints on stderr, its exit, and a Ctrl-C. */
export function startLoad(args: string[]): Promise<{ url: string; exit: Promise<{ code: number | null; stderr: string }>; interrupt: () => void }> {
  const child = spawn(process.execPath, [BIN, 'load', ...args], { env: { ...process.env, NO_COLOR: '1' } });
  children.push(child);
  let stderr = '';
  const exit = new Promise<{ code: number | null; stderr: string }>((resolve) => child.on('close', (code) => resolve({ code, stderr })));
  child.stdout.resume();
  return new Promise((resolve, reject) => {
    child.stderr.on('data', (c) => {
      stderr += c;
      const m = /Prometheus metrics at (http:\/\/\S+\/metrics)/.exec(stderr);
      if (m) resolve({ url: m[1]!, exit, interrupt: () => void child.kill('SIGINT') });
    });
    void exit.then(({ code }) => reject(new Error(`load exited (${code}) before printing the metrics URL:\n${stderr}`)));
  });
}

