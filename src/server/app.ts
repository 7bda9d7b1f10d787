/**
 * The reference API on the origin's paths (origin-protocol.md §1): routing, body limits, CORS,
 * and FastAPI-shaped JSON answers. Uses node:http only and nothing from the client side.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { FULL_PLAN } from './plan.js';
import { sendJson, serveStream, type StreamContext } from './stream.js';
import { parseBoolQuery, validateChatRequest } from './validate.js';
import { startJob, type WorkerContext } from './worker.js';

export type AppContext = StreamContext & WorkerContext;

/** Routes one request. Never throws: every failure becomes an HTTP answer. */
export function handleRequest(ctx: AppContext, req: IncomingMessage, res: ServerResponse): void {
  const url = new URL(req.url ?? '/', 'http://reference.invalid');
  const path = url.pathname;
  const method = req.method ?? 'GET';
  const cors = corsHeaders(ctx, req);
  for (const [k, v] of Object.entries(cors)) res.setHeader(k, v);

  if (method === 'OPTIONS' && req.headers['access-control-request-method']) {
    return preflight(res, cors);
  }

  const route = matchRoute(path);
  if (!route) return sendJson(res, 404, { detail: 'Not Found' });
  if (route.method !== method) return sendJson(res, 405, { detail: 'Method Not Allowed' });

  switch (route.name) {
    case 'root':
      return sendJson(res, 200, { message: 'Agentic MLOps API' });
    case 'plan':
      return sendJson(res, 200, { nodes: FULL_PLAN, graph_type: 'full' });
    case 'job-status': {
      const ds = ctx.store.job(route.param);
      if (!ds) return sendJson(res, 404, { detail: 'Job not found' });
      return sendJson(res, 200, { job_id: ds.jobId, status: ds.status, decision_set_id: ds.id, thread_id: ds.threadId });
    }
    case 'stream': {
      const raw = url.searchParams.get('replay');
      const replay = raw === null ? true : parseBoolQuery(raw);
      if (replay === undefined) {
        return sendJson(res, 422, {
          detail: [
            {
              type: 'bool_parsing',
              loc: ['query', 'replay'],
              msg: 'Input should be a valid boolean, unable to interpret input',
              input: raw,
            },
          ],
        });
      }
      return serveStream(ctx, req, res, route.param, replay);
    }
    case 'enqueue':
      return readBody(req, ctx.options.bodyLimitBytes, (body) => {
        if (body === undefined) return sendJson(res, 413, { detail: 'Request body too large' });
        enqueue(ctx, body, req.headers['content-type'], res);
      });
  }
}

function enqueue(ctx: AppContext, body: string, contentType: string | undefined, res: ServerResponse): void {
  const parsed = validateChatRequest(body, contentType);
  if (!parsed.ok) return sendJson(res, 422, { detail: parsed.issues });
  const { options, scheduler, store, random } = ctx;
  const visibleAt = scheduler.now() + options.persistDelay.sample(random);
  const ds = store.create(parsed.value.thread_id ?? undefined, visibleAt);
  // decision_sets.thread_id is unique: a reused thread fails the commit (origin §1).
  if (!ds) return sendJson(res, 500, { detail: 'Failed to create job' });
  ctx.log.log('INFO', 'Job enqueued', { job_id: ds.jobId, decision_set_id: ds.id });
  startJob(ctx, ds);
  sendJson(res, 200, { decision_set_id: ds.id, thread_id: ds.threadId, job_id: ds.jobId, status: 'queued' });
}

type Route =
  | { name: 'root' | 'plan' | 'enqueue'; method: string }
  | { name: 'stream' | 'job-status'; method: string; param: string };

function matchRoute(path: string): Route | undefined {
  if (path === '/') return { name: 'root', method: 'GET' };
  if (path === '/api/workflow/plan') return { name: 'plan', method: 'GET' };
  if (path === '/api/chat/async') return { name: 'enqueue', method: 'POST' };
  const stream = /^\/api\/streams\/([^/]+)$/.exec(path);
  if (stream) return { name: 'stream', method: 'GET', param: decodeURIComponent(stream[1]!) };
  const job = /^\/api\/jobs\/([^/]+)\/status$/.exec(path);
  if (job) return { name: 'job-status', method: 'GET', param: decodeURIComponent(job[1]!) };
  return undefined;
}

/** Reads the body up to `limit` bytes; calls back with undefined (and drains) when it is larger. */
function readBody(req: IncomingMessage, limit: number, done: (body: string | undefined) => void): void {
  const declared = Number(req.headers['content-length'] ?? 0);
  if (declared > limit) {
    req.resume();
    return done(undefined);
  }
  const chunks: Buffer[] = [];
  let size = 0;
  let over = false;
  req.on('data', (chunk: Buffer) => {
    size += chunk.length;
    if (size > limit) over = true;
    else chunks.push(chunk);
  });
  req.on('end', () => done(over ? undefined : Buffer.concat(chunks).toString('utf8')));
  req.on('error', () => undefined); // the socket is gone; nothing to answer
}

/** Starlette CORSMiddleware, as configured by the origin in development. */
function corsHeaders(ctx: AppContext, req: IncomingMessage): Record<string, string> {
  const origin = req.headers.origin;
  if (!origin || !ctx.options.corsOrigins.includes(origin)) return {};
  return { 'access-control-allow-origin': origin, 'access-control-allow-credentials': 'true', vary: 'Origin' };
}

function preflight(res: ServerResponse, cors: Record<string, string>): void {
  if (!cors['access-control-allow-origin']) {
    res.writeHead(400, { 'content-type': 'text/plain; charset=utf-8' });
    return void res.end('Disallowed CORS origin');
  }
  res.writeHead(200, {
    'access-control-allow-methods': 'DELETE, GET, HEAD, OPTIONS, PATCH, POST, PUT',
    'access-control-allow-headers': '*',
    'access-control-max-age': '600',
    'content-length': '2',
  });
  res.end('OK');
}
