/** The HTML report opened in headless Chromium (Debian's, driven by playwright-core): the charts render. */
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { chromium, type Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ssedoctor } from '../helpers/cli.js';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const available = existsSync(CHROMIUM);
// .ci/run installs Chromium; without it (a developer machine, or a failed install) this skips, loudly.
if (!available) console.warn(`html-report.test: SKIPPED, no Chromium at ${CHROMIUM} (apt-get install chromium)`);

const dir = mkdtempSync(join(tmpdir(), 'ssedoctor-html-'));
let browser: Browser;

beforeAll(async () => {
  if (!available) return;
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
});
afterAll(async () => browser?.close());

/** Opens a report file; returns the page and every URL it requested. */
async function open(file: string) {
  const page = await browser.newPage({ viewport: { width: 1100, height: 1400 } });
  const requests: string[] = [];
  page.on('request', (r) => requests.push(r.url()));
  await page.goto(pathToFileURL(file).href);
  return { page, requests };
}

describe.skipIf(!available)('HTML report in headless Chromium', () => {
  it('load: wait histogram, outcomes over time and threshold verdicts render, with no network', async () => {
    const html = join(dir, 'load.html');
    const r = await ssedoctor(['load', '--scenario', 'slow-persistence', '-n', '40', '-c', '20', '--html', html, '--no-progress', '-t', 'rate(early-404)<50%', '-t', 'p99(terminal)<1ms']);
    expect(r.code).toBe(1); // the second threshold fails on purpose
    const { page, requests } = await open(html);
    const bars = await page.$$eval('#waits rect.bar', (rs) => rs.map((r) => (r as unknown as { getBBox(): { height: number } }).getBBox().height));
    expect(bars.length).toBeGreaterThan(3);
    expect(bars.some((h) => h > 10)).toBe(true);
    const segments = await page.$$eval('#timeline rect.seg', (rs) => rs.map((r) => (r as unknown as { getBBox(): { height: number } }).getBBox().height));
    expect(segments.length).toBeGreaterThan(0);
    expect(segments.every((h) => h > 0)).toBe(true);
    const verdicts = await page.$$eval('#thresholds td.pass, #thresholds td.fail', (tds) => tds.map((td) => td.textContent));
    expect(verdicts).toEqual(['pass', 'fail']);
    expect(requests).toEqual([pathToFileURL(html).href]); // self-contained: nothing fetched at view time
    await page.screenshot({ path: join(dir, 'load.png'), fullPage: true });
  });

  it('report --html merges saved results into one page', async () => {
    const a = join(dir, 'a.json');
    const b = join(dir, 'b.json');
    for (const out of [a, b]) expect((await ssedoctor(['load', '--scenario', 'healthy', '-n', '10', '-c', '5', '--out', out, '--no-progress'])).code).toBe(0);
    const html = join(dir, 'merged.html');
    expect((await ssedoctor(['report', a, b, '--html', html])).code).toBe(0);
    const { page } = await open(html);
    expect(await page.textContent('h1')).toContain('20 runs');
    expect(await page.textContent('body')).toContain('merged from 2 result files');
    expect(await page.$$eval('#timeline rect.seg', (rs) => rs.length)).toBeGreaterThan(0);
  });

  it('reproduce: strategies table, the sweep chart and the window details render', async () => {
    const html = join(dir, 'reproduce.html');
    const r = await ssedoctor(['reproduce', '--persist-delay', '100ms..400ms', '-n', '12', '-c', '12', '--sweep', '200ms,1s', '--html', html, '--no-progress']);
    expect(r.code).toBe(0);
    const { page, requests } = await open(html);
    expect(await page.$$eval('#strategies tr', (rows) => rows.length)).toBe(4); // head + single, fixed, window
    const sweep = await page.$$eval('#sweep rect.bar', (rs) => rs.map((r) => Number(r.getAttribute('data-value'))));
    expect(sweep).toHaveLength(2);
    expect(sweep[0]).toBeGreaterThan(0); // a 200 ms window misses most 100-400 ms delays
    expect(sweep[1]).toBe(0);
    expect(await page.$$eval('#timeline rect.seg', (rs) => rs.length)).toBeGreaterThan(0);
    expect(requests).toEqual([pathToFileURL(html).href]);
  });
});
