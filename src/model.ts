/**
 * Plain data shared by probe/, classify/, load/ and report/. No runtime dependencies.
 *
 * Every time in a Transcript is **milliseconds since the enqueue request was sent** (T0),
 * measured with a monotonic clock, so phases compare without wall-clock skew.
 */

/** A transport failure turned into data: the error's stable codes, never its prose alone. */
export interface NetError {
  /** The most specific code found on the error or its `cause` chain (`ECONNREFUSED`, `UND_ERR_SOCKET`, ...). */
  code: string;
  /** Every code on the cause chain, outermost first. */
  codes: string[];
  /** Human-readable message of the innermost error, for the report only. */
  message: string;
}

/** One thing read off the stream: a dispatched event or a comment line. */
export interface StreamRecord {
  kind: 'event' | 'comment';
  /** Event type (`message` when the frame had no `event:` field); `comment` for comments. */
  type: string;
  /** Arrival time, ms since T0. */
  atMs: number;
  /** Index of the network read (chunk) that completed this record, counting from 0. */
  read: number;
  /** `data.node` of a JSON envelope, when present. */
  node?: string;
  /** Last event ID in force when the event was dispatched (persisted across events, per the spec). */
  id?: string;
  /** The event data (or comment text), cut to the transcript's preview limit. */
  data: string;
  /** True when `data` was cut. */
  truncated?: boolean;
}

/** How a stream attempt ended. */
export type AttemptEnd =
  | 'terminal' // the client saw the terminal event and closed
  | 'observe' // --observe elapsed
  | 'idle' // only heartbeats for too long; the client gave up waiting
  | 'eof' // the server ended the body
  | 'error' // transport error (reset, timeout, aborted)
  | 'oversized' // an event or line exceeded the buffer limit
  | 'interrupted' // the caller's signal aborted the run
  | 'rejected' // non-200 or non-SSE answer: body read and discarded
  | 'cut'; // ssedoctor closed the connection on purpose: --cut-after, a load's --storm-at, or the origin hook after an `event: error`

/** One redirect followed by a stream request (EventSource follows them, WHATWG §9.2.2). */
export interface Redirect {
  status: number;
  /** The URL it pointed to, redacted. */
  location: string;
  /** When the redirect answer arrived, ms since T0. */
  atMs: number;
}

/** One GET of the stream endpoint. */
export interface StreamAttempt {
  /** 1-based attempt number. */
  attempt: number;
  url: string;
  /** The Accept-Encoding this request sent (`identity`, or a browser's `gzip, deflate, br, zstd`). */
  acceptEncoding?: string;
  /** Redirects followed before the final answer, in order; a loop or a too-long chain ends on a 3xx status. */
  redirects?: Redirect[];
  requestedMs: number;
  /**
   * `--browser-tabs`: ms the request that got the final answer waited for a free connection (the
   * simulated browser's six per origin) before it was sent; the GET went out that much after it was
   * made (see classify/server-wait.ts finalRequestMs).
   */
  connectionWaitMs?: number;
  headersMs?: number;
  firstByteMs?: number;
  /** Arrival of the last body bytes read, ms since T0 (with `endMs`: how long the stream sat idle before it closed). */
  lastByteMs?: number;
  endMs?: number;
  status?: number;
  /** Response headers, lower-cased names; secrets redacted. */
  headers?: Record<string, string>;
  /** HTTP version of the final answer: `h2` (negotiated by ALPN with --http2) or `http/1.1`. */
  protocol?: 'h2' | 'http/1.1';
  /** The forward proxy this request went through (from HTTP(S)_PROXY), redacted; absent: direct. */
  proxy?: string;
  /** Up to 2 KiB of a non-SSE body (404 detail, proxy page...). */
  bodyPreview?: string;
  end?: AttemptEnd;
  error?: NetError;
  /** Network reads and body bytes received. */
  reads: number;
  bytes: number;
  /** Records kept (capped); `recordsDropped` counts what did not fit. */
  records: StreamRecord[];
  recordsDropped: number;
  /** Count per event type, comments under `comment`. Never capped. */
  counts: Record<string, number>;
  /** Parser warnings (unknown fields, bad retry), capped. */
  warnings: string[];
  /** `retry:` value in ms, if the server sent one. */
  retryMs?: number;
  /** Bytes of an event left unterminated when the stream ended. */
  pendingBytes?: number;
  /** Why and how this request followed an earlier one (browser client or --cut-after only). */
  reconnect?: AttemptReconnect;
}

/** How a stream request followed the one before it (see src/probe/browser-client.ts). */
export interface AttemptReconnect {
  /**
   * `reconnect`: the stream before was open and ended, broke or was cut (an EventSource's
   * reestablish, or the origin hook's); `error-event`: the origin hook closed an open stream
   * `--retry-delay` after a server `event: error` and opened a new one at once; `failed-retry`: the one
   * before opened no stream (a decision-set 404; with the origin client any failure) and the hook tried again.
   */
  reason: 'reconnect' | 'error-event' | 'failed-retry';
  /** Pause before this request, ms (for `error-event`: from the error event, the old stream staying open meanwhile). */
  delayMs: number;
  /** Where the pause came from: the server's `retry:`, the browser default, or `--retry-delay` (the origin hook's fixed delay). */
  delaySource: 'retry' | 'browser-default' | 'retry-delay';
  /** The `Last-Event-ID` header sent, when an id had been seen (browser client only). */
  lastEventId?: string;
  /** Part of `delayMs` drawn at random after a reconnect storm's cut (`load --storm-jitter`), ms. */
  jitterMs?: number;
  /** True when the stream URL's `replay` parameter was set to 0 for this request, as the origin hook does after the first open. */
  replayOff?: boolean;
}

/** How the stream requests of a run were made, when they went beyond the default probe's 404 retries. */
export interface StreamSession {
  /** `browser`: EventSource reconnection; `origin`: the origin frontend hook's; `probe`: the default client, here with a --cut-after reconnect. */
  client: 'browser' | 'origin' | 'probe';
  /** Streams re-established after an open stream ended, broke or was cut. */
  reconnects: number;
  /** The bound on reconnects (--max-reconnects). */
  maxReconnects: number;
  /** Why no further request was made. */
  stoppedBy: SessionStop;
  /** The deliberate cut (--cut-after), when it happened. */
  cut?: { afterEvents: number; attempt: number; atMs: number };
  /** The reconnect storm's cut (`load --storm-at`): the open stream of `attempt` closed at `atMs` (ms since T0). */
  storm?: { attempt: number; atMs: number };
}

/** Why a browser-like session made no further request. */
export type SessionStop =
  | 'terminal' // the terminal event arrived
  | 'done' // the attempt ended in a way that needs no reconnect (idle, observe, oversized, the default client's end)
  | 'fail' // 204, another non-200 or a non-event-stream answer: an EventSource fails the connection
  | 'attempts' // decision-set 404s (origin client: any failures) past --attempts, in a row
  | 'max-reconnects' // --max-reconnects reached
  | 'deadline' // the next reconnect would start after --observe
  | 'interrupted'; // the caller's signal

/** The enqueue request (POST). */
export interface EnqueuePhase {
  url: string;
  sentMs: number;
  headersMs?: number;
  doneMs?: number;
  status?: number;
  headers?: Record<string, string>;
  bodyPreview?: string;
  /** The stream id taken from the response, when found. */
  id?: string;
  /** `job_id` from the response, when present. */
  jobId?: string;
  /** Why no id could be taken from a 2xx answer. */
  problem?: string;
  error?: NetError;
}

/** A job-status lookup made when the stream showed no terminal event (origin §7.4-7.5). */
export interface JobStatusCheck {
  url: string;
  atMs: number;
  httpStatus?: number;
  /** The `status` field of the answer (`queued`, `running`, `completed`...). */
  status?: string;
  error?: NetError;
}

/** Everything one enqueue→stream run observed. Input to the pure classifier. */
export interface Transcript {
  /** Wall-clock start (ISO 8601), for humans only. */
  startedAt: string;
  /** Wall-clock time of T0 in fractional epoch ms, to line client times up with server timestamps and logs. */
  t0EpochMs: number;
  enqueue: EnqueuePhase;
  attempts: StreamAttempt[];
  /** Event type that ends a run (default `workflow-complete`). */
  terminalEvent: string;
  /** Event types counted as heartbeats rather than progress. */
  heartbeatEvents: string[];
  /** The `Origin` sent (`--origin`), to check the answers' CORS headers as a browser page would. */
  origin?: string;
  /** Job status, looked up when the stream ended without the terminal event. */
  jobStatus?: JobStatusCheck;
  /** Set when the run used `--client browser` or `--cut-after`: reconnects and why they stopped. */
  session?: StreamSession;
  /**
   * A second run asking for `identity`, made when the browser-like stream came back compressed and
   * did not deliver progress: it tells compression holding events back from a silent job.
   */
  encodingCheck?: EncodingCheck;
  /** Total run time, ms since T0. */
  endMs: number;
}

/** The identity-encoded comparison run of a Transcript (its times are ms since its own enqueue). */
export interface EncodingCheck {
  /** Accept-Encoding of its stream request, normally `identity`. */
  acceptEncoding: string;
  transcript: Omit<Transcript, 'encodingCheck'>;
}
