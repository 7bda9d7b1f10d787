/** Four shards as separate processes against one server, merged by `report`: totals equal the parts. */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { XMLValidator } from 'fast-xml-parser';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { METRIC_NAMES } from '../../src/load/metric-names.js';
import { LoadMetrics } from '../../src/load/metrics.js';
import type { LoadSummary } from '../../src/load/summary.js';
import { parseDistribution, startReferenceServer, type ReferenceServer } from '../../src/server/index.js';
import { ssedoctor } from '../helpers/cli.js';

let server: ReferenceServer;
const dir = mkdtempSync(join(tmpdir(), 'ssedoctor-shards-'));
const files = [1, 2, 3, 4].map((i) => join(dir, `shard-${i}.json`));

beforeAll(async () => {
  server = await startReferenceServer({ log: { level: 'off', format: 'text' }, persistDelay: parseDistribution('0ms..300ms'), nodeDuration: parseDistribution('1ms') });
  const runs = await Promise.all(
    files.map((out, i) => ssedoctor(['load', '--url', server.url, '--shard', `${i + 1}/4`, '-n', '42', '-c', '8', '--out', out, '--no-progress', '-t', 'rate(early-404)<1%'])),
  );
  for (const r of runs) expect(r.code, r.stderr).toBe(0);
});
afterAll(() => server.close());

const read = (f: string): LoadSummary => JSON.parse(readFileSync(f, 'utf8')) as LoadSummary;

describe('sharded load merged by report', () => {
  it('splits the runs into equal parts, each recording its shard', () => {
    const parts = files.map(read);
    expect(parts.map((p) => p.runs)).toEqual([11, 11, 10, 10]); // 42 = 11 + 11 + 10 + 10
    expect(parts.map((p) => p.shard)).toEqual([1, 2, 3, 4].map((index) => ({ index, count: 4 })));
  });

  it('merges exactly: counts summed, histograms added, thresholds evaluated again', async () => {
    const r = await ssedoctor(['report', ...files, '--format', 'json']);
    expect(r.code).toBe(0);
    const merged = JSON.parse(r.stdout) as LoadSummary;
    const parts = files.map(read);
    expect(merged.runs).toBe(42);
    expect(merged.mergedFrom).toBe(4);
    expect(merged.outcomes.reduce((n, o) => n + o.count, 0)).toBe(42);
    // The merged histograms equal the four files' histograms added here, metric by metric.
    const expected = new LoadMetrics();
    for (const p of parts) expected.merge(p.encoded);
    const got = LoadMetrics.decode(merged.encoded);
    for (const name of METRIC_NAMES) {
      const total = parts.reduce((n, p) => n + (p.metrics[name]?.count ?? 0), 0);
      expect(got.summary(name)?.count ?? 0, name).toBe(total);
      expect(got.summary(name), name).toEqual(expected.summary(name));
    }
    expect(merged.thresholds).toEqual([expect.objectContaining({ threshold: 'rate(early-404)<1%', passed: true })]);
  });

  it('a threshold given to report fails the merged run: exit 1, valid JUnit', async () => {
    const junit = join(dir, 'junit.xml');
    const r = await ssedoctor(['report', ...files, '-t', 'p50(total)<1ms', '--format', 'junit', '--out', junit]);
    expect(r.code).toBe(1);
    const xml = readFileSync(junit, 'utf8');
    expect(XMLValidator.validate(xml)).toBe(true);
    expect(xml).toContain('threshold failed: p50(total)&lt;1ms');
  });

  it('reads --ndjson output and rejects what is not a result', async () => {
    const nd = await ssedoctor(['load', '--url', server.url, '-n', '5', '-c', '5', '--ndjson']);
    const lines = nd.stdout.trim().split('\n').map((l) => JSON.parse(l));
    expect(lines.filter((l) => l.type === 'run')).toHaveLength(5);
    expect(lines.at(-1).type).toBe('summary');
    const ndFile = join(dir, 'run.ndjson');
    writeFileSync(ndFile, nd.stdout);
    const r = await ssedoctor(['report', ndFile, '--format', 'markdown']);
    expect(r.stdout).toMatch(/### ssedoctor load: ✅ — 5 runs/);
    const junk = join(dir, 'junk.json');
    writeFileSync(junk, '{"hello": 1}');
    const bad = await ssedoctor(['report', junk]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/is not an ssedoctor result/);
  });

  it('takes the shard index from a Kubernetes Indexed Job', async () => {
    const out = join(dir, 'k8s.json');
    const r = await ssedoctor(['load', '--url', server.url, '--shard', '4', '-n', '8', '-c', '2', '--out', out, '--no-progress'], { JOB_COMPLETION_INDEX: '2' });
    expect(r.code).toBe(0);
    expect(read(out).shard).toEqual({ index: 3, count: 4 });
  });
});
