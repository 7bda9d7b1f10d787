/**
 * Closed pipes and stray processes, through the built binary: `… | head` ends every command
 * quietly (no EPIPE stack trace, no hang), and the embedded server never outlives ssedoctor,
 * even when ssedoctor is killed with SIGKILL.
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readFileSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { BIN } from '../helpers/cli.js';

beforeAll(() => {
  if (!existsSync(new URL('../../dist/cli/main.js', import.meta.url))) throw new Error('run `npm run build` first (npm test does)');
});

const dir = mkdtempSync(join(tmpdir(), 'ssedoctor-pipes-'));

/** Runs `ssedoctor ARGS | head …` in bash; returns ssedoctor's exit code, its stderr and what head printed. */
function piped(args: string[], head: string): { code: number; stderr: string; out: string; ms: number } {
  const err = join(dir, `err-${Math.random().toString(36).slice(2)}`);
  const quoted = args.map((a) => `'${a.replace(/'/g, `'\\''`)}'`).join(' ');
  const started = Date.now();
  const r = spawnSync('bash', ['-c', `'${process.execPath}' '${BIN}' ${quoted} 2>'${err}' | ${head}; echo "rc=\${PIPESTATUS[0]}" >&2`], {
    encoding: 'utf8',
    timeout: 60_000,
    env: { ...process.env, NO_COLOR: '', FORCE_COLOR: '' },
  });
  const code = Number(/rc=(\d+)/.exec(r.stderr)?.[1] ?? NaN);
  return { code, stderr: readFileSync(err, 'utf8'), out: r.stdout, ms: Date.now() - started };
}

describe('a closed stdout ends every command quietly', () => {
  const verifyOut = join(dir, 'v.json');
  beforeAll(() => {
    const r = spawnSync(process.execPath, [BIN, 'verify', '--out', verifyOut], { encoding: 'utf8' });
    expect(r.status).toBe(0);
  });

  it.each([
    // [args, head, exit codes accepted]
    [['--help'], 'head -1', [0]],
    [['load', '--help'], 'head -1', [0]],
    [['serve', '--list-scenarios'], 'head -1', [0]],
    [['verify', '--json'], 'head -c 10', [0]],
    [['verify', '--transcript'], 'head -1', [0]],
    [['report', 'VERIFY_OUT', '--format', 'json'], 'head -c 5', [0]],
    // stopped early because nobody reads the rest: like an interrupt
    [['load', '--ndjson', '-n', '400', '-c', '10', '--scenario', 'healthy'], 'head -1', [0, 130]],
    // (`serve | head -1` is not here: serve writes nothing more to stdout after its URL, so like any
    // Unix server it learns of the closed pipe only from a signal.)
  ])('%j | %s', (args, head, codes) => {
    const r = piped(
      args.map((a) => (a === 'VERIFY_OUT' ? verifyOut : a)),
      head,
    );
    expect(codes, r.stderr).toContain(r.code);
    expect(r.out.length).toBeGreaterThan(0);
    expect(r.stderr).not.toMatch(/EPIPE|^\s+at |internal error|Unhandled/m);
    expect(r.ms).toBeLessThan(30_000); // no hang: load stops long before its 400 runs
  });

  it('load --ndjson | head -1 still writes --out, and leaves no server behind', () => {
    const out = join(dir, 'cut.json');
    const r = piped(['load', '--ndjson', '-n', '400', '-c', '10', '--scenario', 'healthy', '--out', out], 'head -1');
    expect(r.stderr).not.toMatch(/EPIPE|^\s+at /m);
    const doc = JSON.parse(readFileSync(out, 'utf8'));
    expect(doc).toMatchObject({ schema: 'ssedoctor.load/v1', stoppedBy: 'interrupted' });
    expect(doc.runs).toBeGreaterThan(0);
    expect(doc.runs).toBeLessThan(400);
  });
});

/** True while `pid` exists and is not a zombie. */
function alive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return !/^\d+ \(.*\) Z/.test(stat);
  } catch {
    return false;
  }
}

/** The pids of the embedded servers whose parent is `ppid`. */
function childServers(ppid: number): number[] {
  const r = spawnSync('ps', ['-o', 'pid=,args=', '--ppid', String(ppid)], { encoding: 'utf8' });
  return r.stdout
    .split('\n')
    .filter((l) => l.includes(' serve '))
    .map((l) => Number(l.trim().split(/\s+/)[0]));
}

async function until(check: () => boolean, ms: number): Promise<boolean> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (check()) return true;
    await new Promise((r) => setTimeout(r, 100));
  }
  return check();
}

describe('no process outlives ssedoctor', () => {
  it.skipIf(process.platform !== 'linux')('kill -9 of a load run: its embedded server exits too', async () => {
    const parent = spawn(process.execPath, [BIN, 'load', '--scenario', 'heartbeat-only', '-c', '2', '-d', '60s', '--no-progress'], { stdio: 'ignore' });
    let servers: number[] = [];
    expect(await until(() => (servers = childServers(parent.pid!)).length > 0, 15_000)).toBe(true);
    expect(alive(servers[0]!)).toBe(true);
    parent.kill('SIGKILL');
    expect(await until(() => !alive(servers[0]!), 10_000)).toBe(true);
  });

  it.skipIf(process.platform !== 'linux')('SIGTERM of a load run: results written, server gone, exit 130', async () => {
    const out = join(dir, 'term.json');
    const parent = spawn(process.execPath, [BIN, 'load', '--scenario', 'heartbeat-only', '-c', '2', '-d', '60s', '--grace', '200ms', '--no-progress', '--out', out], {
      stdio: 'ignore',
    });
    let servers: number[] = [];
    expect(await until(() => (servers = childServers(parent.pid!)).length > 0, 15_000)).toBe(true);
    const exited = new Promise<number | null>((r) => parent.on('exit', (code) => r(code)));
    await new Promise((r) => setTimeout(r, 500));
    parent.kill('SIGTERM');
    expect(await exited).toBe(130);
    expect(JSON.parse(readFileSync(out, 'utf8'))).toMatchObject({ stoppedBy: 'interrupted' });
    expect(await until(() => !alive(servers[0]!), 10_000)).toBe(true);
  });

  it('one SIGINT with a long --grace: the process ends when the runs do, not when the grace would', async () => {
    const out = join(dir, 'grace.json');
    const parent = spawn(process.execPath, [BIN, 'load', '--scenario', 'healthy', '-c', '2', '-d', '60s', '--grace', '40s', '--no-progress', '--out', out], {
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    parent.stderr!.on('data', (c) => (stderr += String(c)));
    expect(await until(() => stderr.includes('started the embedded reference server'), 15_000)).toBe(true);
    const exited = new Promise<number | null>((r) => parent.on('exit', (code) => r(code)));
    await new Promise((r) => setTimeout(r, 1000));
    const at = Date.now();
    parent.kill('SIGINT');
    expect(await exited).toBe(130);
    // A healthy run lasts about a second; a pending 40 s grace timer used to hold the process.
    expect(Date.now() - at).toBeLessThan(15_000);
    expect(JSON.parse(readFileSync(out, 'utf8'))).toMatchObject({ stoppedBy: 'interrupted' });
  }, 60_000);

  it.skipIf(process.platform !== 'linux')('two SIGINTs: in-flight runs cut off at once, every file still written', async () => {
    const out = join(dir, 'twice.json');
    const junit = join(dir, 'twice.xml');
    // A long grace: only the second signal can end the run quickly.
    const parent = spawn(
      process.execPath,
      [BIN, 'load', '--scenario', 'heartbeat-only', '-c', '3', '-d', '60s', '--grace', '60s', '--observe', '60s', '--no-progress', '--out', out, '--junit', junit],
      { stdio: 'ignore' },
    );
    let servers: number[] = [];
    expect(await until(() => (servers = childServers(parent.pid!)).length > 0, 15_000)).toBe(true);
    const exited = new Promise<number | null>((r) => parent.on('exit', (code) => r(code)));
    await new Promise((r) => setTimeout(r, 1000));
    parent.kill('SIGINT');
    await new Promise((r) => setTimeout(r, 300));
    const cutAt = Date.now();
    parent.kill('SIGINT');
    expect(await exited).toBe(130);
    expect(Date.now() - cutAt).toBeLessThan(10_000); // not the 60 s grace
    const doc = JSON.parse(readFileSync(out, 'utf8'));
    expect(doc).toMatchObject({ schema: 'ssedoctor.load/v1', stoppedBy: 'interrupted' });
    expect(doc.runs).toBeGreaterThanOrEqual(3); // the cut-off runs are reported with what they saw
    expect(readFileSync(junit, 'utf8')).toContain('<testsuites');
    expect(await until(() => !alive(servers[0]!), 10_000)).toBe(true);
  }, 60_000); // on a loaded CI machine the start alone can take 15 s
});

it('a failing write names the fallback file that was written instead', () => {
  // The directory exists when the flags are checked and is gone when the result is written.
  const gone = mkdtempSync(join(tmpdir(), 'ssedoctor-gone-'));
  const script = join(dir, 'rm-then-run.mjs');
  writeFileSync(
    script,
    `import { rmSync } from 'node:fs';
const { writeFileAtomic, failedWrites } = await import(${JSON.stringify(new URL('../../dist/cli/write-file.js', import.meta.url).href)});
rmSync(${JSON.stringify(gone)}, { recursive: true });
writeFileAtomic(${JSON.stringify(join(gone, 'r.json'))}, '{"ok":true}');
console.log(JSON.stringify(failedWrites));`,
  );
  const r = spawnSync(process.execPath, [script], { encoding: 'utf8' });
  const [failed] = JSON.parse(r.stdout) as { fallback: string }[];
  expect(r.stderr).toContain(`wrote it to "${failed!.fallback}" instead`);
  expect(readFileSync(failed!.fallback, 'utf8')).toBe('{"ok":true}');
});
