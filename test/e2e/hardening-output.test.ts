/** Consistency of what the CLI prints and writes: help text, report's JSON, and results kept when the target dies. */
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { startReferenceServer } from '../../src/server/index.js';
import { ssedoctor } from '../helpers/cli.js';

const dir = mkdtempSync(join(tmpdir(), 'ssedoctor-output-'));

describe('--help', () => {
  it.each([['verify'], ['load'], ['reproduce'], ['report'], ['serve']])('%s: defaults as typed, never quoted or []', async (command) => {
    const r = await ssedoctor([command, '--help']);
    expect(r.code).toBe(0);
    expect(r.stdout).not.toMatch(/default: "|default: \[\]|choices: "/);
    // Wrapped once: a description line is never cut short where the declaration broke its line.
    const description = r.stdout.split('\n\n')[1]!.split('\n'); // the paragraph after "Usage:"
    expect(description.length).toBeGreaterThan(1);
    for (const [i, line] of description.entries()) {
      const next = description[i + 1];
      if (next && line.trim() !== '' && next.trim() !== '') expect(line.length, `${line}\n${next}`).toBeGreaterThan(40);
    }
  });

  it('the program help documents the one duration grammar', async () => {
    const r = await ssedoctor(['--help']);
    expect(r.stdout).toContain('Durations, in every flag, delay distribution and threshold:');
    expect(r.stdout).toContain('500ms, 2.5s, 2m, 1h, 1m30s');
  });
});

describe('report --format json', () => {
  it('one verify result in, that document out (not an array); two in, an array', async () => {
    const a = join(dir, 'a.json');
    const b = join(dir, 'b.json');
    expect((await ssedoctor(['verify', '--out', a])).code).toBe(0);
    expect((await ssedoctor(['verify', '--out', b])).code).toBe(0);
    const one = JSON.parse((await ssedoctor(['report', a, '--format', 'json'])).stdout);
    expect(one).toEqual(JSON.parse(readFileSync(a, 'utf8')));
    const two = JSON.parse((await ssedoctor(['report', a, b, '--format', 'json'])).stdout);
    expect(two).toHaveLength(2);
  });
});

describe('nothing lost when the target dies', () => {
  it('load writes --out, --junit and --html and exits 3 when its target stops answering', async () => {
    const server = await startReferenceServer({ scenario: 'healthy', log: { level: 'off', format: 'text' } });
    const out = join(dir, 'died.json');
    const junit = join(dir, 'died.xml');
    const html = join(dir, 'died.html');
    const run = ssedoctor(['load', '--url', server.url, '-c', '2', '-d', '60s', '--timeout', '1s', '--no-progress', '--out', out, '--junit', junit, '--html', html]);
    await new Promise((r) => setTimeout(r, 2000));
    await server.close();
    const r = await run;
    expect(r.code, r.stderr).toBe(3);
    const doc = JSON.parse(readFileSync(out, 'utf8'));
    expect(doc).toMatchObject({ schema: 'ssedoctor.load/v1', stoppedBy: 'unreachable' });
    expect(doc.outcomes.find((o: { code: string }) => o.code === 'unreachable')?.count).toBeGreaterThanOrEqual(20);
    expect(readFileSync(junit, 'utf8')).toContain('outcome unreachable');
    expect(readFileSync(html, 'utf8')).toContain('<html');
  }, 60_000);
});
