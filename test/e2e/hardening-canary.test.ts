/**
 * The canary: secrets planted in the URL's userinfo and query and in -H Authorization / Cookie
 * must appear in no output of verify, load or report: not on stdout or stderr, not in any file
 * written (--out, --junit, --html, NDJSON, the GitHub step summary), not in annotations.
 */
import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startReferenceServer, type ReferenceServer } from '../../src/server/index.js';
import { ssedoctor, type Run } from '../helpers/cli.js';

const USER = 'canaryuser7';
const PASSWORD = 'CanaryPw8';
const TOKEN = 'CanaryToken9';
const OTHER = 'CanaryParam0'; // a query value under a harmless-looking name
const AUTH = 'CanaryAuth1';
const COOKIE = 'CanaryCookie2';
const SECRETS = [USER, PASSWORD, TOKEN, OTHER, AUTH, COOKIE, Buffer.from(`${USER}:${PASSWORD}`).toString('base64')];

let server: ReferenceServer;
let url: string;
const dir = mkdtempSync(join(tmpdir(), 'ssedoctor-canary-'));
const runs: Run[] = [];
const env = { GITHUB_STEP_SUMMARY: join(dir, 'step-summary.md'), GITHUB_ACTIONS: 'true' };
const secretFlags = ['-H', `Authorization: Bearer ${AUTH}`, '-H', `Cookie: session=${COOKIE}`];

beforeAll(async () => {
  server = await startReferenceServer({ scenario: 'healthy', log: { level: 'off', format: 'text' } });
  url = server.url.replace('http://', `http://${USER}:${PASSWORD}@`) + `/?token=${TOKEN}&tenant=${OTHER}`;
  const run = async (args: string[]): Promise<void> => void runs.push(await ssedoctor(args, env));
  const f = (name: string): string => join(dir, name);
  // verify: JSON with the full transcript, the terminal report with transcript, every file.
  await run(['verify', '--url', url, ...secretFlags, '--json', '--transcript', '--out', f('verify.json'), '--junit', f('verify.xml')]);
  await run(['verify', '--url', url, ...secretFlags, '--transcript']);
  // load: NDJSON on stdout, the report on stderr, every file; then --json.
  await run(['load', '--url', url, ...secretFlags, '-n', '4', '-c', '2', '--ndjson', '--out', f('load.json'), '--junit', f('load.xml'), '--html', f('load.html'), '--keep-worst', '4']);
  await run(['load', '--url', url, ...secretFlags, '-n', '2', '-c', '2', '--json', '-t', 'p99(total)<1ms']);
  // report: every format of both results.
  for (const format of ['terminal', 'markdown', 'junit', 'json']) {
    await run(['report', f('verify.json'), '--format', format, '--out', f(`report-verify.${format}`)]);
    await run(['report', f('load.json'), '--format', format, '--out', f(`report-load.${format}`)]);
  }
  await run(['report', f('load.json'), '--html', f('report-load.html')]);
  // an error message that echoes a URL
  await run(['verify', '--url', `http://${USER}:${PASSWORD}@[::1/?token=${TOKEN}`]);
}, 120_000);

afterAll(async () => server?.close());

describe('no output carries a planted secret', () => {
  it('the runs happened (the canary is not vacuous)', () => {
    expect(runs).toHaveLength(14);
    const files = readdirSync(dir);
    for (const name of ['verify.json', 'verify.xml', 'load.json', 'load.xml', 'load.html', 'step-summary.md', 'report-load.html', 'report-load.json']) {
      expect(files).toContain(name);
    }
    const verify = JSON.parse(readFileSync(join(dir, 'verify.json'), 'utf8'));
    expect(verify.outcome).toBe('healthy'); // the secrets were sent and accepted...
    expect(verify.target.baseUrl).toContain('[redacted]@'); // ...and are shown as redacted
    expect(verify.target.baseUrl).toContain('token=[redacted]');
    expect(runs[2]!.stdout.split('\n').filter(Boolean).length).toBeGreaterThan(4); // NDJSON lines
    expect(runs[3]!.stderr).toContain('::error'); // annotations were written
  });

  it.each(SECRETS)('%s is on no stdout or stderr', (secret) => {
    for (const r of runs) {
      expect(r.stdout).not.toContain(secret);
      expect(r.stderr).not.toContain(secret);
    }
  });

  it.each(SECRETS)('%s is in no file written', (secret) => {
    for (const name of readdirSync(dir)) {
      expect(readFileSync(join(dir, name), 'utf8'), name).not.toContain(secret);
    }
  });
});
