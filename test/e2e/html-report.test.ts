/** The HTML report opened in headless Chromium (Debian's, driven by playwright-core): the charts render. */
import { mkdtempSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { chromiumAvailable as available, useChromium } from '../helpers/chromium.js';
import { parseDistribution, startReferenceServer } from '../../src/server/index.js';
import { ssedoctor } from '../helpers/cli.js';

const dir = mkdtempSync(join(tmpdir(), 'ssedoctor-html-'));
const chrome = useChromium('html-report.test');

/** Opens a report file; returns the page and every URL it requested. */
async function open(file: string) {
  const page = await chrome.get().newPage({ viewport: { width: 1100, height: 1400 } });
  const requests: string[] = [];
  page.on('request', (r) => requests.push(r.url()));
  await page.goto(pathToFileURL(file).href);
  return { page, requests };
}

/** Every `<text>` of every chart lies inside its SVG's viewBox (user units, via getBBox): no clipped label. */
async function labelsOutsideViewBox(page: Awaited<ReturnType<typeof open>>['page']): Promise<string[]> {
  return page.$$eval('svg', (svgs) =>
    svgs.flatMap((svg) => {
      const box = (svg as unknown as { viewBox: { baseVal: { x: number; y: number; width: number; height: number } } }).viewBox.baseVal;
      return [...svg.querySelectorAll('text')].flatMap((t) => {
        const b = (t as unknown as { getBBox(): { x: number; y: number; width: number; height: number } }).getBBox();
        const inside = b.x >= box.x - 0.5 && b.y >= box.y - 0.5 && b.x + b.width <= box.x + box.width + 0.5 && b.y + b.height <= box.y + box.height + 0.5;
        return inside ? [] : [`#${svg.id}: "${t.textContent}" at ${JSON.stringify(b)}`];
      });
    }),
  );
}

describe.skipIf(!available)('HTML report in headless Chromium', () => {
  it('load without thresholds: the banner names the main outcome in its colour', async () => {
    const html = join(dir, 'outcome.html');
    expect((await ssedoctor(['load', '--scenario', 'early-404', '-n', '10', '-c', '5', '--html', html, '--no-progress'])).code).toBe(0);
    const { page } = await open(html);
    expect(await page.textContent('#verdict .word')).toBe('EARLY-404');
    expect(await page.textContent('#verdict')).toContain('100.0 % of 10 runs');
    expect(await page.textContent('#hint')).toContain('Poll for it before answering');
    const word = await page.$eval('#verdict .word', (e) => (globalThis as unknown as { getComputedStyle(e: unknown): Record<string, string> }).getComputedStyle(e).color);
    const swatch = await page.$eval('#outcomes .swatch', (e) => (globalThis as unknown as { getComputedStyle(e: unknown): Record<string, string> }).getComputedStyle(e).backgroundColor);
    expect(word).toBe(swatch);
    expect(await labelsOutsideViewBox(page)).toEqual([]);
  });

  it('load: wait histogram, outcomes over time and threshold verdicts render, with no network', async () => {
    const html = join(dir, 'load.html');
    const r = await ssedoctor(['load', '--scenario', 'slow-persistence', '-n', '40', '-c', '20', '--html', html, '--no-progress', '-H', 'Authorization: Bearer PLANTED-SECRET', '-t', 'rate(early-404)<50%', '-t', 'p99(terminal)<1ms']);
    expect(r.code).toBe(1); // the second threshold fails on purpose
    const { page, requests } = await open(html);
    // The head: verdict from the thresholds, the hint, the command (redacted), version and target.
    expect(await page.textContent('#verdict .word')).toBe('FAIL');
    expect(await page.textContent('#verdict')).toContain('1 of 2 thresholds failed: p99(terminal)<1ms');
    expect(await page.textContent('#hint')).toMatch(/^Hint: /);
    const command = await page.textContent('#command');
    expect(command).toContain('ssedoctor load --scenario slow-persistence -n 40 -c 20');
    expect(command).toContain("-H 'Authorization: [redacted]'");
    expect(await page.content()).not.toContain('PLANTED-SECRET');
    expect(await page.textContent('#version')).toMatch(/^ssedoctor \d+\.\d+\.\d+/);
    expect(await page.textContent('body')).toMatch(/target\s*http:\/\/127\.0\.0\.1:\d+/);
    // Latency over time: a p50 and a p99 line with a point per second that had runs, p99 ≥ p50 everywhere.
    const p50 = await page.$$eval('#latency circle.p50', (cs) => cs.map((c) => Number(c.getAttribute('data-value'))));
    const p99 = await page.$$eval('#latency circle.p99', (cs) => cs.map((c) => Number(c.getAttribute('data-value'))));
    expect(p50.length).toBeGreaterThan(0);
    expect(p99).toHaveLength(p50.length);
    p50.forEach((v, i) => expect(p99[i]).toBeGreaterThanOrEqual(v));
    expect(await page.$$eval('#latency path.p50', (ps) => ps.length)).toBe(1);
    // One colour per outcome: the table's swatch and the timeline's segments agree.
    const code = await page.$eval('#outcomes tr:nth-child(2) td', (e) => e.textContent);
    const swatch = await page.$eval('#outcomes tr:nth-child(2) .swatch', (e) => (globalThis as unknown as { getComputedStyle(e: unknown): Record<string, string> }).getComputedStyle(e).backgroundColor);
    expect(await page.$eval(`#timeline rect.seg[data-outcome="${code}"]`, (e) => (globalThis as unknown as { getComputedStyle(e: unknown): Record<string, string> }).getComputedStyle(e).fill)).toBe(swatch);
    expect(await labelsOutsideViewBox(page)).toEqual([]);
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
    expect(statSync(join(dir, 'load.png')).size).toBeGreaterThan(20_000);
    // The label check can fail: a label past the viewBox's right edge is caught.
    await page.setContent('<svg id="clipped" viewBox="0 0 100 50"><text x="80" y="20">a label too long to fit</text></svg>');
    expect(await labelsOutsideViewBox(page)).toHaveLength(1);
  });

  it('load --client browser --storm-at: the network row, the reconnect counters and the storm (replies, cut → back waterfall) render', async () => {
    // Runs of ≈ 3 s (150 ms per node): every stream is open at the storm; the server replays history on reconnect.
    const server = await startReferenceServer({ log: { level: 'off', format: 'text' }, nodeDuration: parseDistribution('150ms'), persistDelay: parseDistribution('20ms') });
    try {
      const html = join(dir, 'storm.html');
      const args = ['load', '--url', server.url, '--client', 'browser', '--reconnect-time', '200ms', '-c', '6', '-n', '6', '--workers', '1', '--storm-at', '1s', '--storm-jitter', '300ms'];
      expect((await ssedoctor([...args, '--html', html, '--no-progress'])).code).toBe(0);
      const { page, requests } = await open(html);
      expect(await page.textContent('#network')).toBe('HTTP/1.1 6 runs · direct');
      expect(await page.$$eval('#reconnects tr', (trs) => trs.map((tr) => tr.textContent))).toEqual(expect.arrayContaining(['reconnected at least once6100.0 %', 'saw duplicated events6100.0 %']));
      expect(await page.textContent('#storm-headline')).toBe('at 1.00 s, reconnects spread over 300 ms of jitter · 6 open streams cut · 6 reopened (100.0 %)');
      expect(await page.$$eval('#storm-replies td', (tds) => tds.map((td) => td.textContent))).toEqual(['stream opened', '6', '100.0 %']);
      // The storm waterfall: three steps from the cut, each bar drawn, p50 ≤ p99, the reconnect at least the 200 ms reconnection time.
      const steps = await page.$$eval('#storm-waterfall rect.step', (rs) =>
        rs.map((r) => ({ metric: r.getAttribute('data-metric'), p50: Number(r.getAttribute('data-p50')), p99: Number(r.getAttribute('data-p99')), width: (r as unknown as { getBBox(): { width: number } }).getBBox().width })),
      );
      expect(steps.map((x) => x.metric)).toEqual(['storm-reconnect', 'storm-back', 'storm-first-event']);
      expect(await page.textContent('#storm-waterfall .axis-title:last-of-type')).toBe('time since the storm cut the stream');
      for (const x of steps) expect(x.p99).toBeGreaterThanOrEqual(x.p50);
      expect(steps[0]!.p50).toBeGreaterThanOrEqual(199);
      expect(steps.every((x) => x.width > 20)).toBe(true);
      expect(await labelsOutsideViewBox(page)).toEqual([]);
      expect(requests).toEqual([pathToFileURL(html).href]);
      await page.screenshot({ path: join(dir, 'storm.png'), fullPage: true });
    } finally {
      await server.close();
    }
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
    expect(await page.$$eval('#latency circle.p50', (cs) => cs.length)).toBeGreaterThan(0); // per-second latency survives the merge
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
    expect(await labelsOutsideViewBox(page)).toEqual([]);
    expect(requests).toEqual([pathToFileURL(html).href]);
  });
});
