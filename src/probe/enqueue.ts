/** The enqueue step: POST the job and take the stream id from the answer. */
import type { Dispatcher } from 'undici';
import type { EnqueuePhase } from '../model.js';
import { fetchSmall, withHeaderDefaults, withUserinfo } from './http.js';
import { toNetError } from './net-error.js';
import { redactHeaders, redactUrl } from './redact.js';
import type { StepInput } from './steps.js';

/** Enqueue answers are small JSON; anything past this is cut (bytes). */
const MAX_ENQUEUE_BODY = 1024 * 1024;
const PREVIEW_CHARS = 2048;
const ENQUEUE_HEADERS = { 'content-type': 'application/json', accept: 'application/json' };

export interface EnqueueRequest {
  url: string;
  /** `url` as reports show it, when the caller has it already (see redact.ts); made here otherwise. */
  shownUrl?: string;
  body: string;
  headers: Record<string, string>;
  idField: string;
  dispatcher: Dispatcher;
  signal?: AbortSignal;
  /** Clock: ms since T0. */
  since: () => number;
  /** Reports the request and its answer as they happen (live output). */
  emit?: ((step: StepInput) => void) | undefined;
}

/** Sends the POST; never throws for transport or HTTP failures (they are recorded). */
export function enqueue(req: EnqueueRequest): Promise<EnqueuePhase> {
  const emit = req.emit;
  // Without live output, the answer is the POST's own promise (no second one per run).
  if (!emit) return send(req);
  return send(req).then((phase) => {
    emit({
      kind: 'enqueue-answered',
      ...(phase.status !== undefined ? { status: phase.status } : {}),
      ...(phase.id !== undefined ? { id: phase.id } : {}),
      ...(phase.problem !== undefined ? { problem: phase.problem } : {}),
      ...(phase.error ? { error: phase.error } : {}),
      ...(phase.headers ? { headers: phase.headers } : {}),
      ...(phase.bodyPreview !== undefined ? { body: phase.bodyPreview } : {}),
    });
    return phase;
  });
}

async function send(req: EnqueueRequest): Promise<EnqueuePhase> {
  const phase: EnqueuePhase = { url: req.shownUrl ?? redactUrl(req.url), sentMs: req.since() };
  const headers = withHeaderDefaults(ENQUEUE_HEADERS, req.headers);
  if (req.emit) {
    let sent: Record<string, string> = headers;
    try {
      sent = withUserinfo(new URL(req.url), headers); // what goes on the wire, as http.ts sends it
    } catch {
      // an invalid URL fails in fetchSmall below, as data
    }
    req.emit({ kind: 'enqueue-sent', url: phase.url, headers: redactHeaders(sent) });
  }
  try {
    const res = await fetchSmall(
      req.dispatcher,
      req.url,
      { method: 'POST', body: req.body, headers },
      { limit: MAX_ENQUEUE_BODY, clock: req.since, signal: req.signal },
    );
    phase.headersMs = res.headAt;
    phase.doneMs = req.since();
    phase.status = res.status;
    phase.headers = redactHeaders(res.headers);
    phase.bodyPreview = res.body.slice(0, PREVIEW_CHARS);
    if (res.status < 200 || res.status > 299) return phase;
    let json: unknown;
    try {
      json = JSON.parse(res.body);
    } catch {
      phase.problem = 'the enqueue answer is not JSON';
      return phase;
    }
    const id = pick(json, req.idField);
    if (typeof id === 'string' || typeof id === 'number') phase.id = String(id);
    else phase.problem = `the enqueue answer has no "${req.idField}" field`;
    const jobId = pick(json, 'job_id');
    if (typeof jobId === 'string') phase.jobId = jobId;
  } catch (err) {
    phase.error = toNetError(err);
    phase.doneMs = req.since();
  }
  return phase;
}

/** Follows a dotted path (`data.id`) into parsed JSON. */
function pick(value: unknown, path: string): unknown {
  let v = value;
  for (const key of path.split('.')) {
    if (typeof v !== 'object' || v === null) return undefined;
    v = (v as Record<string, unknown>)[key];
  }
  return v;
}
