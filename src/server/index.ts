/**
 * The embedded reference server: the origin backend on the wire, with slow persistence, three
 * lookup strategies and fault switches. Imports nothing from the client side on purpose: a
 * mistake shared by client and server would otherwise pass every test.
 */
import { createServer, type Server } from 'node:http';
import type { Socket } from 'node:net';
import { handleRequest, type AppContext } from './app.js';
import { seededRandom } from './distribution.js';
import { createLogger } from './log.js';
import { resolveServerOptions, type ServerOptions, type ServerOverrides } from './options.js';
import { Scheduler } from './scheduler.js';
import { Store, type StoreStats } from './store.js';

export interface StartOptions extends ServerOverrides {
  /** Named scenario (default `healthy`). */
  scenario?: string;
  /** Environment to read STREAM_DECISION_SET_* from; default: none (pass process.env to mimic the origin). */
  env?: Record<string, string | undefined>;
}

export interface ReferenceServer {
  /** Base URL, e.g. `http://127.0.0.1:41234`. */
  url: string;
  port: number;
  /** The fully resolved settings in force. */
  options: ServerOptions;
  /** Decision sets kept and forgotten, and open connections: what memory the server holds. */
  stats(): ServerStats;
  /** Stops listening and drops every open stream. */
  close(): Promise<void>;
  [Symbol.asyncDispose](): Promise<void>;
}

export interface ServerStats extends StoreStats {
  /** Open TCP connections (streams and idle keep-alive ones). */
  connections: number;
  /** Entries in the scheduler's heap (lookups, pings, heartbeats, workers, expiry), live or cancelled. */
  scheduled: number;
}

/** Starts the reference server; resolves once it listens. */
export async function startReferenceServer(start: StartOptions = {}): Promise<ReferenceServer> {
  const { scenario, env, ...overrides } = start;
  const options = resolveServerOptions(scenario, overrides, env);
  const scheduler = new Scheduler();
  const store = new Store(scheduler, {
    finishedTtlMs: options.finishedTtlMs,
    maxFinished: options.maxFinishedSets,
    maxSets: options.maxDecisionSets,
  });
  const ctx: AppContext = {
    options,
    scheduler,
    store,
    log: createLogger(options.log),
    random: seededRandom(options.seed),
  };
  const server: Server = createServer(
    {
      // Idle, head and request timeouts are checked on this interval (Node's default, 30 s, would
      // let a slow-loris client hold a connection up to 30 s past its limit).
      connectionsCheckingInterval: Math.max(100, Math.min(options.headersTimeoutMs, options.requestTimeoutMs) / 5),
      headersTimeout: options.headersTimeoutMs,
      requestTimeout: options.requestTimeoutMs,
      keepAliveTimeout: options.keepAliveTimeoutMs,
    },
    (req, res) => {
      res.once('finish', () => trimKeepAlive(req.socket, options.keepAliveTimeoutMs));
      handleRequest(ctx, req, res);
    },
  );
  const sockets = new Set<Socket>();
  server.on('connection', (s) => {
    sockets.add(s);
    s.once('close', () => sockets.delete(s));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : options.port;
  const host = options.host.includes(':') ? `[${options.host}]` : options.host;
  let closing: Promise<void> | undefined;
  const close = (): Promise<void> =>
    (closing ??= new Promise<void>((resolve) => {
      scheduler.stop();
      server.close(() => resolve());
      for (const s of sockets) s.destroy();
    }));
  const stats = (): ServerStats => ({ ...store.stats(), connections: sockets.size, scheduled: scheduler.size });
  return { url: `http://${host}:${port}`, port, options, stats, close, [Symbol.asyncDispose]: close };
}

/**
 * Runs after Node armed the idle timer of a kept-alive connection (its 'finish' listener comes
 * first). Node 20.20 arms it at keepAliveTimeout + 1 s, a margin so that clients close first;
 * uvicorn closes at exactly `timeout_keep_alive`, so the margin is taken back here. The
 * advertised `Keep-Alive: timeout=5` stays.
 */
function trimKeepAlive(socket: Socket, keepAliveMs: number): void {
  if (socket.timeout !== undefined && socket.timeout > keepAliveMs) socket.setTimeout(keepAliveMs);
}

export { SCENARIOS, findScenario, resolveServerOptions, lookupSettingsFromEnv } from './options.js';
export type { StoreStats } from './store.js';
export type { ServerOptions, ServerOverrides, Scenario, LookupStrategy, FaultSwitches } from './options.js';
export { parseDistribution, parseServerDuration } from './distribution.js';
export { LOOKUP_ATTEMPTS_HEADER, LOOKUP_WAIT_HEADER } from './stream.js';
