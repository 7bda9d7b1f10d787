/**
 * One diagnosed run: enqueue, attach to the stream at once, reconnect after a 404 the way the
 * origin frontend does, and return the full Transcript. Never throws for anything the target
 * does; only a programming error would.
 */
import type { Dispatcher } from 'undici';
import type { JobStatusCheck, StreamAttempt, StreamSession, Transcript } from '../model.js';
import { isRoutingNotFound } from '../wire.js';
import { attach } from './attach.js';
import { runStreamSession } from './browser-client.js';
import { createDispatcher } from './dispatcher.js';
import { enqueue } from './enqueue.js';
import { fetchSmall } from './http.js';
import { toNetError } from './net-error.js';
import { redactUrl } from './redact.js';
import { BROWSER_ACCEPT_ENCODING, DEFAULT_PROBE_OPTIONS, type ProbeOptions } from './options.js';
import type { ProbeRun, ProbeStep, StepInput } from './steps.js';
import { followAbort, sleep } from './sleep.js';

/**
 * Joins a base URL and a path, keeping the base's path prefix (`https://h/prefix` + `/api/x`) and
 * its query: a token in the base URL's query goes with every request, after the path's own
 * parameters (`/api/streams/{id}?replay=1`). An absolute `path` is used as it is.
 */
export function joinUrl(base: string, path: string): string {
  if (/^https?:\/\//i.test(path)) return path;
  const url = new URL(base);
  const q = path.indexOf('?');
  const pathname = q < 0 ? path : path.slice(0, q);
  const params = new URLSearchParams(q < 0 ? '' : path.slice(q + 1));
  for (const [k, v] of new URLSearchParams(url.search)) params.append(k, v);
  url.pathname = `${url.pathname.replace(/\/+$/, '')}/${pathname.replace(/^\/+/, '')}`;
  url.search = params.toString();
  url.hash = '';
  return url.toString();
}

/** Stands for a placeholder's value while a URL template is joined (it survives URL and query encoding). */
const MARK = 'ssedoctor-value-7f3a';
/** A joined template, as requested and as reported (redacted), split where the value goes. */
interface JoinedTemplate {
  url: string[];
  shown: string[];
}
/**
 * Joined templates by base, then path, then placeholder: a load run asks for the same few thousands
 * of times a second, with the same string objects, whose hashes V8 keeps (a joined key would be a
 * new string to hash each time).
 */
const joined = new Map<string, Map<string, Map<string, JoinedTemplate>>>();

function joinedTemplate(base: string, path: string, key: string): JoinedTemplate {
  let byPath = joined.get(base);
  if (!byPath) {
    if (joined.size >= 16) joined.clear(); // bounded: a long-lived library user may probe many bases
    joined.set(base, (byPath = new Map()));
  }
  let byKey = byPath.get(path);
  if (!byKey) {
    if (byPath.size >= 64) byPath.clear();
    byPath.set(path, (byKey = new Map()));
  }
  let t = byKey.get(key);
  if (t === undefined) {
    const url = joinUrl(base, path.replaceAll(key, MARK));
    // Redacted once per template: a value in a query is redacted with it, one in the path is kept.
    t = { url: url.split(MARK), shown: redactUrl(url).split(MARK) };
    byKey.set(key, t);
  }
  return t;
}

/** `joinUrl` of a path template whose `key` placeholder (e.g. `{id}`) is filled with `value`, URL-encoded. */
export function joinTemplate(base: string, path: string, key = '{id}', value = ''): string {
  const parts = joinedTemplate(base, path, key).url;
  return parts.length === 1 ? parts[0]! : parts.join(encodeURIComponent(value));
}

/** {@link joinTemplate} as reports show it: `redactUrl` of the joined URL, made once per template. */
export function shownTemplate(base: string, path: string, key = '{id}', value = ''): string {
  const encoded = encodeURIComponent(value);
  // The one character encodeURIComponent keeps that a query gets re-encoded: redact the whole URL then.
  if (encoded.includes("'")) return redactUrl(joinTemplate(base, path, key, value));
  const parts = joinedTemplate(base, path, key).shown;
  return parts.length === 1 ? parts[0]! : parts.join(encoded);
}

/**
 * `input` with every default filled in and the `Origin` header set. A load does this once and
 * hands the result to its thousands of runs through {@link runCompleteProbe}.
 */
export function withProbeDefaults<T extends Partial<ProbeOptions> & Pick<ProbeOptions, 'baseUrl'>>(input: T): ProbeOptions & Omit<T, keyof ProbeOptions> {
  const merged = { ...DEFAULT_PROBE_OPTIONS, ...input } as ProbeOptions & T;
  if (input.compressed && input.encoding === undefined) merged.encoding = 'browser';
  return merged.origin ? { ...merged, headers: { ...merged.headers, origin: merged.origin } } : merged;
}

/** Runs the probe. `options` may omit anything that has a default. */
export function runProbe(input: Partial<ProbeOptions> & Pick<ProbeOptions, 'baseUrl'>): Promise<Transcript> {
  return runCompleteProbe(withProbeDefaults(input));
}

/**
 * {@link runProbe} with options that went through {@link withProbeDefaults} already, on
 * `dispatcher` (default: `options.dispatcher`, else a private one). A load passes its pool here
 * rather than in a copy of the options per run (a 30-key copy is ≈ 0.2 KiB per open stream).
 */
export function runCompleteProbe(options: ProbeOptions, dispatcher = options.dispatcher): Promise<Transcript> {
  // No async frame of this function stays on each open stream.
  if (dispatcher) return runChecked(options, dispatcher);
  let own: Dispatcher;
  try {
    own = createDispatcher(options.timeoutMs, undefined, options);
  } catch (err) {
    return Promise.reject(err); // as the async function it replaces would
  }
  // Never-ending streams keep sockets open; a private pool is torn down, not drained.
  const destroy = (): Promise<void> => own.destroy();
  return runChecked(options, own).then(
    (t) => destroy().then(() => t),
    (err: unknown) => destroy().then(() => Promise.reject(err)),
  );
}

/** The main run, then the identity check when the main run calls for one (see encodingSuspect). */
function runChecked(options: ProbeOptions, dispatcher: Dispatcher): Promise<Transcript> {
  const t0 = performance.now();
  const main = runOnce(options, dispatcher, t0, 'main');
  if (options.encoding !== 'auto') return main;
  return main.then((m) => {
    const why = options.signal?.aborted ? undefined : encodingSuspect(m);
    return why ? withIdentityCheck(m, why, options, dispatcher, t0) : m;
  });
}

/** The browser-like stream came compressed and silent: is it the compression or the job? */
async function withIdentityCheck(main: Transcript, why: string, options: ProbeOptions, dispatcher: Dispatcher, t0: number): Promise<Transcript> {
  // A fresh job, one attach, identity: no reconnects, so it cannot outlast the main run.
  const step = { kind: 'encoding-check', reason: why, atMs: performance.now() - t0, run: 'identity-check' } as const;
  options.onStep?.(step);
  const check = await runOnce({ ...options, encoding: 'identity', attempts: 0, client: 'probe', cutAfter: undefined }, dispatcher, t0, 'identity-check');
  // endMs stays the main run's: the check keeps its own times, from its own enqueue.
  return { ...main, encodingCheck: { acceptEncoding: 'identity', transcript: check } };
}

/**
 * Why the main run calls for an identity comparison run, or undefined: the stream that opened
 * came back with a Content-Encoding and delivered no meaningful event (only heartbeats and
 * comments, or nothing) before it ended or the client gave up.
 */
export function encodingSuspect(t: Transcript): string | undefined {
  const a = t.attempts.filter((x) => x.status === 200).at(-1);
  const coding = a?.headers?.['content-encoding']?.trim().toLowerCase();
  if (!a || !coding || coding === 'identity') return undefined;
  const quiet = new Set(['comment', ...t.heartbeatEvents]);
  const progress = Object.entries(a.counts).some(([type, n]) => n > 0 && !quiet.has(type));
  if (progress) return undefined;
  return `the stream came with Content-Encoding: ${coding} and delivered no event other than heartbeats and comments in ${Math.round((a.endMs ?? t.endMs) - a.requestedMs)} ms`;
}

/** The last millisecond formatted: a load starts several runs in the same one. */
let lastMs = NaN;
let lastIso = '';
/** `new Date(epochMs).toISOString()`, made once per millisecond (ISO time has millisecond precision). */
export function isoTime(epochMs: number): string {
  const ms = Math.floor(epochMs);
  if (ms !== lastMs) {
    lastMs = ms;
    lastIso = new Date(ms).toISOString();
  }
  return lastIso;
}

/** One enqueue → stream run on `dispatcher`; `t0` is the main run's, for live step times. */
async function runOnce(options: ProbeOptions, dispatcher: Dispatcher, mainT0: number, run: ProbeRun): Promise<Transcript> {
  const t0 = performance.now();
  const since = (): number => performance.now() - t0;
  const t0EpochMs = performance.timeOrigin + t0;
  const startedAt = isoTime(t0EpochMs);
  const offset = t0 - mainT0;
  const onStep = options.onStep;
  const emit = onStep ? (step: StepInput): void => onStep({ ...step, atMs: since() + offset, run } as ProbeStep) : undefined;
  const acceptEncoding = options.encoding === 'identity' ? 'identity' : BROWSER_ACCEPT_ENCODING;

  const enq = await enqueue({
    url: joinTemplate(options.baseUrl, options.enqueuePath),
    shownUrl: shownTemplate(options.baseUrl, options.enqueuePath),
    body: options.body,
    headers: options.headers,
    idField: options.idField,
    dispatcher,
    signal: options.signal,
    since,
    emit,
  });
  const attempts: StreamAttempt[] = [];
  let session: StreamSession | undefined;
  if (enq.id !== undefined) {
    const url = joinTemplate(options.baseUrl, options.streamPath, '{id}', enq.id);
    const shown = shownTemplate(options.baseUrl, options.streamPath, '{id}', enq.id);
    // One string when nothing was redacted: an open stream keeps both.
    const shownUrl = shown === url ? url : shown;
    const deadlineMs = since() + options.observeMs;
    // A browser's reconnects and the resume check live in browser-client.ts.
    if ((options.client ?? 'probe') !== 'probe' || options.cutAfter !== undefined || options.storm !== undefined) {
      session = await runStreamSession({ url, deadlineMs, dispatcher, since, options, acceptEncoding, emit }, attempts);
    } else for (let n = 1; n <= options.attempts + 1; n++) {
      const a = await attach({ url, shownUrl, attempt: n, deadlineMs, dispatcher, since, options, acceptEncoding, emit });
      attempts.push(a);
      // Retry a missing job as the frontend does; a routing 404 (wrong path) cannot heal.
      const retry = a.status === 404 && !isRoutingNotFound(a.status, a.bodyPreview) && n <= options.attempts && since() + options.retryDelayMs < deadlineMs;
      if (!retry || !(await sleep(options.retryDelayMs, options.signal))) break;
    }
  }
  const last = attempts.at(-1);
  const unfinished = last?.status === 200 && (last.end === 'idle' || last.end === 'observe');
  const jobStatus =
    unfinished && enq.jobId && options.jobStatusPath
      ? await checkJobStatus(joinTemplate(options.baseUrl, options.jobStatusPath, '{job_id}', enq.jobId), options, dispatcher, since)
      : undefined;
  return {
    startedAt,
    t0EpochMs,
    enqueue: enq,
    attempts,
    terminalEvent: options.terminalEvent,
    heartbeatEvents: options.heartbeatEvents,
    ...(options.origin ? { origin: options.origin } : {}),
    ...(jobStatus ? { jobStatus } : {}),
    ...(session ? { session } : {}),
    endMs: since(),
  };
}

/** Asks the job-status endpoint what became of the job: queued, running, completed... */
async function checkJobStatus(url: string, options: ProbeOptions, dispatcher: Dispatcher, since: () => number): Promise<JobStatusCheck> {
  const check: JobStatusCheck = { url: redactUrl(url), atMs: since() };
  // Bounded as a whole: an endpoint that answers with a body that never ends must not hold the run.
  const bound = new AbortController();
  const ms = options.timeoutMs;
  const timer = setTimeout(() => bound.abort(Object.assign(new Error(`no complete answer within ${ms} ms`), { code: 'SSEDOCTOR_TIMEOUT' })), ms);
  const unlink = followAbort(options.signal, bound);
  try {
    const res = await fetchSmall(
      dispatcher,
      url,
      { method: 'GET', headers: { accept: 'application/json', ...options.headers } },
      { limit: 64 * 1024, clock: since, signal: bound.signal },
    );
    check.httpStatus = res.status;
    const status = (JSON.parse(res.body) as { status?: unknown }).status;
    if (typeof status === 'string') check.status = status;
  } catch (err) {
    if (err instanceof SyntaxError) return check; // not JSON: the HTTP status is all there is
    check.error = toNetError(err);
  } finally {
    clearTimeout(timer);
    unlink();
  }
  return check;
}
