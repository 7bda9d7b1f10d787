/** The built binary, as a user runs it: exit codes, stdout/stderr split, JSON, colour, secrets. */
import { spawn } from 'node:child_process';
import { BIN as bin, ssedoctor } from '../helpers/cli.js';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { startRawServer, enqueueThen, jsonResponse } from '../helpers/raw-server.js';

beforeAll(() => {
  if (!existsSync(new URL('../../dist/cli/main.js', import.meta.url))) throw new Error('run `npm run build` first (npm test does)');
});

describe('ssedoctor verify (built binary)', () => {
  it('healthy embedded run: exit 0, versioned JSON with outcome, attempts and timings', async () => {
    const r = await ssedoctor(['verify', '--json']);
    expect(r.code).toBe(0);
    const doc = JSON.parse(r.stdout);
    expect(doc).toMatchObject({ schema: 'ssedoctor.verify/v1', outcome: 'healthy', ok: true, target: { embeddedScenario: 'healthy' } });
    expect(doc.attempts.client).toBe(1);
    expect(doc.attempts.serverLookups).toBeGreaterThan(1);
    expect(doc.timings.serverWaitMs).toBeGreaterThan(0);
    expect(doc.timings.terminalMs).toBeGreaterThan(0);
    expect(r.stderr).toContain('embedded reference server'); // chatter on stderr, never in the JSON
  });

  it('early-404 scenario: exit 1 and a report that names the bug and the fix', async () => {
    const r = await ssedoctor(['verify', '--scenario', 'early-404', '--retry-delay', '300ms']);
    expect(r.code).toBe(1);
    expect(r.stdout).toContain('early-404');
    expect(r.stdout).toContain('STREAM_DECISION_SET_MAX_WAIT');
    expect(r.stdout).not.toMatch(/\u001b\[/); // not a TTY: no colour
  });

  it('FORCE_COLOR colours the report; NO_COLOR wins over a TTY only', async () => {
    const r = await ssedoctor(['verify'], { FORCE_COLOR: '1' });
    expect(r.stdout).toMatch(/\u001b\[/);
  });

  it('unreachable target: exit 3', async () => {
    const raw = await startRawServer(() => undefined);
    await raw.close();
    const r = await ssedoctor(['verify', '--url', raw.url, '--json']);
    expect(r.code).toBe(3);
    expect(JSON.parse(r.stdout).outcome).toBe('unreachable');
  });

  it('diagnoses a server it did not start, and never prints secrets it was given', async () => {
    const raw = await startRawServer(enqueueThen((_q, s) => void s.end(jsonResponse(403, { detail: 'Forbidden' }))));
    const dir = mkdtempSync(join(tmpdir(), 'ssedoctor-'));
    const out = join(dir, 'result.json');
    const r = await ssedoctor([
      'verify', '--url', raw.url, '-H', 'Authorization: Bearer s3cr3t-token', '-H', 'Cookie: session=abc123', '--json', '--transcript', '--out', out,
    ]);
    await raw.close();
    expect(r.code).toBe(1);
    expect(JSON.parse(r.stdout).outcome).toBe('http-error');
    expect(raw.requests[0]?.headers.authorization).toBe('Bearer s3cr3t-token'); // it was sent...
    for (const text of [r.stdout, r.stderr, readFileSync(out, 'utf8')]) {
      expect(text).not.toContain('s3cr3t-token'); // ...and never reported
      expect(text).not.toContain('abc123');
    }
  });

  it.each([
    [['verify', '--url', 'nope'], /--url: "nope" is not a URL/],
    [['verify', '--timeout', '5'], /--timeout: "5" is not a duration/],
    [['verify', '--scenario', 'bogus'], /unknown scenario "bogus"/],
    [['verify', '-H', 'nonsense'], /-H: "nonsense" is not a header/],
    [['verify', '--body', '@/does/not/exist.json'], /cannot read "\/does\/not\/exist.json" \(ENOENT\)/],
    [['verify', '--body', '{oops'], /not valid JSON/],
    [['verify', '--url', 'http://x', '--scenario', 'healthy'], /cannot be used with --url/],
    [['verify', '--no-such-flag'], /unknown option/],
    [['serve', '--persist-delay', 'soon'], /bad delay distribution/],
    [['serve', '--port', '70000'], /--port/],
  ])('bad input %j: one line, exit 2, no stack trace', async (args, message) => {
    const r = await ssedoctor(args as string[]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(message);
    expect(r.stderr).not.toMatch(/\n\s+at /);
    expect(r.stdout).toBe('');
  });

  it('a bad STREAM_DECISION_SET_MAX_WAIT is a configuration error', async () => {
    const r = await ssedoctor(['serve', '--port', '0'], { STREAM_DECISION_SET_MAX_WAIT: 'soon' });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/STREAM_DECISION_SET_MAX_WAIT="soon"/);
  });

  it('--help on every command shows examples', async () => {
    for (const cmd of ['verify', 'load', 'reproduce', 'report', 'serve']) {
      const r = await ssedoctor([cmd, '--help']);
      expect(r.code).toBe(0);
      expect(r.stdout).toContain('Examples:');
    }
  });
});

describe('ssedoctor serve (built binary)', () => {
  it('prints its URL on stdout, serves, and stops cleanly on SIGTERM', async () => {
    const child = spawn(process.execPath, [bin, 'serve', '--port', '0', '--log-level', 'off']);
    const url = await new Promise<string>((resolve) => child.stdout.once('data', (c) => resolve(String(c).trim())));
    expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    const plan = (await (await fetch(`${url}/api/workflow/plan`)).json()) as { nodes: string[] };
    expect(plan.nodes).toHaveLength(13);
    const code = await new Promise<number | null>((resolve) => {
      child.on('close', resolve);
      child.kill('SIGTERM');
    });
    expect(code).toBe(0);
  });
});

describe('--config (built binary)', () => {
  it('reports every problem in the file at once, exit 2', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ssedoctor-config-'));
    const file = join(dir, 'probe.json');
    writeFileSync(file, JSON.stringify({ timeout: '5', attempts: 'many', header: ['X-Ok: 1', 'broken'], frobnicate: 1, json: 'yes' }));
    const r = await ssedoctor(['verify', '--config', file]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('has 5 problems');
    for (const p of ['--timeout: "5"', '--attempts: "many"', '"broken" is not a header', '"frobnicate" is not a flag of verify', '"json" is a switch']) {
      expect(r.stderr).toContain(p);
    }
    expect(r.stderr).not.toMatch(/\n\s+at /);
  });

  it('applies the file, and flags on the command line win', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ssedoctor-config-'));
    const file = join(dir, 'probe.json');
    writeFileSync(file, JSON.stringify({ scenario: 'error-event', json: true, 'retry-delay': '300ms' }));
    const fromFile = await ssedoctor(['verify', '--config', file]);
    expect(JSON.parse(fromFile.stdout).outcome).toBe('error-event');
    const overridden = await ssedoctor(['verify', '--config', file, '--scenario', 'healthy']);
    expect(overridden.code).toBe(0);
    expect(JSON.parse(overridden.stdout).outcome).toBe('healthy');
  });
});

describe('GitHub Actions outputs (built binary)', () => {
  it('verify appends a step summary and annotates the failure', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ssedoctor-gh-'));
    const summary = join(dir, 'summary.md');
    writeFileSync(summary, '# earlier step\n');
    const r = await ssedoctor(['verify', '--scenario', 'error-event'], { GITHUB_STEP_SUMMARY: summary, GITHUB_ACTIONS: 'true' });
    expect(r.code).toBe(1);
    const md = readFileSync(summary, 'utf8');
    expect(md).toMatch(/^# earlier step\n### ssedoctor verify: ❌ `error-event`/); // appended, not overwritten
    expect(md).toContain('| target | client attempts |');
    expect(r.stderr).toMatch(/^::error title=ssedoctor verify%3A error-event::The server sent a named `error` event/m);
    expect(r.stdout).not.toContain('::error'); // stdout stays the report
  });

  it('load writes threshold verdicts to the summary and annotates failed thresholds', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ssedoctor-gh-'));
    const summary = join(dir, 'summary.md');
    const r = await ssedoctor(['load', '--scenario', 'healthy', '-n', '6', '-c', '3', '-t', 'p50(total)<1ms', '--json'], {
      GITHUB_STEP_SUMMARY: summary,
      GITHUB_ACTIONS: 'true',
    });
    expect(r.code).toBe(1);
    expect(readFileSync(summary, 'utf8')).toMatch(/\| `p50\(total\)<1ms` \| ❌ fail \|/);
    expect(r.stderr).toContain('::error title=ssedoctor threshold failed::p50(total)<1ms');
    expect(JSON.parse(r.stdout).schema).toBe('ssedoctor.load/v1');
  });
});
