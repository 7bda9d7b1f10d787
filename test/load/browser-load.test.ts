/** Load runs with the browser client: reconnects counted per run, damage counted per run, merged exactly. */
import { afterEach, describe, expect, it } from 'vitest';
import { LoadMetrics } from '../../src/load/metrics.js';
import { runLoad, type LoadOptions } from '../../src/load/runner.js';
import { DEFAULT_PROBE_OPTIONS } from '../../src/probe/options.js';
import { parseDistribution, startReferenceServer, type ReferenceServer, type StartOptions } from '../../src/server/index.js';

const servers: ReferenceServer[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

async function serve(options: StartOptions): Promise<string> {
  const s = await startReferenceServer({ log: { level: 'off', format: 'text' }, nodeDuration: parseDistribution('5ms'), persistDelay: parseDistribution('20ms'), ...options });
  servers.push(s);
  return s.url;
}

function opts(baseUrl: string, probe: Partial<LoadOptions['probe']>): LoadOptions {
  return {
    probe: { ...DEFAULT_PROBE_OPTIONS, attempts: 0, baseUrl, timeoutMs: 5000, observeMs: 10_000, jobStatusPath: '', client: 'browser', reconnectTimeMs: 20, ...probe },
    model: { kind: 'closed', concurrency: 10, requests: 20 },
    graceMs: 200,
    keepWorst: 1,
    bailAfterUnreachable: 20,
  };
}

describe('load --client browser', () => {
  it('a server that ends every stream after 6 frames: every run reconnects with replay=0, and the load finishes', async () => {
    // Heartbeats every 150 ms: a reconnected stream whose run ended in the gap goes idle fast.
    const url = await serve({ scenario: 'closed-early', heartbeatIntervalMs: 150 });
    const started = performance.now();
    const r = await runLoad(opts(url, { streamPath: '/api/streams/{id}?replay=1', maxReconnects: 30 }));
    expect(performance.now() - started).toBeLessThan(8000);
    expect(r.metrics.runs).toBe(20);
    const reconnects = r.metrics.summary('reconnects')!;
    expect(reconnects.count).toBe(20);
    expect(reconnects.min).toBeGreaterThanOrEqual(1);
    // replay=0 never repeats history; what was emitted during a gap is gone (a run may miss its terminal event).
    expect(r.metrics.reconnectCounts).toMatchObject({ runs: 20, reconnected: 20, withDuplicates: 0 });
    expect((r.metrics.outcomes.get('healthy') ?? 0) + (r.metrics.outcomes.get('heartbeat-only') ?? 0) + (r.metrics.outcomes.get('stalled') ?? 0)).toBe(20);
  });

  it('--cut-after against a replaying server: every run replayed, counted, and the counters survive encode → merge', async () => {
    const url = await serve({ scenario: 'healthy' });
    const r = await runLoad(opts(url, { cutAfter: 2 }));
    expect(r.metrics.outcomes.get('healthy')).toBe(20);
    expect(r.metrics.reconnectCounts).toMatchObject({ runs: 20, reconnected: 20, withDuplicates: 20, resume: { replayed: 20 } });
    const merged = LoadMetrics.decode(r.metrics.encode());
    merged.merge(r.metrics.encode());
    expect(merged.reconnectCounts).toMatchObject({ runs: 40, withDuplicates: 40, resume: { replayed: 40 } });
    expect(merged.summary('reconnects')!.count).toBe(40);
  });
});
