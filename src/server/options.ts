/**
 * Reference-server settings and the named scenarios that bundle them.
 * Precedence, lowest first: built-in defaults, the scenario, the origin's environment
 * variables, then explicit overrides (CLI flags or the programmatic options).
 */
import type { Writable } from 'node:stream';
import { parseDistribution, parseServerDuration, type Distribution } from './distribution.js';

/** How `GET /api/streams/{id}` looks the decision set up. */
export type LookupStrategy = 'single' | 'fixed' | 'window';

export interface FaultSwitches {
  /** The worker never runs: streams carry only pings and heartbeats. */
  noWorker: boolean;
  /** Emit a named `error` event when this node runs (the run then continues, as the origin's does). */
  errorNode?: string;
  /** End the response after this many frames on one connection, before the terminal event. */
  closeAfter?: number;
  /** With closeAfter: destroy the socket instead of ending the chunked body cleanly. */
  closeAbruptly: boolean;
  /** The worker stops emitting after this many events; heartbeats continue. */
  stallAfter?: number;
  /** Answer the stream with this content type instead of text/event-stream. */
  contentType?: string;
  /** Hold the response head until the first frame (an app without an early flush; proxies can do the same). */
  holdHeaders: boolean;
  /** Gzip the stream for clients that accept it, without flushing (compression middleware's signature). */
  compress: boolean;
}

export interface LogOptions {
  level: 'debug' | 'info' | 'warning' | 'off';
  format: 'text' | 'json';
  /** Where log lines go; default process.stderr. */
  stream?: Writable;
}

export interface ServerOptions {
  /** Interface to bind; loopback unless told otherwise. */
  host: string;
  /** TCP port; 0 picks a free one. */
  port: number;
  lookup: LookupStrategy;
  /** Pause between lookups (`STREAM_DECISION_SET_RETRY_DELAY`), ms. */
  retryDelayMs: number;
  /** Give up after this long (`STREAM_DECISION_SET_MAX_WAIT`, window strategy), ms. */
  maxWaitMs: number;
  /** Retries after the first lookup (fixed strategy). */
  fixedRetries: number;
  /** Time from the POST until the decision set becomes visible. */
  persistDelay: Distribution;
  /** Time from visibility until the worker emits workflow-start. */
  workerDelay: Distribution;
  /** Time each plan node takes. */
  nodeDuration: Distribution;
  /** sse-starlette ping comment interval, ms (origin: 15000). */
  pingIntervalMs: number;
  /** Idle time before a `heartbeat` event, ms (origin: 30000). */
  heartbeatIntervalMs: number;
  /**
   * End each stream right after workflow-complete. The origin never does; benchmarks use it so that
   * request/response tools (autocannon) can time the same flow.
   */
  endOnComplete: boolean;
  faults: FaultSwitches;
  /** Seed of the delay generator. */
  seed: number;
  /** Largest accepted request body, bytes. */
  bodyLimitBytes: number;
  /** An idle keep-alive connection is closed after this long, ms (uvicorn's `timeout_keep_alive`: 5 s). */
  keepAliveTimeoutMs: number;
  /** A request head must arrive within this long of the connection (or of the previous response), ms. */
  headersTimeoutMs: number;
  /**
   * The whole request (head and body) must arrive within this long, ms: a slow-loris body is cut
   * with 408. Node measures the request only, so a stream response lives on past it.
   */
  requestTimeoutMs: number;
  /** A finished decision set (workflow-complete sent) is kept this long for late attaches, ms. */
  finishedTtlMs: number;
  /** Finished decision sets kept at most; past it the oldest is forgotten before its TTL. */
  maxFinishedSets: number;
  /** Decision sets kept at most, finished or not (jobs that never finish included); oldest forgotten first. */
  maxDecisionSets: number;
  /** Origins answered with CORS headers (the origin's development list by default). */
  corsOrigins: string[];
  log: LogOptions;
}

/** A named bundle of settings, documented in the README. */
export interface Scenario {
  name: string;
  description: string;
  settings: Partial<Omit<ServerOptions, 'faults'>> & { faults?: Partial<FaultSwitches> };
}

const d = parseDistribution;

/** Short ping/heartbeat intervals so stalls show within seconds instead of the origin's 15 s / 30 s. */
const FAST_KEEPALIVE = { pingIntervalMs: 500, heartbeatIntervalMs: 1000 };

export const SCENARIOS: readonly Scenario[] = [
  {
    name: 'healthy',
    description: 'The fixed backend: persistence lags 150-450 ms, the window lookup waits it out, every node streams.',
    settings: {},
  },
  {
    name: 'early-404',
    description: 'The original bug: one lookup, so a stream opened before persistence gets an immediate 404.',
    settings: { lookup: 'single', persistDelay: d('300ms..600ms') },
  },
  {
    name: 'heartbeat-only',
    description: 'The stream opens but the worker never emits: only pings and heartbeat events arrive.',
    settings: { ...FAST_KEEPALIVE, faults: { noWorker: true } },
  },
  {
    name: 'error-event',
    description: 'The planner fails: a named `error` event mid-run (browsers fire onerror), then the run completes.',
    settings: { faults: { errorNode: 'planner' } },
  },
  {
    name: 'closed-early',
    description: 'The server ends the stream after 6 frames, before workflow-complete (a restart or deploy).',
    settings: { faults: { closeAfter: 6 } },
  },
  {
    name: 'not-sse',
    description: 'The stream answers 200 with application/json, which every EventSource rejects.',
    settings: { faults: { contentType: 'application/json' } },
  },
  {
    name: 'slow-persistence',
    description: 'Persistence lags log-normally (median 1.2 s, about 1 % past 6 s): the default window absorbs most of it, not all.',
    settings: { persistDelay: d('lognormal(1.2s,0.7)') },
  },
  {
    name: 'stalled',
    description: 'The worker stops after 8 events; heartbeats continue and no terminal event comes.',
    settings: { ...FAST_KEEPALIVE, faults: { stallAfter: 8 } },
  },
  {
    name: 'headers-held',
    description: 'The application holds its response head until its first frame, as an app without an early flush does (proxies can do the same).',
    settings: { workerDelay: d('1200ms'), faults: { holdHeaders: true } },
  },
  {
    name: 'compressed',
    description: 'Compression middleware without flush: clients that accept gzip get events only when a block fills.',
    settings: { ...FAST_KEEPALIVE, faults: { compress: true } },
  },
  {
    name: 'never-persisted',
    description: 'The decision set never appears: the window lookup waits the full STREAM_DECISION_SET_MAX_WAIT, then 404s.',
    settings: { persistDelay: d('never') },
  },
];

export const DEFAULT_SERVER_OPTIONS: ServerOptions = {
  host: '127.0.0.1',
  port: 0,
  lookup: 'window',
  retryDelayMs: 200,
  maxWaitMs: 6000,
  fixedRetries: 3,
  persistDelay: d('150ms..450ms'),
  workerDelay: d('50ms'),
  nodeDuration: d('20ms..60ms'),
  pingIntervalMs: 15_000,
  heartbeatIntervalMs: 30_000,
  endOnComplete: false,
  faults: { noWorker: false, closeAbruptly: false, holdHeaders: false, compress: false },
  seed: 1,
  bodyLimitBytes: 1024 * 1024,
  keepAliveTimeoutMs: 5000,
  headersTimeoutMs: 10_000,
  requestTimeoutMs: 30_000,
  // A minute for late attaches; a finished 38-frame run holds ≈17 KB, so at most ≈34 MB of history.
  // 2,000 covers a reconnect 2.5 s after a finished run up to ≈800 jobs/s; load runs stay far below.
  finishedTtlMs: 60_000,
  maxFinishedSets: 2_000,
  maxDecisionSets: 20_000,
  corsOrigins: ['http://localhost:3000', 'http://localhost:3001', 'http://127.0.0.1:3000', 'http://127.0.0.1:3001'],
  log: { level: 'info', format: 'text' },
};

/** Looks a scenario up by name; undefined when unknown. */
export function findScenario(name: string): Scenario | undefined {
  return SCENARIOS.find((s) => s.name === name);
}

/**
 * Reads `STREAM_DECISION_SET_RETRY_DELAY` / `STREAM_DECISION_SET_MAX_WAIT` as the origin does:
 * `float(os.getenv(NAME) or default)` seconds. An empty value means the default; a value Python's
 * float() would reject throws a RangeError naming the variable.
 */
export function lookupSettingsFromEnv(env: Record<string, string | undefined>): Partial<ServerOptions> {
  const out: Partial<ServerOptions> = {};
  const read = (name: string): number | undefined => {
    const raw = env[name];
    if (raw === undefined || raw === '') return undefined;
    const seconds = Number(raw.trim());
    if (raw.trim() === '' || !Number.isFinite(seconds) || seconds < 0) {
      throw new RangeError(`${name}="${raw}" is not a non-negative number of seconds`);
    }
    return seconds * 1000;
  };
  const delay = read('STREAM_DECISION_SET_RETRY_DELAY');
  const wait = read('STREAM_DECISION_SET_MAX_WAIT');
  if (delay !== undefined) out.retryDelayMs = delay;
  if (wait !== undefined) out.maxWaitMs = wait;
  return out;
}

/** Settings accepted by `resolveServerOptions`: everything optional, faults merged field by field. */
export type ServerOverrides = Partial<Omit<ServerOptions, 'faults'>> & { faults?: Partial<FaultSwitches> };

/** Merges defaults ← scenario ← environment ← overrides into complete options. */
export function resolveServerOptions(
  scenarioName = 'healthy',
  overrides: ServerOverrides = {},
  env: Record<string, string | undefined> = {},
): ServerOptions {
  const scenario = findScenario(scenarioName);
  if (!scenario) {
    throw new RangeError(`unknown scenario "${scenarioName}" (known: ${SCENARIOS.map((s) => s.name).join(', ')})`);
  }
  const layers: ServerOverrides[] = [scenario.settings, lookupSettingsFromEnv(env), overrides];
  let merged: ServerOptions = { ...DEFAULT_SERVER_OPTIONS, faults: { ...DEFAULT_SERVER_OPTIONS.faults } };
  for (const { faults, ...rest } of layers) {
    merged = { ...merged, ...definedOnly(rest), faults: { ...merged.faults, ...definedOnly(faults ?? {}) } };
  }
  return merged;
}

function definedOnly<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}

export { parseDistribution, parseServerDuration };
