/**
 * The reference server's memory stays bounded: finished decision sets are kept for a TTL (with
 * their last frames, for late attaches) and then forgotten; caps bound what is kept whatever the
 * rate; history per set is bounded. A short soak (5,000 jobs on the wire) checks it end to end;
 * bench/soak-server.js runs 100,000 and samples RSS.
 */
import { Agent, request } from 'undici';
import { afterEach, describe, expect, it } from 'vitest';
import { parseDistribution, startReferenceServer, type ReferenceServer, type StartOptions } from '../../src/server/index.js';
import { Scheduler } from '../../src/server/scheduler.js';
import { REPLAY_COUNT, Store } from '../../src/server/store.js';

const servers: ReferenceServer[] = [];
const agents: Agent[] = [];
afterEach(async () => {
  await Promise.all(agents.splice(0).map((a) => a.destroy()));
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

const zero = parseDistribution('0ms');
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

async function start(options: StartOptions): Promise<{ server: ReferenceServer; agent: Agent }> {
  const server = await startReferenceServer({ log: { level: 'off', format: 'text' }, ...options });
  servers.push(server);
  const agent = new Agent({ connections: 64 });
  agents.push(agent);
  return { server, agent };
}

async function enqueue(server: ReferenceServer, agent: Agent): Promise<{ decision_set_id: string; job_id: string }> {
  const r = await request(`${server.url}/api/chat/async`, {
    method: 'POST',
    dispatcher: agent,
    headers: { 'content-type': 'application/json' },
    body: '{"messages":[{"role":"user","content":"soak"}]}',
  });
  return (await r.body.json()) as { decision_set_id: string; job_id: string };
}

/** GETs a stream for up to `forMs` (or until the server ends it): status and body text. */
async function stream(server: ReferenceServer, agent: Agent, id: string, forMs = 5000): Promise<{ status: number; text: string }> {
  const r = await request(`${server.url}/api/streams/${id}?replay=1`, { dispatcher: agent, signal: AbortSignal.timeout(forMs) });
  let text = '';
  try {
    for await (const c of r.body) text += String(c);
  } catch {
    // cut off by forMs: the origin never ends a stream
  }
  return { status: r.statusCode, text };
}

describe('reference server: bounded memory', () => {
  it('5,000 jobs: finished sets are kept for the TTL (late attaches replay the run), then forgotten', async () => {
    const ttlMs = 1500;
    const { server, agent } = await start({
      persistDelay: zero,
      workerDelay: zero,
      nodeDuration: zero,
      endOnComplete: true,
      finishedTtlMs: ttlMs,
      maxFinishedSets: 10_000, // the TTL, not the cap, is under test here
      retryDelayMs: 50,
      maxWaitMs: 200,
    });
    const JOBS = 5000;
    let next = 0;
    let complete = 0;
    let lateReplays = 0;
    let maxKept = 0;
    const late: string[] = [];
    const worker = async (): Promise<void> => {
      while (next < JOBS) {
        const n = next++;
        const { decision_set_id: id } = await enqueue(server, agent);
        if ((await stream(server, agent, id)).text.includes('event: workflow-complete')) complete++;
        if (n % 500 === 0) {
          // A late attach after the run finished gets it replayed, workflow-complete included.
          if ((await stream(server, agent, id)).text.includes('event: workflow-complete')) lateReplays++;
          late.push(id);
        }
        maxKept = Math.max(maxKept, server.stats().decisionSets);
      }
    };
    await Promise.all(Array.from({ length: 50 }, worker));
    expect(complete).toBe(JOBS);
    expect(lateReplays).toBe(JOBS / 500);
    expect(maxKept).toBeLessThanOrEqual(JOBS);
    const during = server.stats();
    expect(during.expired + during.decisionSets).toBe(JOBS); // nothing lost, nothing evicted early
    expect(during.evicted).toBe(0);

    // One TTL (plus the 1 s sweep granularity) later every set is gone, and the server says so.
    await sleep(ttlMs + 1500);
    expect(server.stats()).toMatchObject({ decisionSets: 0, finishedSets: 0, expired: JOBS, evicted: 0 });
    const gone = await stream(server, agent, late[0]!);
    expect(gone.status).toBe(404); // as for an id that was never persisted
    expect(JSON.parse(gone.text)).toEqual({ detail: 'Decision set not found' });
  }, 90_000);

  it('caps finished sets kept, oldest first, whatever the rate', async () => {
    const { server, agent } = await start({ persistDelay: zero, workerDelay: zero, nodeDuration: zero, endOnComplete: true, maxFinishedSets: 50, maxWaitMs: 100 });
    const ids: string[] = [];
    let maxFinished = 0;
    for (let round = 0; round < 10; round++) {
      await Promise.all(
        Array.from({ length: 20 }, async () => {
          const { decision_set_id: id } = await enqueue(server, agent);
          await stream(server, agent, id);
          ids.push(id);
          maxFinished = Math.max(maxFinished, server.stats().finishedSets);
        }),
      );
    }
    expect(maxFinished).toBe(50);
    expect(server.stats()).toMatchObject({ finishedSets: 50, decisionSets: 50, evicted: 150, expired: 0 });
    expect((await stream(server, agent, ids.at(-1)!)).text).toContain('event: workflow-complete'); // newest kept
    const status = await request(`${server.url}/api/streams/${ids[0]}?replay=1`, { dispatcher: agent });
    await status.body.dump();
    expect(status.statusCode).toBe(404); // oldest forgotten
  });

  it('caps all sets, jobs that never finish included; an open stream outlives its set', async () => {
    const { server, agent } = await start({ scenario: 'heartbeat-only', persistDelay: zero, pingIntervalMs: 100, maxDecisionSets: 50, retryDelayMs: 20, maxWaitMs: 60 });
    const first = await enqueue(server, agent);
    const open = stream(server, agent, first.decision_set_id, 1500); // attached while its set exists
    await sleep(200);
    for (let i = 0; i < 200; i++) await enqueue(server, agent);
    expect(server.stats()).toMatchObject({ decisionSets: 50, evicted: 151 });
    const job = await request(`${server.url}/api/jobs/${first.job_id}/status`, { dispatcher: agent });
    expect(job.statusCode).toBe(404);
    await job.body.dump();
    const held = await open;
    expect(held.status).toBe(200);
    expect(held.text.match(/: ping - /g)!.length).toBeGreaterThanOrEqual(8); // pings went on after eviction
  });

  it('a running job whose set is evicted still streams to its open connection', async () => {
    const { server, agent } = await start({ persistDelay: zero, workerDelay: parseDistribution('100ms'), nodeDuration: parseDistribution('10ms'), maxDecisionSets: 1, endOnComplete: true });
    const a = await enqueue(server, agent);
    const open = stream(server, agent, a.decision_set_id);
    await sleep(50);
    await enqueue(server, agent); // evicts a's set: lookups stop finding it, the run goes on
    expect(server.stats().evicted).toBe(1);
    expect((await open).text).toContain('event: workflow-complete');
  });
});

describe('store: history per set', () => {
  it('keeps at most 2 × REPLAY_COUNT frames while running and REPLAY_COUNT once finished', () => {
    const scheduler = new Scheduler();
    try {
      const store = new Store(scheduler, { finishedTtlMs: 60_000, maxFinished: 10, maxSets: 10 });
      const ds = store.create(undefined, 0)!;
      const delivered: string[] = [];
      ds.subscribers.add({ deliver: (f) => delivered.push(f.type) });
      for (let i = 0; i < 1000; i++) {
        store.emit(ds, `e${i}`, { i });
        expect(ds.history.length).toBeLessThanOrEqual(2 * REPLAY_COUNT);
      }
      expect(delivered).toHaveLength(1000); // live delivery is not affected by the trim
      store.emit(ds, 'workflow-complete', {});
      store.finish(ds);
      expect(ds.history.map((f) => f.type)).toEqual([...Array.from({ length: REPLAY_COUNT - 1 }, (_, k) => `e${951 + k}`), 'workflow-complete']);
      expect(store.stats()).toMatchObject({ decisionSets: 1, finishedSets: 1 });
    } finally {
      scheduler.stop();
    }
  });
});
