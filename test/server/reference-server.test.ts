/** The reference server on the wire, byte by byte against origin-protocol.md. */
import { request as httpRequest } from 'node:http';
import { Writable } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import { startReferenceServer, type ReferenceServer, type StartOptions } from '../../src/server/index.js';

const servers: ReferenceServer[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

async function start(options: StartOptions = {}): Promise<ReferenceServer> {
  const s = await startReferenceServer({ log: { level: 'off', format: 'text' }, ...options });
  servers.push(s);
  return s;
}

interface Raw {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
  ms: number;
}

/** A request that collects the raw body for up to `forMs` (streams never end by themselves). */
function raw(url: string, init: { method?: string; body?: string; headers?: Record<string, string> } = {}, forMs = 3000): Promise<Raw> {
  const t0 = performance.now();
  return new Promise((resolve, reject) => {
    const req = httpRequest(url, { method: init.method ?? 'GET', headers: init.headers }, (res) => {
      let body = '';
      const timer = setTimeout(() => {
        res.destroy();
        resolve({ status: res.statusCode!, headers: res.headers, body, ms: performance.now() - t0 });
      }, forMs);
      res.setEncoding('utf8');
      res.on('data', (c: string) => (body += c));
      res.on('end', () => {
        clearTimeout(timer);
        resolve({ status: res.statusCode!, headers: res.headers, body, ms: performance.now() - t0 });
      });
      res.on('error', () => undefined);
    });
    req.on('error', reject);
    req.end(init.body);
  });
}

async function enqueue(s: ReferenceServer, body: unknown = { messages: [{ role: 'user', content: 'hi' }] }) {
  const r = await raw(`${s.url}/api/chat/async`, { method: 'POST', body: JSON.stringify(body), headers: { 'content-type': 'application/json' } });
  return { ...r, json: JSON.parse(r.body) as Record<string, string> };
}

describe('reference server: enqueue', () => {
  it('answers 200 with AsyncChatResponse keys in the origin order', async () => {
    const s = await start();
    const r = await enqueue(s);
    expect(r.status).toBe(200);
    expect(Object.keys(r.json)).toEqual(['decision_set_id', 'thread_id', 'job_id', 'status']);
    expect(r.json.status).toBe('queued');
    expect(r.json.decision_set_id).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('returns FastAPI/pydantic-v2 422 bodies', async () => {
    const s = await start();
    const missing = await enqueue(s, {});
    expect(missing.status).toBe(422);
    expect(missing.json).toMatchObject({ detail: [{ type: 'missing', loc: ['body', 'messages'], msg: 'Field required' }] });
    const role = await enqueue(s, { messages: [{ role: 'robot', content: 'x' }] });
    expect(role.json).toMatchObject({ detail: [{ type: 'literal_error', loc: ['body', 'messages', 0, 'role'] }] });
    const bad = await raw(`${s.url}/api/chat/async`, { method: 'POST', body: '{nope' });
    expect(JSON.parse(bad.body)).toMatchObject({ detail: [{ type: 'json_invalid', msg: 'JSON decode error' }] });
  });

  it('reads the body as FastAPI does by its Content-Type: non-JSON types and empty bodies are 422', async () => {
    const s = await start();
    const post = (body: string, headers: Record<string, string>) => raw(`${s.url}/api/chat/async`, { method: 'POST', body, headers });
    const valid = JSON.stringify({ messages: [{ role: 'user', content: 'hi' }] });
    // A JSON document sent as text/plain is not parsed: pydantic sees a string, not an object.
    const plain = await post(valid, { 'content-type': 'text/plain' });
    expect(plain.status).toBe(422);
    expect(JSON.parse(plain.body)).toEqual({
      detail: [{ type: 'model_attributes_type', loc: ['body'], msg: 'Input should be a valid dictionary or object to extract fields from', input: valid }],
    });
    // Form posts and a type without a slash (read as text/plain by email.message) alike.
    expect((await post('messages=x', { 'content-type': 'application/x-www-form-urlencoded' })).status).toBe(422);
    expect((await post(valid, { 'content-type': 'json' })).status).toBe(422);
    // application/json with parameters, any case, and application/*+json are JSON; so is no type at all.
    expect((await post(valid, { 'content-type': 'Application/JSON; charset=utf-8' })).status).toBe(200);
    expect((await post(valid, { 'content-type': 'application/vnd.api+json' })).status).toBe(200);
    expect((await post(valid, {})).status).toBe(200);
    // Malformed JSON under a JSON type is json_invalid; an empty body is a missing body.
    expect(JSON.parse((await post('{nope', { 'content-type': 'application/json' })).body).detail[0]).toMatchObject({ type: 'json_invalid' });
    const empty = await post('', { 'content-type': 'application/json' });
    expect(empty.status).toBe(422);
    expect(JSON.parse(empty.body)).toEqual({ detail: [{ type: 'missing', loc: ['body'], msg: 'Field required', input: null }] });
  });

  it('reuses of a thread_id fail the unique constraint with 500', async () => {
    const s = await start();
    const body = { messages: [], thread_id: 'thread-1' };
    expect((await enqueue(s, body)).status).toBe(200);
    const again = await enqueue(s, body);
    expect(again.status).toBe(500);
    expect(again.json).toEqual({ detail: 'Failed to create job' });
  });

  it('limits request bodies', async () => {
    const s = await start({ bodyLimitBytes: 1000 });
    const r = await raw(`${s.url}/api/chat/async`, { method: 'POST', body: JSON.stringify({ messages: [{ role: 'user', content: 'x'.repeat(5000) }] }) });
    expect(r.status).toBe(413);
  });

  it('serves the plan, job status, routing 404 and 405', async () => {
    const s = await start();
    const plan = JSON.parse((await raw(`${s.url}/api/workflow/plan`)).body);
    expect(plan.nodes).toHaveLength(13);
    expect(plan.graph_type).toBe('full');
    const { json } = await enqueue(s);
    const status = JSON.parse((await raw(`${s.url}/api/jobs/${json.job_id}/status`)).body);
    expect(status).toEqual({ job_id: json.job_id, status: 'queued', decision_set_id: json.decision_set_id, thread_id: json.thread_id });
    const notFound = await raw(`${s.url}/api/streams/`);
    expect(notFound.body).toBe('{"detail":"Not Found"}');
    const wrongMethod = await raw(`${s.url}/api/chat/async`);
    expect(wrongMethod.status).toBe(405);
  });

  it('answers allowed origins with CORS headers only', async () => {
    const s = await start();
    const ok = await raw(`${s.url}/`, { headers: { origin: 'http://localhost:3000' } });
    expect(ok.headers['access-control-allow-origin']).toBe('http://localhost:3000');
    expect(ok.headers['access-control-allow-credentials']).toBe('true');
    const other = await raw(`${s.url}/`, { headers: { origin: 'http://evil.example' } });
    expect(other.headers['access-control-allow-origin']).toBeUndefined();
  });
});

describe('reference server: stream framing', () => {
  it('sends the origin head, CRLF frames with Python json.dumps envelopes, and stays open', async () => {
    const s = await start({ persistDelay: undefined, scenario: 'healthy' });
    const { json } = await enqueue(s);
    const r = await raw(`${s.url}/api/streams/${json.decision_set_id}`, {}, 2000);
    expect(r.status).toBe(200);
    expect(r.headers['content-type']).toBe('text/event-stream; charset=utf-8');
    expect(r.headers['cache-control']).toBe('no-cache');
    expect(r.headers['x-accel-buffering']).toBe('no');
    expect(r.headers['content-length']).toBeUndefined();
    const first = r.body.slice(0, r.body.indexOf('\r\n\r\n') + 4);
    expect(first).toMatch(
      /^event: workflow-start\r\ndata: \{"type": "workflow-start", "decision_set_id": "[0-9a-f-]{36}", "timestamp": "\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{6})?\+00:00", "data": \{\}, "message": "Workflow started"\}\r\n\r\n$/,
    );
    expect(r.body).toContain('event: node-start\r\ndata: {"type": "node-start"');
    expect(r.body).toContain('"data": {"node": "planner", "outputs": {"node": "planner"}}');
    expect(r.body).toContain('event: workflow-complete\r\n');
    expect(r.body).not.toMatch(/[^\r]\n/); // every line ends with CRLF
    expect(r.ms).toBeGreaterThanOrEqual(1900); // open after completion, until the client leaves
  });

  it('sends ping comments and idle heartbeat events (no message key)', async () => {
    const s = await start({ scenario: 'heartbeat-only', pingIntervalMs: 300, heartbeatIntervalMs: 700 });
    const { json } = await enqueue(s);
    const r = await raw(`${s.url}/api/streams/${json.decision_set_id}`, {}, 1600);
    expect(r.body).toMatch(/^: ping - \d{4}-\d\d-\d\d \d\d:\d\d:\d\d(\.\d{6})?\+00:00\r\n\r\n/m);
    const hb = /event: heartbeat\r\ndata: (.*)\r\n\r\n/.exec(r.body);
    expect(hb).not.toBeNull();
    const envelope = JSON.parse(hb![1]!);
    expect(Object.keys(envelope)).toEqual(['type', 'decision_set_id', 'timestamp', 'data']);
  });

  it('replays history with replay=1 and not with replay=0; rejects bad replay values with 422', async () => {
    const s = await start({ persistDelay: undefined, nodeDuration: undefined });
    const { json } = await enqueue(s);
    await raw(`${s.url}/api/streams/${json.decision_set_id}`, {}, 1500); // let the run finish
    const replayed = await raw(`${s.url}/api/streams/${json.decision_set_id}?replay=1`, {}, 300);
    expect(replayed.body).toContain('event: workflow-complete');
    const live = await raw(`${s.url}/api/streams/${json.decision_set_id}?replay=false`, {}, 300);
    expect(live.body).toBe('');
    const bad = await raw(`${s.url}/api/streams/${json.decision_set_id}?replay=maybe`);
    expect(bad.status).toBe(422);
    expect(JSON.parse(bad.body).detail[0]).toMatchObject({ type: 'bool_parsing', loc: ['query', 'replay'] });
  });
});

describe('reference server: lookup strategies', () => {
  it('single: one lookup and an immediate 404 with the exact origin body', async () => {
    const s = await start({ scenario: 'early-404' });
    const { json } = await enqueue(s);
    const r = await raw(`${s.url}/api/streams/${json.decision_set_id}`);
    expect(r.status).toBe(404);
    expect(r.body).toBe('{"detail":"Decision set not found"}');
    expect(r.body).toHaveLength(35);
    expect(r.headers['x-lookup-attempts']).toBe('1');
    expect(r.ms).toBeLessThan(1000); // no 200 ms retry delay: one lookup
  });

  it('window: polls every retry delay until the set appears, reporting attempts and wait', async () => {
    const s = await start({ persistDelay: (await import('../../src/server/index.js')).parseDistribution('1s') });
    const { json } = await enqueue(s);
    const r = await raw(`${s.url}/api/streams/${json.decision_set_id}`, {}, 200);
    expect(r.status).toBe(200);
    expect(Number(r.headers['x-lookup-attempts'])).toBe(6); // 5 misses (0..0.8 s), found at 1.0 s
    expect(Number(r.headers['x-lookup-wait-ms'])).toBeGreaterThanOrEqual(950);
  });

  it('window: gives up after STREAM_DECISION_SET_MAX_WAIT read from the environment', async () => {
    const s = await start({
      scenario: 'never-persisted',
      env: { STREAM_DECISION_SET_RETRY_DELAY: '0.1', STREAM_DECISION_SET_MAX_WAIT: '0.5' },
    });
    const { json } = await enqueue(s);
    const r = await raw(`${s.url}/api/streams/${json.decision_set_id}`);
    expect(r.status).toBe(404);
    expect(Number(r.headers['x-lookup-attempts'])).toBe(6); // 0, 0.1 … 0.5 s
    expect(r.ms).toBeGreaterThanOrEqual(490);
    expect(r.ms).toBeLessThan(2000);
  });

  it('fixed: N retries at the fixed delay, then 404', async () => {
    const s = await start({ scenario: 'never-persisted', lookup: 'fixed', fixedRetries: 2, retryDelayMs: 100 });
    const { json } = await enqueue(s);
    const r = await raw(`${s.url}/api/streams/${json.decision_set_id}`);
    expect(r.status).toBe(404);
    expect(r.headers['x-lookup-attempts']).toBe('3');
  });

  it('logs in the origin words, as text or JSON lines', async () => {
    const lines: string[] = [];
    const sink = new Writable({ write: (c, _e, cb) => (lines.push(String(c)), cb()) });
    const s = await start({ persistDelay: undefined, log: { level: 'info', format: 'json', stream: sink } });
    const { json } = await enqueue(s);
    await raw(`${s.url}/api/streams/${json.decision_set_id}`, {}, 700);
    const parsed = lines.map((l) => JSON.parse(l) as Record<string, unknown>);
    const success = parsed.find((l) => l.message === 'Decision set lookup succeeded after retries');
    expect(success).toMatchObject({ levelname: 'INFO', name: 'api.main', decision_set_id: json.decision_set_id });
    expect(success?.attempts).toBeGreaterThan(0);
    expect(parsed.some((l) => l.message === 'SSE yielding event #1: StreamEventType.WORKFLOW_START')).toBe(true);
  });
});
