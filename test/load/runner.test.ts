/** Load runs on real loopback servers. */
import { afterEach, describe, expect, it } from 'vitest';
import { DEFAULT_PROBE_OPTIONS } from '../../src/probe/options.js';
import { constantSchedule } from '../../src/load/pacer.js';
import { runLoad, type LoadOptions } from '../../src/load/runner.js';
import { parseDistribution, startReferenceServer, type ReferenceServer, type StartOptions } from '../../src/server/index.js';

const servers: ReferenceServer[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

async function serve(options: StartOptions): Promise<string> {
  const s = await startReferenceServer({ log: { level: 'off', format: 'text' }, nodeDuration: parseDistribution('1ms'), ...options });
  servers.push(s);
  return s.url;
}

function opts(baseUrl: string, over: Partial<LoadOptions> = {}): LoadOptions {
  return {
    probe: { ...DEFAULT_PROBE_OPTIONS, attempts: 0, baseUrl, timeoutMs: 5000, observeMs: 10_000 },
    model: { kind: 'closed', concurrency: 20, requests: 40 },
    graceMs: 200,
    keepWorst: 2,
    bailAfterUnreachable: 20,
    ...over,
  };
}

describe('load runner on the wire', () => {
  it('the same persistence delays: early 404s under single, none under window', async () => {
    const delays = { persistDelay: parseDistribution('100ms..300ms'), seed: 3 };
    const single = await runLoad(opts(await serve({ ...delays, lookup: 'single' })));
    const window = await runLoad(opts(await serve({ ...delays, lookup: 'window' })));
    expect(single.metrics.outcomes.get('early-404')).toBe(40);
    expect(window.metrics.outcomes.get('early-404')).toBeUndefined();
    expect(window.metrics.outcomes.get('healthy')).toBe(40);
    expect(window.metrics.summary('server-wait')!.max).toBeGreaterThan(90);
    expect(window.metrics.summary('server-lookups')!.max).toBeGreaterThan(1);
    expect(single.worst['early-404']).toHaveLength(2);
    expect(single.metrics.summary('schedule-lag')).toBeUndefined(); // closed model: no schedule
  });

  it('open model: runs that find no free slot are dropped, not queued', async () => {
    const url = await serve({ scenario: 'healthy', persistDelay: parseDistribution('400ms') });
    const r = await runLoad(opts(url, { model: { kind: 'open', schedule: constantSchedule(40, 1000), maxInflight: 5 } }));
    expect(r.metrics.runs + r.metrics.dropped).toBe(40);
    expect(r.metrics.dropped).toBeGreaterThan(20);
    expect(r.peakInflight).toBeLessThanOrEqual(5);
    // The generator's lateness against the schedule is recorded for every launched run.
    expect(r.metrics.summary('schedule-lag')!.count).toBe(r.metrics.runs);
  });

  it('an interrupt stops new runs, gives in-flight ones a grace period, then cuts them off', async () => {
    const url = await serve({ scenario: 'heartbeat-only', heartbeatIntervalMs: 60_000 });
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 600);
    const started = performance.now();
    const r = await runLoad(opts(url, { signal: controller.signal, model: { kind: 'closed', concurrency: 10, durationMs: 60_000 } }));
    expect(performance.now() - started).toBeLessThan(3000);
    expect(r.stoppedBy).toBe('interrupted');
    expect(r.metrics.outcomes.get('interrupted')).toBe(10);
  });

  it('a target that dies mid-run is reported, not waited on', async () => {
    const s = await startReferenceServer({ log: { level: 'off', format: 'text' }, scenario: 'heartbeat-only', heartbeatIntervalMs: 60_000 });
    setTimeout(() => void s.close(), 500);
    const started = performance.now();
    const r = await runLoad(opts(s.url, { model: { kind: 'closed', concurrency: 10, durationMs: 60_000 } }));
    expect(performance.now() - started).toBeLessThan(10_000);
    expect(r.stoppedBy).toBe('unreachable');
    expect(r.metrics.outcomes.get('closed-early')).toBe(10); // the open streams were cut
    expect(r.metrics.outcomes.get('unreachable')).toBeGreaterThanOrEqual(20);
  });
});
