/** Six connections per origin (load --browser-tabs): the slots (pure), the cap on the wire, and a load in simulated browsers. */
import { afterEach, describe, expect, it } from 'vitest';
import { Agent } from 'undici';
import { addConnectionWait, emptyConnectionCap, foldWaits, mergeConnectionCap } from '../../src/load/browser-tabs.js';
import { runLoad, type LoadOptions } from '../../src/load/runner.js';
import { capConnections, ConnectionSlots } from '../../src/probe/browser-connections.js';
import { dispatch } from '../../src/probe/http.js';
import { attach } from '../../src/probe/attach.js';
import { serverWait } from '../../src/classify/server-wait.js';
import { DEFAULT_PROBE_OPTIONS } from '../../src/probe/options.js';
import { parseDistribution, startReferenceServer, type ReferenceServer } from '../../src/server/index.js';

describe('ConnectionSlots: a browser\'s connections to one origin', () => {
  it('the first 6 start at once, the 7th and 8th wait and start in order as slots free; a cancelled waiter never starts', () => {
    const slots = new ConnectionSlots(6);
    const started: number[] = [];
    const releases: (() => void)[] = [];
    const cancels = Array.from({ length: 9 }, (_, i) => slots.take((release) => (started.push(i), releases.push(release))));
    expect(started).toEqual([0, 1, 2, 3, 4, 5]);
    expect(slots.state).toEqual({ busy: 6, waiting: 3 });
    cancels[7]!(); // the 8th gave up (its run was cut) while waiting
    releases[2]!();
    releases[2]!(); // a second release of the same slot frees nothing more
    expect(started).toEqual([0, 1, 2, 3, 4, 5, 6]);
    releases[0]!();
    expect(started).toEqual([0, 1, 2, 3, 4, 5, 6, 8]);
    expect(slots.state).toEqual({ busy: 6, waiting: 0 });
  });
});

describe('connection-cap counts', () => {
  it.each([
    ['no wait', [], { enqueueMs: 0, streamMs: 0 }],
    ['the POST waited', [{ method: 'POST', path: '/api/chat/async', waitedMs: 4200 }, { method: 'GET', path: '/api/streams/a', waitedMs: 0 }], { enqueueMs: 4200, streamMs: 0 }],
    ['a reconnect waited longest', [{ method: 'POST', path: '/e', waitedMs: 0 }, { method: 'GET', path: '/s', waitedMs: 10 }, { method: 'GET', path: '/s', waitedMs: 3000 }], { enqueueMs: 0, streamMs: 3000 }],
  ])('%s', (_why, waits, folded) => {
    expect(foldWaits(waits)).toEqual(folded);
  });
  it('add and merge: sums and the longest wait with what it was', () => {
    const a = emptyConnectionCap(8);
    addConnectionWait(a, { enqueueMs: 0, streamMs: 0 });
    addConnectionWait(a, { enqueueMs: 2500, streamMs: 0.4 });
    const b = emptyConnectionCap(8);
    addConnectionWait(b, { enqueueMs: 0, streamMs: 3100 });
    mergeConnectionCap(a, b);
    expect(a).toEqual({ tabs: 8, limit: 6, runs: 3, enqueueWaited: 1, streamWaited: 1, longestMs: 3100, longestWhat: 'stream' });
  });
});

const servers: ReferenceServer[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

/** Runs of ≈ 3 s (38 frames, 150 ms per node). */
async function serve(): Promise<string> {
  const s = await startReferenceServer({ log: { level: 'off', format: 'text' }, nodeDuration: parseDistribution('150ms'), persistDelay: parseDistribution('20ms') });
  servers.push(s);
  return s.url;
}

describe('on the wire', () => {
  it('7 requests through one browser: 6 connections are used, the 7th waits until one response ends', async () => {
    const url = await serve();
    const agent = new Agent();
    try {
      const slots = new ConnectionSlots();
      const waits: number[] = [];
      const capped = capConnections(agent, slots, (w) => waits.push(w.waitedMs));
      // Slow answers: the job-status path of an unknown job is quick, so hold each slot with an open stream of a real job instead.
      const ids = await Promise.all(
        Array.from({ length: 7 }, async () => {
          const r = await fetch(`${url}/api/chat/async`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ messages: [{ role: 'user', content: 'x' }] }) });
          return ((await r.json()) as { decision_set_id: string }).decision_set_id;
        }),
      );
      const started = performance.now();
      const ends = await Promise.all(
        ids.map(
          (id) =>
            new Promise<number>((resolve, reject) => {
              let body = '';
              const call = dispatch(capped, `${url}/api/streams/${id}`, { method: 'GET', headers: { accept: 'text/event-stream' } }, {
                head: () => {},
                data: (c) => {
                  body += c.toString();
                  if (body.includes('workflow-complete')) call.abort(new Error('done'));
                },
                end: () => resolve(performance.now() - started),
                error: () => resolve(performance.now() - started),
              });
              void reject;
            }),
        ),
      );
      expect(waits.slice(0, 6).every((w) => w < 5)).toBe(true);
      // The 7th waited until the first of the six streams ended (≈ 3 s into the job), then got its connection.
      expect(waits[6]).toBeGreaterThan(1500);
      expect(Math.abs(waits[6]! - Math.min(...ends.slice(0, 6)))).toBeLessThan(250);
    } finally {
      await agent.destroy();
    }
  });

  it('a stream request that waited for its connection: the wait is recorded on the attempt and not counted as the server\'s', async () => {
    const url = await serve();
    const agent = new Agent();
    try {
      const slots = new ConnectionSlots(1);
      const capped = capConnections(agent, slots, () => {});
      let free!: () => void;
      slots.take((release) => (free = release)); // the only connection is busy for the first second
      const r = await fetch(`${url}/api/chat/async`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ messages: [{ role: 'user', content: 'x' }] }) });
      const id = ((await r.json()) as { decision_set_id: string }).decision_set_id;
      await new Promise((resolve) => setTimeout(resolve, 100)); // persisted (20 ms): the lookup finds it at once
      const t0 = performance.now();
      setTimeout(() => free(), 1000);
      const a = await attach({
        url: `${url}/api/streams/${id}`,
        attempt: 1,
        deadlineMs: 1200,
        dispatcher: capped,
        since: () => performance.now() - t0,
        acceptEncoding: 'identity',
        options: { ...DEFAULT_PROBE_OPTIONS, signal: undefined, proxy: undefined },
      });
      expect(a.status).toBe(200);
      expect(a.connectionWaitMs).toBeGreaterThan(950);
      expect(a.headersMs! - a.requestedMs).toBeGreaterThan(950); // the head came after the queue
      // As inferred for a server that sends no x-lookup-* headers (the reference server does): GET sent → head.
      const wait = serverWait({ ...a, headers: { 'content-type': 'text/event-stream' } })!;
      expect(wait.source).toBe('inferred');
      expect(wait.ms).toBeLessThan(500); // the server answered at once (the queue alone was a second)
    } finally {
      await agent.destroy();
    }
  });

  it('an abort while waiting for a slot fails the request at once with the reason, and frees nothing it never held', async () => {
    const url = await serve();
    const agent = new Agent();
    try {
      const slots = new ConnectionSlots(1);
      const capped = capConnections(agent, slots, () => {});
      slots.take(() => {}); // the only connection is taken and never given back
      const err = await new Promise<Error>((resolve) => {
        const call = dispatch(capped, `${url}/api/jobs/x/status`, { method: 'GET', headers: {} }, { head: () => {}, data: () => {}, end: () => resolve(new Error('ended')), error: resolve });
        setTimeout(() => call.abort(new Error('cut while waiting')), 50);
      });
      expect(err.message).toBe('cut while waiting');
      expect(slots.state).toEqual({ busy: 1, waiting: 0 });
    } finally {
      await agent.destroy();
    }
  });

  function opts(baseUrl: string, browserTabs: number): LoadOptions {
    return {
      probe: { ...DEFAULT_PROBE_OPTIONS, attempts: 0, baseUrl, timeoutMs: 5000, observeMs: 15_000, jobStatusPath: '', client: 'browser', reconnectTimeMs: 200 },
      model: { kind: 'closed', concurrency: 8, requests: 8 },
      graceMs: 200,
      keepWorst: 0,
      bailAfterUnreachable: 20,
      browserTabs,
    };
  }

  it('8 tabs in one browser: 6 streams open, 2 runs wait ≈ a whole run for a connection; 4 tabs per browser: nobody waits', async () => {
    const url = await serve();
    const waited = (tabs: number, into: number[]): LoadOptions => ({
      ...opts(url, tabs),
      onSample: (s) => into.push(Math.max(s.connectionWait!.enqueueMs, s.connectionWait!.streamMs)),
    });
    const w8: number[] = [];
    const w4: number[] = [];
    const [one, two] = await Promise.all([runLoad(waited(8, w8)), runLoad(waited(4, w4))]);
    expect(one.metrics.outcomes.get('healthy')).toBe(8);
    // The queue is FIFO over POSTs and GETs alike, as a browser's: which two runs are left out varies, that two are does not.
    expect(w8.filter((ms) => ms > 1500)).toHaveLength(2);
    expect(w8.filter((ms) => ms < 500)).toHaveLength(6);
    expect(one.metrics.connectionCap).toMatchObject({ tabs: 8, limit: 6, runs: 8 });
    expect(one.metrics.connectionCap!.longestMs).toBeGreaterThan(1500);
    expect(one.metrics.summary('connection-wait')!.count).toBe(8);
    // The wait is in what the user sees: the late runs' first event comes about a whole run later.
    expect(one.metrics.summary('first-meaningful-event')!.max).toBeGreaterThan(1500);
    expect(two.metrics.connectionCap).toMatchObject({ tabs: 4, runs: 8, enqueueWaited: 0, streamWaited: 0, longestMs: 0 });
    expect(Math.max(...w4)).toBe(0);
    expect(two.metrics.summary('first-meaningful-event')!.max).toBeLessThan(1400);
  });
});
