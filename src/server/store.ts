/**
 * In-memory decision sets, jobs and per-stream event history, as the origin keeps them in
 * process memory (streaming_service.py): history per decision set, cut from 1000 to the last
 * 500 entries, never cleared after completion; subscribers registered per connection.
 */
import { randomUUID } from 'node:crypto';
import { pythonIsoNow, pythonJson } from './python-format.js';

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
  history: Frame[];
  subscribers: Set<Subscriber>;
}

const HISTORY_LIMIT = 1000;
const HISTORY_KEEP = 500;

/** Encodes an event exactly as sse-starlette writes the origin's `{"event", "data"}` dicts. */
export function encodeEvent(type: string, decisionSetId: string, data: unknown, message?: string): Frame {
  const envelope: Record<string, unknown> = { type, decision_set_id: decisionSetId, timestamp: pythonIsoNow(), data };
  if (message) envelope.message = message; // the origin adds `message` only when truthy
  return { type, text: `event: ${type}\r\ndata: ${pythonJson(envelope)}\r\n\r\n` };
}

export class Store {
  private readonly byId = new Map<string, DecisionSet>();
  private readonly byJob = new Map<string, DecisionSet>();
  private readonly threads = new Set<string>();

  /** @param maxSets decision sets kept; the oldest without subscribers are forgotten past it. */
  constructor(private readonly maxSets = 50_000) {}

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
    this.evict();
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
    if (ds.history.length > HISTORY_LIMIT) ds.history = ds.history.slice(-HISTORY_KEEP);
    for (const s of ds.subscribers) s.deliver(frame);
  }

  private evict(): void {
    if (this.byId.size <= this.maxSets) return;
    for (const ds of this.byId.values()) {
      if (this.byId.size <= this.maxSets) return;
      if (ds.subscribers.size > 0) continue;
      this.byId.delete(ds.id);
      this.byJob.delete(ds.jobId);
      this.threads.delete(ds.threadId);
    }
  }
}
