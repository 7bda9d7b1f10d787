/** Settings of one probe run (enqueue → stream), with the defaults a user gets. */
import type { Dispatcher } from 'undici';
import type { ProxySettings, TlsSettings } from './network.js';
import type { ProbeStep } from './steps.js';

/**
 * How the stream request asks for content codings:
 * - `auto`: as a browser does (`gzip, deflate, br`); when that stream comes back compressed and
 *   delivers no progress, a second enqueue + identity attach tells compression from a silent job;
 * - `browser`: as a browser does, no comparison run (load);
 * - `identity`: `Accept-Encoding: identity`, the stream's own timing.
 */
export type EncodingMode = 'auto' | 'browser' | 'identity';

/** What a browser sends, minus `zstd`, which Node 20's zlib cannot decode. */
export const BROWSER_ACCEPT_ENCODING = 'gzip, deflate, br';

/**
 * How stream requests are made:
 * - `probe`: the default diagnostic client: reconnects only after a decision-set 404, as the origin frontend;
 * - `browser`: an EventSource's reconnection on top (after `retry:` or 3 s, with `Last-Event-ID`), see browser-client.ts;
 * - `origin`: the origin frontend hook's own loop: a new EventSource after `--retry-delay` on every error,
 *   `event: error` included, `replay=0` once open, no Last-Event-ID.
 */
export type ClientMode = 'probe' | 'browser' | 'origin';

/** Reconnects after an open stream ended that the browser client makes at most, by default. */
export const DEFAULT_MAX_RECONNECTS = 10;

export interface ProbeOptions {
  /** Base URL of the API, e.g. `http://127.0.0.1:8000`. */
  baseUrl: string;
  /** Enqueue path (POST). */
  enqueuePath: string;
  /** Stream path; `{id}` is replaced by the URL-encoded id. */
  streamPath: string;
  /** Enqueue request body (JSON text). */
  body: string;
  /** Job-status path; `{job_id}` is replaced. Looked up when a stream shows no terminal event; '' disables. */
  jobStatusPath: string;
  /** Extra request headers sent on both requests. */
  headers: Record<string, string>;
  /** Send this `Origin` (a browser page's) and check the CORS answer. */
  origin?: string;
  /** Content codings the stream request accepts (default `auto`: a browser's, checked against identity). */
  encoding: EncodingMode;
  /** @deprecated Same as `encoding: 'browser'`. */
  compressed?: boolean;
  /** Redirects followed per stream request before it ends on the 3xx (fetch and EventSource: 20). */
  maxRedirects: number;
  /** Dotted path of the stream id in the enqueue response. */
  idField: string;
  /** Reconnects after a 404, as the origin frontend's `reconnectAttempts`. */
  attempts: number;
  /** Pause before each reconnect, ms (the frontend's fixed `reconnectDelay`). */
  retryDelayMs: number;
  /** Limit for connecting and for response headers, per request, ms. */
  timeoutMs: number;
  /** Longest time the stream is watched for the terminal event, ms. */
  observeMs: number;
  /** Give up after this many consecutive heartbeat events with no progress in between. */
  idleHeartbeats: number;
  /** Event type that ends the run. */
  terminalEvent: string;
  /** Event types that are keep-alives, not progress. */
  heartbeatEvents: string[];
  /** Largest line or event accepted, bytes (characters); bounds memory whatever the server sends. */
  maxEventBytes: number;
  /** Records kept in the transcript; later ones are counted, not stored. */
  maxRecords: number;
  /** Characters of data kept per record. */
  previewChars: number;
  /** Stream client (default `probe`). */
  client?: ClientMode;
  /** Bound on reconnects after an open stream ended, browser client (default {@link DEFAULT_MAX_RECONNECTS}). */
  maxReconnects?: number;
  /** Browser client: reconnection time until the server sends `retry:`, ms (default 3000, Chromium's). */
  reconnectTimeMs?: number;
  /** Drop the stream on purpose after this many meaningful events, then reconnect (the resume check). */
  cutAfter?: number;
  /** A load's reconnect storm (`--storm-at`): when it fires, every open stream is cut and reconnects as its client does, plus up to `jitterMs`. */
  storm?: StormTrigger;
  /** Aborts the run (Ctrl-C); what was observed so far is kept. */
  signal?: AbortSignal;
  /** TLS trust and client certificate (PEM text, so the options cross to worker threads). */
  tls?: TlsSettings;
  /** Offer HTTP/2 by ALPN on TLS connections; the protocol used is recorded per attempt. */
  http2?: boolean;
  /** Forward proxies (from `HTTP_PROXY`/`HTTPS_PROXY`/`NO_PROXY`); undefined: direct. */
  proxy?: ProxySettings;
  /** Source addresses of the connections (`load --local-address`), spread over runs; undefined: the system picks. */
  localAddresses?: string[];
  /** Shared connection pool (load runs); a private one is made otherwise. */
  dispatcher?: Dispatcher;
  /** Called as each step happens (requests, heads, redirects, records, ends), for live output. */
  onStep?: (step: ProbeStep) => void;
}

/**
 * A load's reconnect storm as a run sees it (src/load/storm.ts). A set of callbacks rather than an
 * AbortSignal: thousands of runs subscribe and unsubscribe, which an EventTarget does in O(listeners).
 */
export interface StormTrigger {
  /** True once the storm has fired (a later stream is not cut). */
  readonly fired: boolean;
  /** Calls `cut` when the storm fires; returns the unsubscribe. */
  on(cut: () => void): () => void;
  /** Widest extra reconnect delay, uniform random, ms; 0 = none. */
  jitterMs: number;
}

/** The origin frontend's WorkflowVisualization uses 5 reconnects, 2500 ms apart. */
export const DEFAULT_PROBE_OPTIONS: Omit<ProbeOptions, 'baseUrl'> = {
  enqueuePath: '/api/chat/async',
  streamPath: '/api/streams/{id}',
  body: JSON.stringify({ messages: [{ role: 'user', content: 'ssedoctor probe' }] }),
  jobStatusPath: '/api/jobs/{job_id}/status',
  headers: {},
  idField: 'decision_set_id',
  encoding: 'auto',
  maxRedirects: 20,
  attempts: 5,
  retryDelayMs: 2500,
  timeoutMs: 15_000,
  observeMs: 120_000,
  idleHeartbeats: 2,
  terminalEvent: 'workflow-complete',
  heartbeatEvents: ['heartbeat', 'ping', 'keepalive'],
  maxEventBytes: 1024 * 1024,
  maxRecords: 5000,
  previewChars: 2048,
};
