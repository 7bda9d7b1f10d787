/**
 * In-memory decision sets, jobs and per-stream event history, with bounded memory. The origin
 * keeps every history in process memory forever (streaming_service.py: cut from 1000 to the
 * last 500 entries, never cleared after completion); a reference server that runs 100,000 jobs
 * cannot. What a client can observe is kept: the last REPLAY_COUNT frames (all a replay ever
 * sends), and a finished set for a TTL after workflow-complete so a late attach still gets its
 * run; then the set is forgotten and a lookup 404s as for an unknown id.
 */
import { randomUUID } from 'node:crypto';
import { pythonIsoNow, pythonJson } from './python-format.js';
import type { Scheduler, Task } from './scheduler.js';

/** One encoded SSE frame, ready to write. */
export interface Frame {
  type: string;
  text: string;
}

/** A connected stream that receives live frames. */
export interface Subscriber {
  deliver(frame: Frame): void;
}

export type JobStatus = 'queued' | 'running' | 'waiting_approval' | 'completed' | 'failed';

export interface DecisionSet {
  id: string;
  threadId: string;
  jobId: string;
  /** Monotonic time (ms) from which lookups find it. */
  visibleAtMs: number;
  status: JobStatus;
  /** The most recent frames, oldest first: at most 2 × REPLAY_COUNT, REPLAY_COUNT once finished. */
  history: Frame[];
  subscribers: Set<Subscriber>;
  /** Scheduler time (ms) of workflow-complete; undefined while the job has not finished. */
  finishedAtMs?: number;
}

/** Frames a replay sends (streaming_service.py: the last 50 stored events); older ones are never readable. */
export const REPLAY_COUNT = 50;

/** How long and how many decision sets are kept. */
export interface StoreLimits {
  /** A finished set (workflow-complete sent) is forgotten this long after it finished, ms. */
  finishedTtlMs: number;
  /** Finished sets kept at most; past it the oldest finished is forgotten early. */
  maxFinished: number;
  /** Decision sets kept at most, finished or not (jobs that never finish: stalled, no worker); oldest first. */
  maxSets: number;
}

/** Finished sets are forgotten in batches at most this often, ms (a timer per job would be one per ms under load). */
const SWEEP_EVERY_MS = 1000;

/** Counters for tests, the soak benchmark and anyone curious. */
export interface StoreStats {
  /** Decision sets a lookup can find now (finished or not). */
  decisionSets: number;
  /** Of those, finished and waiting for their TTL. */
  finishedSets: number;
  /** Forgotten because their TTL passed. */
  expired: number;
  /** Forgotten early because a cap was reached. */
  evicted: number;
}

/** Encodes an event exactly as sse-starlette writes the origin's `{"event", "data"}` dicts. */
export function encodeEvent(type: string, decisionSetId: string, data: unknown, message?: string): Frame {
  const envelope: Record<string, unknown> = { type, decision_set_id: decisionSetId, timestamp: pythonIsoNow(), data };
  if (message) envelope.message = message; // the origin adds `message` only when truthy
  // join() yields one flat string; a template literal would keep a rope of its parts alive (≈1.4× the bytes).
  return { type, text: ['event: ', type, '\r\ndata: ', pythonJson(envelope), '\r\n\r\n'].join('') };
}

export class Store {
  /** Every set a lookup can find, in creation order (the cap forgets from the front). */
  private readonly byId = new Map<string, DecisionSet>();
  private readonly byJob = new Map<string, DecisionSet>();
  private readonly threads = new Set<string>();
  /** Finished sets in finishing order, so the TTL and the cap forget from the front. */
  private readonly finished = new Map<string, DecisionSet>();
  private sweepTask: Task | undefined;
  private expired = 0;
  private evicted = 0;

  constructor(
    private readonly scheduler: Scheduler,
    private readonly limits: StoreLimits,
  ) {}

  /** Creates a decision set and its queued job; undefined when the thread id is taken (unique constraint). */
  create(threadId: string | undefined, visibleAtMs: number): DecisionSet | undefined {
    const thread = threadId ?? randomUUID();
    if (this.threads.has(thread)) return undefined;
    const ds: DecisionSet = {
      id: randomUUID(),
      threadId: thread,
      jobId: randomUUID(),
      visibleAtMs,
      status: 'queued',
      history: [],
      subscribers: new Set(),
    };
    this.threads.add(thread);
    this.byId.set(ds.id, ds);
    this.byJob.set(ds.jobId, ds);
    // Oldest first, connected or not: an open stream holds its own reference and keeps working,
    // only new lookups stop finding the set. Map order makes this O(1), never a scan.
    for (const old of this.byId.values()) {
      if (this.byId.size <= this.limits.maxSets) break;
      this.forget(old);
      this.evicted++;
    }
    return ds;
  }

  /** The decision set if a lookup at `nowMs` would find it (persisted by then). */
  lookup(id: string, nowMs: number): DecisionSet | undefined {
    const ds = this.byId.get(id);
    return ds && ds.visibleAtMs <= nowMs ? ds : undefined;
  }

  job(jobId: string): DecisionSet | undefined {
    return this.byJob.get(jobId);
  }

  /** Appends an event to the history and delivers it to every subscriber. */
  emit(ds: DecisionSet, type: string, data: unknown, message?: string): void {
    const frame = encodeEvent(type, ds.id, data, message);
    ds.history.push(frame);
    // Amortised trim: at most 2 × REPLAY_COUNT frames, one slice per REPLAY_COUNT events.
    if (ds.history.length > 2 * REPLAY_COUNT) ds.history = ds.history.slice(-REPLAY_COUNT);
    for (const s of ds.subscribers) s.deliver(frame);
  }

  /** Marks the run finished (workflow-complete sent): its set is kept for the TTL, then forgotten. */
  finish(ds: DecisionSet): void {
    if (ds.finishedAtMs !== undefined || !this.byId.has(ds.id)) return;
    ds.finishedAtMs = this.scheduler.now();
    if (ds.history.length > REPLAY_COUNT) ds.history = ds.history.slice(-REPLAY_COUNT);
    this.finished.set(ds.id, ds);
    for (const old of this.finished.values()) {
      if (this.finished.size <= this.limits.maxFinished) break;
      this.forget(old);
      this.evicted++;
    }
    this.sweepTask ??= this.scheduler.after(this.limits.finishedTtlMs, () => this.sweep());
  }

  /** Sizes and counters (see StoreStats). */
  stats(): StoreStats {
    return { decisionSets: this.byId.size, finishedSets: this.finished.size, expired: this.expired, evicted: this.evicted };
  }

  /** Forgets finished sets past their TTL; re-arms for the next one due. */
  private sweep(): void {
    this.sweepTask = undefined;
    const now = this.scheduler.now();
    for (const ds of this.finished.values()) {
      const dueMs = ds.finishedAtMs! + this.limits.finishedTtlMs;
      if (dueMs > now) {
        this.sweepTask = this.scheduler.after(Math.max(dueMs - now, Math.min(SWEEP_EVERY_MS, this.limits.finishedTtlMs)), () => this.sweep());
        return;
      }
      this.forget(ds);
      this.expired++;
    }
  }

  private forget(ds: DecisionSet): void {
    this.byId.delete(ds.id);
    this.byJob.delete(ds.jobId);
    this.threads.delete(ds.threadId);
    this.finished.delete(ds.id);
  }
}
