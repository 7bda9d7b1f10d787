/**
 * `load --metrics-port`: scraped on the wire while a real load runs against the embedded
 * reference server (the built binary, spawned as a user would), parsed strictly, and checked
 * with promtool when it is installed.
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { ssedoctor } from '../helpers/cli.js';
import { killLoads, startLoad } from '../helpers/metrics-load.js';
import { parsePrometheusText, sampleValue } from '../helpers/prometheus-text.js';

const PROMTOOL = process.env.PROMTOOL_PATH ?? '/usr/bin/promtool';
afterEach(killLoads);
async function scrape(url: string) {
  const res = await fetch(url);
  const text = await res.text();
  return { res, text, families: parsePrometheusText(text) };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('load --metrics-port', () => {
  it.each([
    ['one generator (in the main thread)', '1', 'main'],
    ['two generator threads (batched messages)', '2', 'worker-1'],
  ])('%s: scraped twice during the run, counters grow and the format parses', async (_name, workers, thread) => {
    // Long enough for a slow CI machine; stopped with Ctrl-C after the second scrape.
    const { url, exit, interrupt } = await startLoad(['--scenario', 'healthy', '-c', '4', '-d', '60s', '--grace', '0s', '--workers', workers, '--metrics-port', '0', '--no-progress']);
    expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/metrics$/); // loopback unless told otherwise
    const runs = (s: Awaited<ReturnType<typeof scrape>>) => sampleValue(s.families, 'ssedoctor_runs_total', { outcome: 'healthy' })!;
    // The exporter listens before the embedded server and the generator threads start: poll for the first runs.
    let first = await scrape(url);
    for (let i = 0; i < 100 && runs(first) === 0; i++) first = await sleep(100).then(() => scrape(url));
    expect(first.res.status).toBe(200);
    expect(first.res.headers.get('content-type')).toBe('text/plain; version=0.0.4; charset=utf-8');
    await sleep(1200);
    const second = await scrape(url);
    const fme = (s: typeof first) => sampleValue(s.families, 'ssedoctor_first_meaningful_event_seconds_count')!;
    expect(runs(first)).toBeGreaterThan(0);
    expect(runs(second)).toBeGreaterThan(runs(first));
    expect(fme(second)).toBeGreaterThan(fme(first));
    expect(sampleValue(second.families, 'ssedoctor_run_duration_seconds_count')).toBe(runs(second));
    expect(sampleValue(second.families, 'ssedoctor_runs_in_flight')).toBeLessThanOrEqual(4);
    expect(sampleValue(second.families, 'ssedoctor_event_loop_delay_p99_seconds', { thread })).toBeGreaterThanOrEqual(0);
    if (existsSync(PROMTOOL)) {
      const r = spawnSync(PROMTOOL, ['check', 'metrics'], { input: second.text, encoding: 'utf8' });
      expect(`${r.stdout}${r.stderr}`, 'promtool check metrics').toBe('');
    }
    expect((await fetch(url.replace(/\/metrics$/, '/'))).status).toBe(404);
    interrupt();
    const { code, stderr } = await exit;
    expect(code, stderr).toBe(130);
  }, 60_000);

  it('a run that ends on its own exits 0: the exporter does not keep the process alive', async () => {
    const r = await ssedoctor(['load', '--scenario', 'early-404', '-n', '5', '--metrics-port', '0', '--no-progress'], { NO_COLOR: '1' });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/Prometheus metrics at http:\/\/127\.0\.0\.1:\d+\/metrics/);
  });

  it('a port in use is one line and exit 2, before anything runs', async () => {
    const busy: Server = createServer();
    await new Promise<void>((r) => busy.listen(0, '127.0.0.1', r));
    const port = (busy.address() as { port: number }).port;
    try {
      const r = await ssedoctor(['load', '--scenario', 'healthy', '-n', '5', '--metrics-port', String(port), '--no-progress']);
      expect(r.code).toBe(2);
      expect(r.stderr).toContain(`ssedoctor: --metrics-port ${port}: 127.0.0.1:${port} is already in use`);
      expect(r.stderr).not.toMatch(/started the embedded|\n\s+at /); // nothing started; no stack trace
      expect(r.stdout).toBe('');
    } finally {
      busy.close();
    }
  });

  it.each([
    [['--metrics-port', '70000'], /--metrics-port: "70000" must be a whole number from 0 to 65535/],
    [['--metrics-port', '0', '--metrics-host', '203.0.113.7'], /--metrics-host 203\.0\.113\.7: not an address of this machine/],
  ])('bad %j: one line, exit 2', async (flags, message) => {
    const r = await ssedoctor(['load', '--scenario', 'healthy', '-n', '5', ...flags, '--no-progress']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(message);
    expect(r.stderr).not.toMatch(/\n\s+at /);
  });
});
