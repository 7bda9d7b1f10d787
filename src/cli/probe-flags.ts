/** Flags shared by every command that runs probes (verify, load), parsed into ProbeOptions. */
import { usageError } from '../errors.js';
import { DEFAULT_MAX_RECONNECTS, DEFAULT_PROBE_OPTIONS, type ProbeOptions } from '../probe/options.js';
import { networkOptionsFromFlags, type NetworkFlags } from './network-flags.js';
import { parseBaseUrl, parseBody, parseDuration, parseHeaders, parseInteger, parseSize, promptBody } from './options.js';

export interface ProbeFlags extends NetworkFlags {
  prompt?: string;
  body?: string;
  header: string[];
  origin?: string;
  compressed?: boolean;
  identity?: boolean;
  idField: string;
  enqueuePath: string;
  streamPath: string;
  jobStatusPath: string;
  attempts: string;
  retryDelay: string;
  timeout: string;
  observe: string;
  idleHeartbeats: string;
  terminalEvent: string;
  heartbeatEvent: string[];
  maxEventSize: string;
  client?: string;
  maxReconnects?: string;
  reconnectTime?: string;
  cutAfter?: string;
}

/**
 * Validates every probe flag; throws a usage error (exit 2) naming the first bad one.
 * `encodingCheck` (verify) turns the default encoding into `auto`: a browser's Accept-Encoding,
 * plus an identity comparison run when that stream is compressed and silent. Without it (load)
 * the default is browser-like with no second run, so one iteration stays one enqueue.
 */
export function probeOptionsFromFlags(
  f: ProbeFlags,
  mode: { encodingCheck?: boolean; env?: Record<string, string | undefined>; warn?: (line: string) => void } = {},
): Omit<ProbeOptions, 'baseUrl'> {
  if (f.prompt !== undefined && f.body !== undefined) {
    throw usageError('conflicting-flags', '--prompt and --body both set the enqueue body; use one');
  }
  if (f.compressed && f.identity) {
    throw usageError('conflicting-flags', '--compressed and --identity ask for opposite encodings; use one');
  }
  if (!f.streamPath.includes('{id}')) {
    throw usageError('bad-path', `--stream-path: "${f.streamPath}" must contain {id}, e.g. /api/streams/{id}`);
  }
  const body = f.body !== undefined ? parseBody(f.body) : f.prompt !== undefined ? promptBody(f.prompt) : DEFAULT_PROBE_OPTIONS.body;
  return {
    ...DEFAULT_PROBE_OPTIONS,
    body,
    headers: parseHeaders(f.header),
    ...(f.origin !== undefined ? { origin: new URL(parseBaseUrl(f.origin, '--origin')).origin } : {}),
    encoding: f.identity ? 'identity' : f.compressed || !mode.encodingCheck ? 'browser' : 'auto',
    idField: f.idField,
    enqueuePath: f.enqueuePath,
    streamPath: f.streamPath,
    jobStatusPath: f.jobStatusPath,
    attempts: parseInteger(f.attempts, '--attempts', 0, 100),
    retryDelayMs: parseDuration(f.retryDelay, '--retry-delay'),
    timeoutMs: positive(parseDuration(f.timeout, '--timeout'), '--timeout'),
    observeMs: positive(parseDuration(f.observe, '--observe'), '--observe'),
    idleHeartbeats: parseInteger(f.idleHeartbeats, '--idle-heartbeats', 1, 1_000_000),
    terminalEvent: f.terminalEvent,
    heartbeatEvents: f.heartbeatEvent.length > 0 ? f.heartbeatEvent : DEFAULT_PROBE_OPTIONS.heartbeatEvents,
    maxEventBytes: positive(parseSize(f.maxEventSize, '--max-event-size'), '--max-event-size'),
    ...clientOptions(f),
    // TLS files are read and checked here, before any work; proxies come from the environment.
    ...networkOptionsFromFlags(f, mode.env ?? {}, mode.warn),
  };
}

/** `--client`, `--max-reconnects`, `--reconnect-time`, `--cut-after` (see src/probe/browser-client.ts). */
function clientOptions(f: ProbeFlags): Pick<ProbeOptions, 'client' | 'maxReconnects' | 'reconnectTimeMs' | 'cutAfter'> {
  const client = f.client ?? 'probe';
  if (client !== 'probe' && client !== 'browser' && client !== 'origin') {
    throw usageError('bad-value', `--client: "${client}" is not a client; use probe, browser or origin`);
  }
  return {
    client,
    maxReconnects: parseInteger(f.maxReconnects ?? String(DEFAULT_MAX_RECONNECTS), '--max-reconnects', 0, 1000),
    reconnectTimeMs: parseDuration(f.reconnectTime ?? '3s', '--reconnect-time'),
    ...(f.cutAfter !== undefined ? { cutAfter: parseInteger(f.cutAfter, '--cut-after', 1, 1_000_000) } : {}),
  };
}

function positive(n: number, flag: string): number {
  if (n <= 0) throw usageError('bad-value', `${flag} must be greater than 0`);
  return n;
}
