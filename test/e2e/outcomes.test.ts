/**
 * Every outcome code, produced on the wire: reference-server scenarios for the origin's
 * failures, raw-bytes servers for what the reference server must not be bent into.
 */
import { closeSync, openSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { diagnose } from '../../src/classify/diagnose.js';
import { OUTCOME_CODES, type OutcomeCode } from '../../src/classify/outcomes.js';
import type { ProbeOptions } from '../../src/probe/options.js';
import { runProbe } from '../../src/probe/run-probe.js';
import { startReferenceServer, type StartOptions } from '../../src/server/index.js';
import { chunk, enqueueThen, jsonResponse, sleep, sseHead, startRawServer, type RawScript } from '../helpers/raw-server.js';

const quiet = { log: { level: 'off', format: 'text' } } as const;
const fast: Partial<ProbeOptions> = { retryDelayMs: 300, timeoutMs: 5000, observeMs: 10_000 };
const seen = new Set<OutcomeCode>();

/** One probe against a server started for it, diagnosed; the server is closed afterwards. */
async function via(server: { url: string; close(): Promise<void> }, probe: Partial<ProbeOptions>) {
  try {
    const d = diagnose(await runProbe({ ...fast, ...probe, baseUrl: server.url }));
    seen.add(d.outcome.code);
    return d;
  } finally {
    await server.close();
  }
}

const viaScenario = async (start: StartOptions, probe: Partial<ProbeOptions> = {}) =>
  via(await startReferenceServer({ ...quiet, ...start }), probe);
const viaRaw = async (script: RawScript, probe: Partial<ProbeOptions> = {}) => via(await startRawServer(script), probe);

describe('outcomes on the wire', () => {
  it('healthy: the fixed backend waits out persistence; attempts and waits are non-zero', async () => {
    const d = await viaScenario({ scenario: 'healthy' });
    expect(d.outcome.code).toBe('healthy');
    expect(d.attempts.client).toBe(1);
    expect(d.attempts.serverLookups).toBeGreaterThanOrEqual(2);
    expect(d.timings.serverWaitMs).toBeGreaterThan(100);
    expect(d.timings.terminalMs).toBeGreaterThan(d.timings.firstNodeEventMs!);
    expect(d.nodes).toHaveLength(13);
    expect(d.counts.events['node-complete']).toBe(13);
  });

  it('early-404: a single lookup 404s at once; the frontend-style retry recovers', async () => {
    const d = await viaScenario({ scenario: 'early-404' });
    expect(d.outcome.code).toBe('early-404');
    expect(d.attempts.client).toBeGreaterThanOrEqual(2);
    expect(d.attempts.recoveredOnAttempt).toBe(d.attempts.client);
    expect(d.detail).toMatch(/opened the stream and ended healthy/);
  });

  it('early-404 without retries never recovers', async () => {
    const d = await viaScenario({ scenario: 'early-404' }, { attempts: 0 });
    expect(d.outcome.code).toBe('early-404');
    expect(d.attempts).toMatchObject({ client: 1, serverLookups: 1 });
    expect(d.attempts.recoveredOnAttempt).toBeUndefined();
  });

  it('early-404 after the full window: the server reports its wait', async () => {
    const d = await viaScenario({ scenario: 'never-persisted', maxWaitMs: 600 }, { attempts: 0 });
    expect(d.outcome.code).toBe('early-404');
    expect(d.timings.serverWaitMs).toBeGreaterThanOrEqual(600);
    expect(d.attempts.serverLookups).toBe(4); // 0, 200, 400, 600 ms
    expect(d.detail).not.toContain('wrong id'); // under 1 s: no claim about the id
  });

  it('early-404 after a long window names the likely wrong id', async () => {
    const d = await viaScenario({ scenario: 'never-persisted', maxWaitMs: 1200 }, { attempts: 0 });
    // The figure is the server's own (x-lookup-wait-ms): on a loaded machine its last lookup timer fires
    // late and it reports 1.25 s or more, shown as 1.3 s (seen once in CI).
    expect(d.detail).toMatch(/the server looked for 1\.[23] s first \(x-lookup-wait-ms\): a slow write, or a wrong id/);
    expect(d.findings.map((f) => f.code)).toContain('window-exhausted');
    expect(d.hint).toMatch(/retry window \(≈1\.[23] s\) ran out/);
  });

  it('heartbeat-only: pings and heartbeat events, no progress', async () => {
    const d = await viaScenario({ scenario: 'heartbeat-only' });
    expect(d.outcome.code).toBe('heartbeat-only');
    expect(d.counts.heartbeats).toBe(2);
    expect(d.counts.pings).toBeGreaterThan(0);
    expect(d.counts.progress).toBe(0);
    expect(d.findings[0]).toMatchObject({ code: 'job-status', message: expect.stringContaining('"queued"') });
  });

  it('stalled: progress, then only heartbeats', async () => {
    const d = await viaScenario({ scenario: 'stalled' });
    expect(d.outcome.code).toBe('stalled');
    expect(d.counts.progress).toBe(8);
    expect(d.findings[0]?.message).toContain('"running"');
  });

  it('error-event: a named error frame mid-run, reported with its node', async () => {
    const d = await viaScenario({ scenario: 'error-event' });
    expect(d.outcome.code).toBe('error-event');
    expect(d.detail).toContain('planner');
  });

  it('closed-early: the server ends the body before workflow-complete', async () => {
    const d = await viaScenario({ scenario: 'closed-early' });
    expect(d.outcome.code).toBe('closed-early');
    expect(d.detail).toMatch(/ended the stream after 6 progress events/);
  });

  it('closed-early: an abrupt reset mid-stream', async () => {
    const d = await viaScenario({ scenario: 'closed-early', faults: { closeAbruptly: true } });
    expect(d.outcome.code).toBe('closed-early');
  });

  it('not-sse: 200 with application/json', async () => {
    const d = await viaScenario({ scenario: 'not-sse' });
    expect(d.outcome.code).toBe('not-sse');
    expect(d.detail).toContain('application/json');
  });

  it('timeout: the lookup outlasts the client header timeout', async () => {
    const d = await viaScenario({ scenario: 'never-persisted' }, { timeoutMs: 400, attempts: 0 });
    expect(d.outcome.code).toBe('timeout');
  });

  it('enqueue-failed: a 422 validation error on the POST', async () => {
    const d = await viaScenario({ scenario: 'healthy' }, { body: '{"messages": [{"role": "robot", "content": "x"}]}' });
    expect(d.outcome.code).toBe('enqueue-failed');
    expect(d.detail).toContain('422');
  });

  it('http-error: a routing 404 is a wrong path, not the race', async () => {
    const d = await viaScenario({ scenario: 'healthy' }, { streamPath: '/api/stream/{id}' });
    expect(d.outcome.code).toBe('http-error');
    expect(d.attempts.client).toBe(1);
  });

  it('http-error: 401 from the stream endpoint', async () => {
    const d = await viaRaw(enqueueThen((_req, s) => void s.end(jsonResponse(401, { detail: 'Not authenticated' }))));
    expect(d.outcome.code).toBe('http-error');
    expect(d.detail).toContain('401');
  });

  it('unreachable: nothing listens', async () => {
    const server = await startRawServer(() => undefined);
    const url = server.url;
    await server.close();
    const d = diagnose(await runProbe({ ...fast, baseUrl: url }));
    seen.add(d.outcome.code);
    expect(d.outcome.code).toBe('unreachable');
    expect(d.outcome.exitCode).toBe(3);
  });

  it('client-limit: ssedoctor itself out of file descriptors (EMFILE), never blamed on the target', async () => {
    const server = await startRawServer(enqueueThen((_req, s) => void s.end(sseHead())));
    const held: number[] = [];
    try {
      // Take every free descriptor of this process, as ten thousand open streams would.
      for (;;) {
        try {
          held.push(openSync('/dev/null', 'r'));
        } catch {
          break;
        }
      }
      const d = diagnose(await runProbe({ ...fast, baseUrl: server.url }));
      seen.add(d.outcome.code);
      expect(d.outcome.code).toBe('client-limit');
      expect(d.detail).toMatch(/the enqueue request could not start: EMFILE \(ssedoctor is out of file descriptors\)/);
      expect(d.outcome.exitCode).toBe(4);
    } finally {
      held.forEach((fd) => closeSync(fd));
      await server.close();
    }
  });

  it('malformed-stream: an endless line is cut at --max-event-size, memory bounded', async () => {
    const d = await viaRaw(
      enqueueThen(async (_req, s) => {
        s.write(sseHead());
        s.write(chunk('data: '));
        for (let i = 0; i < 200 && !s.destroyed; i++) {
          s.write(chunk('x'.repeat(1024)));
          await sleep(1);
        }
      }),
      { maxEventBytes: 16 * 1024 },
    );
    expect(d.outcome.code).toBe('malformed-stream');
  });

  it('interrupted: the caller aborts mid-stream and keeps what was seen', async () => {
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 1500);
    const d = await viaScenario({ scenario: 'heartbeat-only', heartbeatIntervalMs: 5000 }, { signal: controller.signal });
    expect(d.outcome.code).toBe('interrupted');
    expect(d.counts.pings).toBeGreaterThan(0);
  });

  it('every outcome code in the table was produced above', () => {
    expect([...seen].sort()).toEqual([...OUTCOME_CODES].sort());
  });
});

describe('CORS as a browser page would meet it (--origin)', () => {
  it('an allowed origin passes; another origin is told why its page would fail', async () => {
    const allowed = await viaScenario({ scenario: 'healthy' }, { origin: 'http://localhost:3000' });
    expect(allowed.findings.filter((f) => f.code === 'cors')).toEqual([]);
    const other = await viaScenario({ scenario: 'healthy' }, { origin: 'https://app.example.com' });
    expect(other.outcome.code).toBe('healthy'); // the wire works; a browser there would not
    expect(other.findings.filter((f) => f.code === 'cors').map((f) => f.message)).toEqual([
      'the enqueue answer has no Access-Control-Allow-Origin for https://app.example.com: a page there cannot read the job id',
      'the stream has no Access-Control-Allow-Origin for https://app.example.com: EventSource on that page fails at once',
    ]);
  });
});

describe('compression: what a browser sees', () => {
  it('identity (--identity): the compressing server sends plain SSE and the run is healthy', async () => {
    const d = await viaScenario({ scenario: 'compressed' }, { encoding: 'identity' });
    expect(d.outcome.code).toBe('healthy');
    expect(d.findings.map((f) => f.code)).not.toContain('compressed');
  });

  it('browser-like only (--compressed): compression without flush holds every event back', async () => {
    const d = await viaScenario({ scenario: 'compressed' }, { encoding: 'browser', observeMs: 2500 });
    expect(d.outcome.code).toBe('timeout');
    expect(d.counts.progress).toBe(0);
    expect(d.findings[0]?.code).toBe('compressed');
    expect(d.findings[0]?.evidence).toMatchObject({ contentEncoding: 'gzip', events: 0 });
    expect(d.hint).not.toMatch(/lookup that waits longer than --timeout/);
  });

  it('by default the browser-like attach is checked against identity: compression-holds-events', async () => {
    const d = await viaScenario({ scenario: 'compressed' }, { observeMs: 2500 });
    expect(d.outcome.code).toBe('timeout');
    const f = d.findings.find((x) => x.code === 'compression-holds-events');
    expect(f?.evidence.browserFirstEventMs).toBeNull();
    expect(f?.evidence.identityFirstEventMs).toEqual(expect.any(Number));
  });

  it('decompresses: a gzip stream that ends delivers every event', async () => {
    const d = await viaScenario({ scenario: 'compressed', endOnComplete: true }, { encoding: 'browser' });
    expect(d.outcome.code).toBe('healthy');
    expect(d.counts.events['node-complete']).toBe(13);
  });
});

/** A backend ssedoctor did not write: no lookup headers, no job-status route; `stream` writes the stream answer. */
const noLookupHeaders = (stream: RawScript): RawScript =>
  enqueueThen((req, s) => (req.path.startsWith('/api/jobs/') ? void s.end(jsonResponse(404, { detail: 'Not Found' })) : stream(req, s)));
const envelope = (type: string, node?: string): string =>
  `event: ${type}\r\ndata: {"type": "${type}", "timestamp": "${new Date().toISOString()}", "data": {${node ? `"node": "${node}"` : ''}}}\r\n\r\n`;

describe('evidence on the wire (raw-bytes servers without lookup headers)', () => {
  it('head after 600 ms, no lookup headers: the server wait is inferred ≈ 600 ms, no slow-lookup, no proxy talk', async () => {
    const d = await viaRaw(
      noLookupHeaders(async (_req, s) => {
        await sleep(600);
        s.write(sseHead('server: uvicorn\r\n'));
        await sleep(50);
        s.write(chunk(envelope('node-start', 'a')));
        await sleep(50);
        s.end(Buffer.concat([chunk(envelope('workflow-complete')), Buffer.from('0\r\n\r\n')]));
      }),
    );
    expect(d.outcome.code).toBe('healthy');
    expect(d.waitSources.openedWait).toBe('inferred');
    expect(d.timings.openedWaitMs).toBeGreaterThanOrEqual(550);
    expect(d.timings.openedWaitMs).toBeLessThan(1500);
    expect(d.findings.map((f) => f.code)).toEqual([]);
    expect(d.waterfall.firstEventMs).toBeGreaterThan(d.waterfall.headMs!);
  });

  it('a stream that goes idle and is closed 1.2 s later: closed-early with idle-cutoff, comment every 0.5 s', async () => {
    const d = await viaRaw(
      noLookupHeaders(async (_req, s) => {
        s.write(sseHead());
        s.write(chunk(envelope('node-start', 'a')));
        // 1.2 s, not 1 s: on a busy machine the last byte can reach the client late, shortening the gap it sees.
        await sleep(1200);
        s.end('0\r\n\r\n');
      }),
    );
    expect(d.outcome.code).toBe('closed-early');
    const f = d.findings.find((x) => x.code === 'idle-cutoff');
    expect(f?.evidence.idleMs).toBeGreaterThanOrEqual(1000);
    expect(f?.evidence.commentEveryS).toBe(0.5);
    expect(d.hint).toMatch(/idle timeout on the path/);
    expect(d.hint).not.toMatch(/proxy|55\/60\/100\/300/);
  });

  it('a 404 after a 1.2 s wait, no lookup headers: window-exhausted from the inferred wait; a fast 404 is not', async () => {
    const slow = await viaRaw(
      noLookupHeaders(async (_req, s) => {
        await sleep(1200);
        s.end(jsonResponse(404, { detail: 'Decision set not found' }));
      }),
      { attempts: 0 },
    );
    expect(slow.outcome.code).toBe('early-404');
    expect(slow.findings.find((f) => f.code === 'window-exhausted')?.evidence).toMatchObject({ waitSource: 'inferred' });
    expect(slow.timings.notFoundWaitMs).toBeGreaterThanOrEqual(1150);
    expect(slow.hint).toMatch(/retry window \(≈1\.2 s\) ran out/);
    const fast = await viaRaw(noLookupHeaders((_req, s) => void s.end(jsonResponse(404, { detail: 'Decision set not found' }))), { attempts: 0 });
    expect(fast.findings.map((f) => f.code)).not.toContain('window-exhausted');
    expect(fast.hint).toMatch(/looks the decision set up once/);
  });

  it('a redirect loop on the stream URL: http-error naming the chain, never unreachable', async () => {
    const redirect = (to: string): string => `HTTP/1.1 302 Found\r\nlocation: ${to}\r\ncontent-length: 0\r\nconnection: close\r\n\r\n`;
    const d = await viaRaw(
      noLookupHeaders((req, s) => void s.end(redirect(req.path === '/a' ? '/b' : '/a'))),
      { attempts: 0 },
    );
    expect(d.outcome.code).toBe('http-error');
    expect(d.detail).toMatch(/^redirect loop: \/api\/streams\/ds-1 → \/a → \/b → \/a \(HTTP 302\)$/);
    expect(d.hint).toMatch(/redirects in a loop/);
  });

  it('an application holding its head until its first frame: head-held, layer application', async () => {
    const d = await viaRaw(
      noLookupHeaders(async (_req, s) => {
        await sleep(1300);
        s.write(Buffer.concat([Buffer.from(sseHead('server: uvicorn\r\n')), chunk(envelope('node-start', 'a'))]));
        s.end(Buffer.concat([chunk(envelope('workflow-complete')), Buffer.from('0\r\n\r\n')]));
      }),
    );
    const f = d.findings.find((x) => x.code === 'head-held');
    expect(f?.layer).toBe('application');
    expect(f?.message).toMatch(/^the application held its response head 1\.\d s until its first frame \(server: uvicorn, no Via\)/);
    expect(d.findings.map((x) => x.code)).not.toContain('slow-lookup');
  });
});
