/**
 * The job worker: once a decision set is persisted it emits workflow-start, then per plan node
 * node-start → (reason cards) → node-complete, then workflow-complete, with configurable
 * durations and the fault switches that break it the ways real workers break.
 */
import { AGENT_NODES, FULL_PLAN, reasonCard } from './plan.js';
import type { Scheduler } from './scheduler.js';
import type { DecisionSet, Store } from './store.js';
import type { ServerOptions } from './options.js';

export interface WorkerContext {
  options: ServerOptions;
  scheduler: Scheduler;
  store: Store;
  random: () => number;
}

/** Schedules the whole job for `ds`; every step runs on the shared scheduler. */
export function startJob(ctx: WorkerContext, ds: DecisionSet): void {
  const { options, scheduler, store, random } = ctx;
  const { faults } = options;
  if (faults.noWorker) return; // heartbeat-only: the job stays queued forever

  let emitted = 0;
  /** Emits unless the stall switch has tripped; returns false once the worker is stalled. */
  const emit = (type: string, data: unknown, message?: string): boolean => {
    if (faults.stallAfter !== undefined && emitted >= faults.stallAfter) return false;
    store.emit(ds, type, data, message);
    emitted++;
    return true;
  };
  const cards: Record<string, unknown>[] = [];

  const runNode = (index: number): void => {
    const node = FULL_PLAN[index];
    if (node === undefined) {
      if (!emit('workflow-complete', {}, 'Workflow completed')) return;
      store.finish(ds); // kept for late attaches for the TTL, then forgotten
      markCompletedLater(scheduler, store, ds.jobId);
      return;
    }
    if (!emit('node-start', { node }, `Starting ${node}`)) return;
    scheduler.after(options.nodeDuration.sample(random), () => {
      if (faults.errorNode === node) {
        const error = `${node} failed: mock LLM unavailable`;
        if (!emit('error', { node, error }, error)) return;
      }
      if (AGENT_NODES.has(node)) {
        cards.push(reasonCard(node, ds.id));
        // The origin re-emits the whole accumulated list at every agent node (origin §4).
        for (const card of cards) {
          if (!emit('reason-card', card, `${String(card.agent)}: ${String(card.decision)}`)) return;
        }
      }
      if (!emit('node-complete', { node, outputs: { node } }, `Completed ${node}`)) return;
      runNode(index + 1);
    });
  };

  const startDelay = Math.max(0, ds.visibleAtMs - scheduler.now()) + options.workerDelay.sample(random);
  if (!Number.isFinite(startDelay)) return; // never persisted: never runs
  scheduler.after(startDelay, () => {
    ds.status = 'running';
    ds.history = []; // reset_events at the start of a run
    if (emit('workflow-start', {}, 'Workflow started')) runNode(0);
  });
}

/**
 * The origin sleeps 2 s before marking the job completed. Scheduled from a function of its own,
 * by id: a closure made inside startJob would share its scope and keep the set's history alive
 * for those 2 s, even after the store forgot it (≈3,000 sets at 1,500 jobs/s).
 */
function markCompletedLater(scheduler: Scheduler, store: Store, jobId: string): void {
  scheduler.after(2000, () => {
    const job = store.job(jobId);
    if (job) job.status = 'completed';
  });
}
