/**
 * One GET of the stream endpoint: records status, headers and the arrival time and read index
 * of every event and comment, and closes the stream itself at the terminal event, when only
 * heartbeats keep coming, or when the observation window ends. Redirects are followed as a
 * browser's fetch does, so each hop is recorded. This file makes the attempt and its request;
 * stream-watch.ts watches the answer.
 */
import type { Dispatcher } from 'undici';
import type { StreamAttempt } from '../model.js';
import { withHeaderDefaults, withUserinfo } from './http.js';
import { proxyFor } from './network.js';
import type { ProbeOptions } from './options.js';
import { redactHeaders, redactUrl } from './redact.js';
import type { StepInput } from './steps.js';
import { StreamWatch } from './stream-watch.js';

export interface AttachRequest {
  url: string;
  /** `url` as reports show it, when the caller has it already (see redact.ts); made here otherwise. */
  shownUrl?: string;
  attempt: number;
  /** End of the observation window, ms since T0. */
  deadlineMs: number;
  dispatcher: Dispatcher;
  /** Clock: ms since T0. */
  since: () => number;
  /** `identity`, or the browser's list (then the body is decoded). */
  acceptEncoding: string;
  options: Pick<
    ProbeOptions,
    'headers' | 'terminalEvent' | 'heartbeatEvents' | 'idleHeartbeats' | 'maxEventBytes' | 'maxRecords' | 'previewChars' | 'signal' | 'maxRedirects' | 'http2' | 'proxy'
  >;
  /** Reports each step as it happens (live output); times are added by the caller. */
  emit?: ((step: StepInput) => void) | undefined;
}

/** The headers as sent, including the Basic credentials a URL's userinfo becomes (for live output). */
function shownHeaders(url: string, headers: Record<string, string>): Record<string, string> {
  try {
    return withUserinfo(new URL(url), headers);
  } catch {
    return headers;
  }
}

/** The stream request's own headers per Accept-Encoding (a load uses one or two). */
const streamHeaderSets = new Map<string, Readonly<Record<string, string>>>();
function streamHeaders(acceptEncoding: string): Readonly<Record<string, string>> {
  let h = streamHeaderSets.get(acceptEncoding);
  if (!h) {
    if (streamHeaderSets.size >= 16) streamHeaderSets.clear();
    streamHeaderSets.set(acceptEncoding, (h = { accept: 'text/event-stream', 'cache-control': 'no-cache', 'accept-encoding': acceptEncoding }));
  }
  return h;
}

/** Opens the stream and watches it; never rejects for transport or HTTP failures. */
export function attach(req: AttachRequest): Promise<StreamAttempt> {
  const { options, since } = req;
  const attempt: StreamAttempt = {
    attempt: req.attempt,
    url: req.shownUrl ?? redactUrl(req.url),
    acceptEncoding: req.acceptEncoding,
    requestedMs: since(),
    reads: 0,
    bytes: 0,
    records: [],
    recordsDropped: 0,
    counts: {},
    warnings: [],
  };
  const proxy = proxyFor(req.url, options.proxy);
  if (proxy) attempt.proxy = redactUrl(proxy);
  const requestHeaders = withHeaderDefaults(streamHeaders(req.acceptEncoding), options.headers);
  // Optional calls: without live output the steps (and their header copies) are never built.
  req.emit?.({ kind: 'stream-requested', attempt: req.attempt, url: attempt.url, headers: redactHeaders(shownHeaders(req.url, requestHeaders)) });
  if (options.signal?.aborted) {
    req.emit?.({ kind: 'end', attempt: req.attempt, end: 'interrupted', reads: 0, bytes: 0 });
    return Promise.resolve({ ...attempt, end: 'interrupted' });
  }
  return new Promise((resolve) => new StreamWatch(req, attempt, resolve).start(requestHeaders));
}
