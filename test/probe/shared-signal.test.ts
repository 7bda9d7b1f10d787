/**
 * A load hands one AbortSignal to every run a worker makes, run after run. Every path through a
 * run (retries, the job-status check, the browser client's cut and reconnects) must leave that
 * signal as it found it: no callback and no dependant signal left behind, or a long load leaks.
 */
import { getEventListeners } from 'node:events';
import v8 from 'node:v8';
import { runInNewContext } from 'node:vm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Transcript } from '../../src/model.js';
import { runProbe } from '../../src/probe/run-probe.js';
import { onAbort, waitingCallbacks } from '../../src/probe/sleep.js';
import { startReferenceServer, type ReferenceServer } from '../../src/server/index.js';

/** Signals `AbortSignal.any` made from `signal` and still holds (Node keeps them on the parent). */
function dependants(signal: AbortSignal): number {
  const key = Object.getOwnPropertySymbols(signal).find((s) => s.description === 'kDependantSignals');
  const set = key ? (signal as unknown as Record<symbol, Set<unknown> | undefined>)[key] : undefined;
  return set?.size ?? 0;
}

const servers: Record<string, ReferenceServer> = {};
beforeAll(async () => {
  for (const scenario of ['healthy', 'early-404', 'heartbeat-only']) {
    servers[scenario] = await startReferenceServer({ scenario, log: { level: 'off', format: 'text' } });
  }
});
afterAll(async () => {
  await Promise.all(Object.values(servers).map((s) => s.close()));
});

const fast = { timeoutMs: 3000, observeMs: 1500, retryDelayMs: 50, reconnectTimeMs: 50 };

describe('one signal shared by many runs', () => {
  const ended = (end: string) => (t: Transcript) => expect(t.attempts.at(-1)?.end).toBe(end);
  it.each([
    // [why, scenario, extra options, what the run must show (so the path was really taken)]
    ['a healthy run', 'healthy', {}, ended('terminal')],
    ['404s retried after a sleep', 'early-404', {}, (t: Transcript) => expect(t.attempts[0]!.status).toBe(404)],
    ['a stream that never finishes, then the job-status check', 'heartbeat-only', {}, (t: Transcript) => expect(t.jobStatus).toBeDefined()],
    ['the browser client cut after 2 events, then reconnecting', 'healthy', { client: 'browser' as const, cutAfter: 2 }, (t: Transcript) => expect(t.session?.reconnects).toBe(1)],
    ['the origin hook client', 'healthy', { client: 'origin' as const }, ended('terminal')],
    // Refused before anything is sent: the request fails while it is being made, before the run waits on the signal.
    ['a header the client refuses', 'healthy', { headers: { 'x-bad': 'a\r\nb' } }, (t: Transcript) => expect(t.enqueue.error?.code).toBe('UND_ERR_INVALID_ARG')],
  ])('%s: nothing left on the signal', async (_why, scenario, extra, check) => {
    const controller = new AbortController();
    for (let i = 0; i < 3; i++) {
      const t = await runProbe({ ...fast, ...extra, baseUrl: servers[scenario]!.url, signal: controller.signal });
      check(t);
      // One listener for the signal's whole life (sleep.ts onAbort), and no run's callback left waiting on it.
      expect(getEventListeners(controller.signal, 'abort').length).toBeLessThanOrEqual(1);
      expect(waitingCallbacks(controller.signal)).toBe(0);
      expect(dependants(controller.signal)).toBe(0);
    }
  });

  it("a callback, once unlinked, is not kept alive by the signal (nor what it holds: a finished run's state)", async () => {
    v8.setFlagsFromString('--expose-gc');
    const gc = runInNewContext('gc') as () => void;
    const signal = new AbortController().signal;
    // A run waits on the signal with a callback holding its state, then unlinks it.
    const wait = (): WeakRef<object> => {
      const state = { run: 'finished' };
      onAbort(signal, () => void state)();
      return new WeakRef(state);
    };
    const ref = wait();
    for (let i = 0; i < 3 && ref.deref(); i++) {
      await new Promise((resolve) => setImmediate(resolve));
      gc();
    }
    expect(ref.deref()).toBeUndefined();
    expect(getEventListeners(signal, 'abort')).toHaveLength(1);
  });

  it('the check itself: AbortSignal.any leaves a dependant behind, which is what the runs must not do', () => {
    const parent = new AbortController().signal;
    const made = AbortSignal.any([parent, new AbortController().signal]);
    expect(made.aborted).toBe(false);
    expect(dependants(parent)).toBe(1);
  });
});
