/**
 * Installable like a CLI: `npm pack` (of the already-built dist), `npm install -g` of the tarball
 * into a temporary prefix, then `ssedoctor` from that PATH, run from outside the checkout — the
 * README's set-up. The README's examples that need nothing but the embedded server run as
 * written through that PATH; every README invocation names a command and flags the installed
 * binary knows.
 */
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const root = new URL('../../', import.meta.url).pathname;
const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { version: string };
const readme = readFileSync(join(root, 'README.md'), 'utf8');
const dir = mkdtempSync(join(tmpdir(), 'ssedoctor-install-'));
const prefix = join(dir, 'prefix');
let tarball = '';

/** The environment of a user with the install's bin first on PATH, none of npm's script variables, no colour. */
function userEnv(): NodeJS.ProcessEnv {
  const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !/^npm_/i.test(k)));
  return { ...env, PATH: `${join(prefix, 'bin')}:${process.env.PATH ?? ''}`, NO_COLOR: '1', FORCE_COLOR: '' };
}

/** Runs a shell command line as a user would type it; `cwd` outside the checkout unless given. */
function sh(line: string, cwd = dir): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn('/bin/sh', ['-c', line], { cwd, env: userEnv() });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c) => (stdout += c));
    child.stderr.on('data', (c) => (stderr += c));
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

beforeAll(() => {
  // The suite builds dist first (npm test); packing reuses it instead of running `prepare` again.
  const out = execFileSync('npm', ['pack', '--ignore-scripts', '--json', '--pack-destination', dir], { cwd: root, encoding: 'utf8', env: userEnv() });
  tarball = join(dir, (JSON.parse(out) as { filename: string }[])[0]!.filename);
  execFileSync('npm', ['install', '-g', '--prefix', prefix, '--prefer-offline', '--no-audit', '--no-fund', '--loglevel', 'error', tarball], { cwd: dir, env: userEnv(), stdio: 'pipe' });
}, 60_000);
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('npm pack + npm install -g of the tarball', () => {
  it('the tarball carries the built CLI and the schemas, not the sources or tests', () => {
    const files = execFileSync('tar', ['-tzf', tarball], { encoding: 'utf8' }).split('\n');
    expect(files).toContain('package/bin/ssedoctor.js');
    expect(files).toContain('package/dist/cli/main.js');
    expect(files).toContain('package/schemas/load.v1.json');
    expect(files.filter((f) => /^package\/(src|test)\//.test(f))).toEqual([]);
  });

  it('puts a working ssedoctor on PATH: --version, and a verify against the embedded server', async () => {
    expect(existsSync(join(prefix, 'bin', 'ssedoctor'))).toBe(true);
    const which = await sh('command -v ssedoctor');
    expect(which.stdout.trim()).toBe(join(prefix, 'bin', 'ssedoctor'));
    expect((await sh('ssedoctor --version')).stdout.trim()).toBe(pkg.version);
    const healthy = await sh('ssedoctor verify --scenario healthy');
    expect(healthy.code, healthy.stderr).toBe(0);
    expect(healthy.stdout).toContain('healthy');
  });
});

/**
 * README examples that need nothing but the embedded server, run exactly as the README writes them
 * (each must appear in it verbatim), with the exit code the README promises.
 */
const RUNNABLE: [string, number][] = [
  ['ssedoctor verify', 0],
  ['ssedoctor verify --scenario heartbeat-only', 1],
  ["ssedoctor load --scenario early-404 -n 500 --json | jq '.outcomes'", 0],
  ['ssedoctor serve --list-scenarios', 0],
];
const hasJq = existsSync('/usr/bin/jq');
if (!hasJq) console.warn('install.test: the README example piped into jq is SKIPPED (no /usr/bin/jq)');

describe('README examples from the installed PATH', () => {
  it.each(RUNNABLE)('%s (exit %i), as written', async (line, code) => {
    expect(readme).toContain(line);
    if (line.includes('| jq') && !hasJq) return;
    const r = await sh(line);
    expect(r.code, `${r.stdout}\n${r.stderr}`).toBe(code);
  });

  it('npx ssedoctor from the checkout (the quick start) runs the same CLI', async () => {
    expect(readme).toContain('npx ssedoctor verify --scenario early-404');
    const r = await sh('npx --no-install ssedoctor verify --scenario early-404', root);
    expect(r.code, r.stderr).toBe(1); // the original bug: exit 1
    expect(r.stdout).toContain('early-404');
  });

  it('every ssedoctor invocation in the README names a command and flags the installed binary knows', async () => {
    const blocks = [...readme.matchAll(/```sh\n([\s\S]*?)```/g)].map((m) => m[1]!);
    const calls = blocks
      .flatMap((b) => b.split('\n'))
      .flatMap((line) => [...line.replace(/#.*$/, '').matchAll(/(?:^|[\s|&;(])(?:npx )?ssedoctor(?: (\S+)([^|&;]*))?/g)])
      .map((m) => ({ command: m[1] ?? '', flags: [...(m[2] ?? '').matchAll(/(?:^|\s)(--[a-z][a-z0-9-]*|-[a-zA-Z])(?=[\s=]|$)/g)].map((f) => f[1]!) }));
    expect(calls.length).toBeGreaterThan(30);
    const help = new Map<string, string>();
    for (const { command, flags } of calls) {
      if (command === '' || command.startsWith('-')) continue; // `ssedoctor --version` and the like
      if (!help.has(command)) {
        const r = await sh(`ssedoctor ${command} --help`);
        expect(r.code, `ssedoctor ${command}: not a command`).toBe(0);
        help.set(command, r.stdout);
      }
      for (const flag of flags) expect(help.get(command), `ssedoctor ${command} ${flag}`).toContain(flag);
    }
  }, 30_000);

  it('the README says how to install from the tarball and how npx is used', () => {
    expect(readme).toContain('npm pack');
    expect(readme).toMatch(/npm install -g (--prefix \S+ )?\.\/ssedoctor-\*\.tgz/);
    expect(readme).toContain('npx ssedoctor');
  });
});
