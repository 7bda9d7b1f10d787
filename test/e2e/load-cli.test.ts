/** `load` and `reproduce` through the built binary: JSON, thresholds, exit codes, Ctrl-C. */
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ssedoctor } from '../helpers/cli.js';

const tmp = (): string => mkdtempSync(join(tmpdir(), 'ssedoctor-load-'));

describe('ssedoctor load (built binary)', () => {
  it('passes its thresholds on the healthy scenario: exit 0, versioned JSON with every metric', async () => {
    const r = await ssedoctor(['load', '--scenario', 'healthy', '-n', '30', '-c', '10', '-t', 'rate(early-404)<0.1%', '-t', 'p99(terminal)<10s', '--json']);
    expect(r.code).toBe(0);
    const doc = JSON.parse(r.stdout);
    expect(doc).toMatchObject({ schema: 'ssedoctor.load/v1', runs: 30, stoppedBy: 'completed', outcomes: [{ code: 'healthy', count: 30 }] });
    expect(doc.thresholds.every((t: { passed: boolean }) => t.passed)).toBe(true);
    expect(Object.keys(doc.metrics)).toEqual(expect.arrayContaining(['enqueue', 'headers', 'server-wait', 'first-node-event', 'terminal', 'client-attempts', 'server-lookups']));
    expect(doc.encoded.histograms.terminal).toMatch(/^[A-Za-z0-9+/=]+$/);
    expect(doc.recommendation.text).toMatch(/headroom/);
  });

  it('fails a CI job when a threshold fails: exit 1 and a report that says which', async () => {
    const r = await ssedoctor(['load', '--scenario', 'early-404', '-n', '20', '-c', '10', '--threshold', 'rate(early-404)<0.1%']);
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/✖ fail\s+rate\(early-404\)<0\.1%\s+\(actual 100\.000 %\)/);
    expect(r.stdout).toContain('early-404');
  });

  it('Ctrl-C prints and writes the partial report, exit 130', async () => {
    const out = join(tmp(), 'partial.json');
    const r = await ssedoctor(['load', '--scenario', 'heartbeat-only', '-c', '5', '-d', '1m', '--grace', '300ms', '--out', out], {}, (child) => {
      // A second after the load's server is up (a fixed delay from spawn failed on a loaded machine: start-up took longer).
      const onStarted = (chunk: Buffer): void => {
        if (!chunk.toString().includes('started the embedded reference server')) return;
        child.stderr!.off('data', onStarted);
        setTimeout(() => child.kill('SIGINT'), 1000);
      };
      child.stderr!.on('data', onStarted);
    });
    expect(r.code).toBe(130);
    expect(r.stdout).toContain('stopped early: interrupted');
    expect(existsSync(out)).toBe(true);
    const doc = JSON.parse(readFileSync(out, 'utf8'));
    expect(doc.stoppedBy).toBe('interrupted');
    expect(doc.runs).toBeGreaterThan(0);
    expect(doc.worst).toBeDefined();
  });

  it.each([
    [['load', '--rate', '10'], /--rate needs --duration/],
    [['load', '--rate', '10', '-c', '5', '-d', '1s'], /cannot be combined/],
    [['load', '-t', 'p99(latency)<1s'], /unknown metric "latency"/],
    [['reproduce', '--sweep', 'soon'], /--sweep: "soon" is not a duration/],
  ])('bad input %j: exit 2 with one line', async (args, message) => {
    const r = await ssedoctor(args as string[]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(message);
    expect(r.stderr).not.toMatch(/\n\s+at /);
  });
});

describe('ssedoctor reproduce (built binary)', () => {
  it('shows early 404s under single and fixed, far fewer under window, and a safe window in the sweep', async () => {
    const r = await ssedoctor(['reproduce', '--persist-delay', '200ms..700ms', '-n', '40', '-c', '40', '--sweep', '300ms,1s', '--json']);
    expect(r.code).toBe(0);
    const doc = JSON.parse(r.stdout);
    const early = (s: { outcomes: { code: string; percent: number }[] }): number => s.outcomes.find((o) => o.code === 'early-404')?.percent ?? 0;
    const [single, fixed, window] = doc.strategies;
    expect(single.lookup).toBe('single');
    expect(early(single.summary)).toBe(100);
    expect(early(fixed.summary)).toBeGreaterThan(0); // 3 × 200 ms = 600 ms < 700 ms at worst
    expect(early(window.summary)).toBe(0);
    expect(early(doc.sweep[0].summary)).toBeGreaterThan(0);
    expect(doc.smallestSafeWindowMs).toBe(1000);
  });
});
