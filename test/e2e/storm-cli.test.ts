/** `load --storm-at` through the built binary: two generator threads, each cutting its own streams; JSON, text, HTML, markdown-free JUnit. */
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseDistribution, startReferenceServer, type ReferenceServer } from '../../src/server/index.js';
import { ssedoctor } from '../helpers/cli.js';

let server: ReferenceServer;
beforeAll(async () => {
  // Runs of ≈ 3 s (150 ms per node), so every stream is open at 1 s; the server replays history on reconnect.
  server = await startReferenceServer({ log: { level: 'off', format: 'text' }, nodeDuration: parseDistribution('150ms'), persistDelay: parseDistribution('20ms') });
});
afterAll(async () => {
  await server.close();
});

describe('ssedoctor load --storm-at (built binary)', () => {
  it('--workers 2: each thread cuts its own open streams at 1 s; the counts merge; every report shows the storm', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ssedoctor-storm-'));
    const [out, html, junit] = ['run.json', 'run.html', 'run.xml'].map((f) => join(dir, f));
    const args = ['load', '--url', server.url, '--client', 'browser', '--reconnect-time', '200ms', '-c', '8', '-n', '8', '--workers', '2', '--storm-at', '1s', '--no-progress'];
    const r = await ssedoctor([...args, '--out', out!, '--html', html!, '--junit', junit!]);
    expect(r.code).toBe(0);
    const doc = JSON.parse(readFileSync(out!, 'utf8'));
    expect(doc.storm).toMatchObject({ atMs: 1000, jitterMs: 0, fired: 2, cut: 8, replies: { opened: 8 }, reopened: 8, withDuplicates: 8 });
    expect(doc.metrics['storm-reconnect']).toMatchObject({ count: 8, unit: 'ms' });
    expect(doc.metrics['storm-reconnect'].min).toBeGreaterThanOrEqual(199);
    expect(doc.metrics['storm-back'].count).toBe(8);
    expect(r.stdout).toMatch(/storm at 1\.00 s, reconnects all at once \(no jitter\) · 8 open streams cut · 8 reopened \(100\.0 %\)/);
    expect(r.stdout).toMatch(/first reply after the cut: stream opened 8/);
    expect(r.stdout).toMatch(/duplicates: 8 of 8 reopened streams repeated events/);
    const page = readFileSync(html!, 'utf8');
    expect(page).toContain('id="storm-section"');
    expect(page).toContain('id="storm-waterfall"');
    expect(page).toContain('id="reconnects-section"');
    expect(readFileSync(junit!, 'utf8')).toMatch(/<testcase name="reconnect storm: every cut stream reopened" classname="ssedoctor.load.storm"[^>]*>\s*<system-out>8 of 8 streams cut at 1000 ms reopened/);
  });

  it('--storm-jitter without --storm-at is a one-line usage error (exit 2)', async () => {
    const r = await ssedoctor(['load', '--url', server.url, '-n', '1', '--storm-jitter', '1s', '--no-progress']);
    expect(r.code).toBe(2);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toContain('--storm-jitter needs --storm-at');
  });
});
