/** `load --browser-tabs` through the built binary: the 7th and 8th tab of one browser wait for a connection; the reports say so; misuse is exit 2. */
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseDistribution, startReferenceServer, type ReferenceServer } from '../../src/server/index.js';
import { ssedoctor } from '../helpers/cli.js';

let server: ReferenceServer;
beforeAll(async () => {
  // Runs of ≈ 3 s (150 ms per node): six open streams hold every connection of a browser for that long.
  server = await startReferenceServer({ log: { level: 'off', format: 'text' }, nodeDuration: parseDistribution('150ms'), persistDelay: parseDistribution('20ms') });
});
afterAll(async () => {
  await server.close();
});

describe('ssedoctor load --browser-tabs (built binary)', () => {
  it('8 tabs in one browser: the result counts the waits, the text and HTML give the longest as evidence', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ssedoctor-tabs-'));
    const [out, html] = ['run.json', 'run.html'].map((f) => join(dir, f));
    const r = await ssedoctor(['load', '--url', server.url, '--client', 'browser', '-c', '8', '-n', '8', '--workers', '1', '--browser-tabs', '8', '--no-progress', '--out', out!, '--html', html!]);
    expect(r.code).toBe(0);
    const doc = JSON.parse(readFileSync(out!, 'utf8'));
    expect(doc.connectionCap).toMatchObject({ tabs: 8, limit: 6, runs: 8 });
    expect(doc.connectionCap.longestMs).toBeGreaterThan(1500);
    expect(doc.metrics['connection-wait']).toMatchObject({ count: 8, unit: 'ms' });
    expect(r.stdout).toMatch(/browsers 8 tabs per browser, 6 connections per origin \(HTTP\/1\.1\)/);
    expect(r.stdout).toMatch(/the longest: (an enqueue POST|a stream request) waited [\d.]+ s for a free connection: browsers allow 6 per origin over HTTP\/1\.1/);
    const page = readFileSync(html!, 'utf8');
    expect(page).toContain('id="browsers-section"');
    expect(page).toMatch(/<p id="browsers-evidence" class="warn">the longest: /);
  });

  it.each([
    [['--rate', '5', '-d', '1s'], '--browser-tabs groups the closed model'],
    [['--http2'], 'over HTTP/2 (--http2) a browser multiplexes'],
    [['--browser-tabs', '0'], '--browser-tabs'],
  ])('%j is a one-line usage error (exit 2)', async (extra, message) => {
    const args = ['load', '--url', server.url, '--no-progress', ...(extra.includes('--browser-tabs') ? [] : ['--browser-tabs', '8']), ...extra];
    const r = await ssedoctor(args);
    expect(r.code).toBe(2);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toContain(message);
  });
});
