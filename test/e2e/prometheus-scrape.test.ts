/**
 * A real Prometheus (Debian's package) scrapes `load --metrics-port` during a load run against
 * the embedded reference server, and its query API sees the run go on. Gated like the peers
 * tests: without Prometheus it FAILS in CI (`CI`/`SSEDOCTOR_REQUIRE_PEERS`; .ci/run installs it)
 * and skips with a warning elsewhere.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { freePort } from '../helpers/peers.js';
import { killLoads, startLoad } from '../helpers/metrics-load.js';

const PROMETHEUS = process.env.PROMETHEUS_PATH ?? '/usr/bin/prometheus';
const available = existsSync(PROMETHEUS);
if (!available) {
  if (process.env.CI || process.env.SSEDOCTOR_REQUIRE_PEERS) {
    it('prometheus installed (CI must run the real-Prometheus test)', () => {
      throw new Error(`prometheus-scrape.test: no prometheus at ${PROMETHEUS}; .ci/run installs it (apt-get install prometheus)`);
    });
  } else console.warn(`prometheus-scrape.test: SKIPPED, no prometheus at ${PROMETHEUS} (apt-get install prometheus)`);
}

const dir = mkdtempSync(join(tmpdir(), 'ssedoctor-prometheus-'));
let prometheus: ChildProcess | undefined;
let log = '';
afterAll(() => {
  killLoads();
  prometheus?.kill('SIGKILL');
  rmSync(dir, { recursive: true, force: true });
});

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** An instant query's first value, or undefined when the result is empty. */
async function query(base: string, promql: string): Promise<number | undefined> {
  const res = await fetch(`${base}/api/v1/query?query=${encodeURIComponent(promql)}`);
  const body = (await res.json()) as { status: string; data: { result: { value: [number, string] }[] } };
  if (body.status !== 'success') throw new Error(`query ${promql}: ${JSON.stringify(body)}`);
  const first = body.data.result[0];
  return first ? Number(first.value[1]) : undefined;
}

/** Polls `promql` until `ok(value)`, every 250 ms, up to `ms`. */
async function until(base: string, promql: string, ok: (v: number) => boolean, ms: number): Promise<number> {
  const deadline = Date.now() + ms;
  for (;;) {
    const v = await query(base, promql).catch(() => undefined);
    if (v !== undefined && ok(v)) return v;
    if (Date.now() > deadline) throw new Error(`${promql} never satisfied the check (last ${v})\n--- prometheus ---\n${log}`);
    await sleep(250);
  }
}

describe.skipIf(!available)('a real Prometheus scrapes load --metrics-port', () => {
  it('sees the outcome counter grow, the histograms and a successful scrape (up = 1)', async () => {
    // Long enough for a slow CI machine; stopped with Ctrl-C once Prometheus has seen enough.
    const { url, exit, interrupt } = await startLoad(['--scenario', 'healthy', '-c', '4', '-d', '60s', '--grace', '0s', '--metrics-port', '0', '--no-progress']);
    const target = new URL(url);
    const port = await freePort();
    writeFileSync(
      join(dir, 'prometheus.yml'),
      `global:\n  scrape_interval: 1s\n  scrape_timeout: 900ms\nscrape_configs:\n  - job_name: ssedoctor\n    metrics_path: /metrics\n    static_configs:\n      - targets: ['${target.host}']\n`,
    );
    prometheus = spawn(PROMETHEUS, [`--config.file=${join(dir, 'prometheus.yml')}`, `--storage.tsdb.path=${join(dir, 'data')}`, `--web.listen-address=127.0.0.1:${port}`], { stdio: ['ignore', 'pipe', 'pipe'] });
    prometheus.stdout!.on('data', (c) => (log += c));
    prometheus.stderr!.on('data', (c) => (log += c));
    const base = `http://127.0.0.1:${port}`;

    expect(await until(base, 'up{job="ssedoctor"}', (v) => v === 1, 20_000)).toBe(1); // scraped and parsed
    const early = await until(base, 'ssedoctor_runs_total{outcome="healthy"}', (v) => v > 0, 15_000);
    const later = await until(base, 'ssedoctor_runs_total{outcome="healthy"}', (v) => v > early, 15_000);
    expect(later).toBeGreaterThan(early);
    const p50 = await until(base, 'histogram_quantile(0.5, ssedoctor_first_meaningful_event_seconds_bucket)', (v) => Number.isFinite(v), 10_000);
    expect(p50).toBeGreaterThan(0);
    expect(p50).toBeLessThan(30);
    expect(await query(base, 'sum(ssedoctor_runs_total)')).toBeGreaterThanOrEqual(later);
    interrupt();
    const { code, stderr } = await exit;
    expect(code, stderr).toBe(130); // stopped by Ctrl-C: the exporter does not hold the process
  }, 90_000);
});
