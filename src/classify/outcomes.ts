/**
 * The outcome taxonomy: one table that the classifier returns codes from and that the terminal
 * report, the JSON document, JUnit text and the README all render from.
 */

export type OutcomeCode =
  | 'healthy'
  | 'early-404'
  | 'heartbeat-only'
  | 'stalled'
  | 'error-event'
  | 'closed-early'
  | 'not-sse'
  | 'http-error'
  | 'enqueue-failed'
  | 'timeout'
  | 'malformed-stream'
  | 'unreachable'
  | 'client-limit'
  | 'interrupted';

export interface OutcomeInfo {
  code: OutcomeCode;
  /** `ok` only for healthy. */
  severity: 'ok' | 'fail' | 'aborted';
  /** Process exit code of a single `verify` run with this outcome. */
  exitCode: 0 | 1 | 3 | 4 | 130;
  /** One line: what happened. */
  summary: string;
  /** One or two sentences: the likely cause and the fix. */
  hint: string;
}

/** Every outcome, in report order (healthy first, then by how early in the run it strikes). */
export const OUTCOMES: readonly OutcomeInfo[] = [
  {
    code: 'healthy',
    severity: 'ok',
    exitCode: 0,
    summary: 'The stream delivered node events and reached the terminal event.',
    hint: 'Nothing to fix.',
  },
  {
    code: 'unreachable',
    severity: 'fail',
    exitCode: 3,
    summary: 'The target could not be reached: no HTTP answer at all.',
    hint: 'Check the URL and port and that the server runs; without --url, ssedoctor starts its own reference server.',
  },
  {
    code: 'enqueue-failed',
    severity: 'fail',
    exitCode: 1,
    summary: 'The enqueue request failed, so there was no stream to attach to.',
    hint: 'Read the answer body: 422 is request validation (--body), 500 "Failed to create job" on the origin is a reused thread_id; check --id-field if the id was missing.',
  },
  {
    code: 'timeout',
    severity: 'fail',
    exitCode: 1,
    summary: 'The server did not answer (or the stream stayed silent) within the time allowed.',
    hint: 'No head in time: a lookup that waits longer than --timeout (keep --timeout above STREAM_DECISION_SET_MAX_WAIT) or a blocked handler. A stream that opens and stays silent wrote nothing, not even a keep-alive comment: the findings say whether anything held it back.',
  },
  {
    code: 'early-404',
    severity: 'fail',
    exitCode: 1,
    summary: 'The stream endpoint answered 404 before the job\'s decision set was visible.',
    hint: 'The stream endpoint looks the decision set up once and answers 404 before it is persisted; an EventSource fails for good on a 404 (readyState CLOSED, no retry). Poll for it before answering (STREAM_DECISION_SET_RETRY_DELAY / STREAM_DECISION_SET_MAX_WAIT above your slowest persistence), or create the subscription before the enqueue call returns.',
  },
  {
    code: 'http-error',
    severity: 'fail',
    exitCode: 1,
    summary: 'The stream endpoint answered with an HTTP error other than the decision-set 404.',
    hint: 'An EventSource fails for good on any non-200 answer (readyState CLOSED, no retry). 401/403: pass credentials with -H; a routing 404 ({"detail":"Not Found"}) means a wrong --stream-path; a 3xx that ends the chain is a redirect loop or too many hops; 502/503/504 come from a gateway or a down app.',
  },
  {
    code: 'not-sse',
    severity: 'fail',
    exitCode: 1,
    summary: 'The stream answered 200 but not as text/event-stream, which every EventSource rejects (it fails for good, no retry).',
    hint: 'Serve the stream with media type text/event-stream (sse-starlette EventSourceResponse, or StreamingResponse(media_type="text/event-stream")).',
  },
  {
    code: 'malformed-stream',
    severity: 'fail',
    exitCode: 1,
    summary: 'A line or event exceeded the size limit, so the stream was abandoned.',
    hint: 'The server writes a huge or unterminated event: every event must end with a blank line; raise --max-event-size only if such events are intended.',
  },
  {
    code: 'error-event',
    severity: 'fail',
    exitCode: 1,
    summary: 'The server sent a named `error` event: an EventSource delivers it as a MessageEvent to its onerror/"error" listeners ("SSE connection error: MessageEvent") and stays open.',
    hint: 'Fix the failing node named in data.error. The EventSource itself neither closes nor reconnects on it; the page\'s own onerror handler does (the origin frontend closes it and reconnects after 2.5 s), so a node failure looks like a broken connection. Give the event another name (e.g. `node-error`) so it stops reaching onerror.',
  },
  {
    code: 'closed-early',
    severity: 'fail',
    exitCode: 1,
    summary: 'The stream ended before the terminal event.',
    hint: 'The response ended mid-run; an EventSource reconnects after `retry` (about 3 s by default) and gets only what is replayed. Right after the last byte: the server ended it (an exception in the generator, a restart or deploy). Seconds after the last byte: an idle timeout on the path, named in the findings.',
  },
  {
    code: 'stalled',
    severity: 'fail',
    exitCode: 1,
    summary: 'Progress started, then stopped: only heartbeats after the last node event, no terminal event.',
    hint: 'The job hung mid-run: read the worker log at the last node shown and poll the job status endpoint.',
  },
  {
    code: 'heartbeat-only',
    severity: 'fail',
    exitCode: 1,
    summary: 'The stream connected but carried only heartbeats and pings: no workflow progress.',
    hint: 'Nothing published to this stream: check that a worker picked the job up (job status), that it emits into the same process as the stream (several workers or replicas split them), and that the id is the decision_set_id.',
  },
  {
    code: 'client-limit',
    severity: 'aborted',
    exitCode: 4,
    summary: 'ssedoctor itself ran out of a local resource (file descriptors, or local ports): the target was not measured.',
    hint: 'Not the target\'s fault. Too many open files (EMFILE/ENFILE): raise the limit (`ulimit -n`) or lower --concurrency/--max-inflight. No free local port (EADDRNOTAVAIL): fewer connections per target address, or shard the load over processes or machines (--shard).',
  },
  {
    code: 'interrupted',
    severity: 'aborted',
    exitCode: 130,
    summary: 'The run was interrupted before it reached an outcome.',
    hint: 'Run it again and let it finish, or lower --observe.',
  },
];

const BY_CODE = new Map(OUTCOMES.map((o) => [o.code, o]));

/** The table row for a code. */
export function outcomeInfo(code: OutcomeCode): OutcomeInfo {
  return BY_CODE.get(code)!;
}

/** Every outcome code, in table order. */
export const OUTCOME_CODES: readonly OutcomeCode[] = OUTCOMES.map((o) => o.code);
