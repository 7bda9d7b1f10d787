/**
 * One timer for the whole server. Streams, lookups and workers schedule callbacks here; a
 * binary min-heap keeps them ordered and a single `setTimeout` is armed for the earliest,
 * so ten thousand idle streams cost heap entries, not ten thousand Node timers.
 *
 * Cancelling is lazy (the entry stays until it reaches the top), so a cancelled task lets go of
 * its callback at once — a closed stream's ping task would otherwise keep the stream's request
 * and response alive for a whole ping interval — and the heap is compacted when cancelled
 * entries outnumber live ones.
 */

/** A scheduled callback; pass it to `cancel` to drop it. */
export interface Task {
  dueMs: number;
  seq: number;
  fn: () => void;
  /** True once cancelled or run: `cancel` is then a no-op. */
  cancelled: boolean;
}

const NOTHING = (): void => undefined;
/** Compaction is not worth it below this many cancelled entries. */
const COMPACT_MIN = 1024;

export class Scheduler {
  private heap: Task[] = [];
  private seq = 0;
  private timer: NodeJS.Timeout | undefined;
  private armedFor = Infinity;
  private stopped = false;
  /** Cancelled entries still in the heap. */
  private cancelledInHeap = 0;

  /** Monotonic clock in ms. */
  now(): number {
    return performance.now();
  }

  /** Runs `fn` after `delayMs` milliseconds (0 or less: on the next turn). */
  after(delayMs: number, fn: () => void): Task {
    const task: Task = { dueMs: this.now() + Math.max(0, delayMs), seq: this.seq++, fn, cancelled: false };
    this.push(task);
    this.arm();
    return task;
  }

  /** Cancels a task: its callback is released now, its entry removed lazily (amortised O(1)). */
  cancel(task: Task | undefined): void {
    if (!task || task.cancelled) return;
    task.cancelled = true;
    task.fn = NOTHING;
    this.cancelledInHeap++;
    if (this.cancelledInHeap >= COMPACT_MIN && this.cancelledInHeap * 2 > this.heap.length) this.compact();
  }

  /** Number of live and cancelled entries still queued (for tests and stats). */
  get size(): number {
    return this.heap.length;
  }

  /** Drops every task and the timer. */
  stop(): void {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.heap = [];
    this.cancelledInHeap = 0;
  }

  /** Drops cancelled entries and rebuilds the heap bottom-up (O(n)). */
  private compact(): void {
    this.heap = this.heap.filter((t) => !t.cancelled);
    this.cancelledInHeap = 0;
    for (let i = (this.heap.length >> 1) - 1; i >= 0; i--) this.siftDown(i);
  }

  private arm(): void {
    const top = this.heap[0];
    if (this.stopped || !top || top.dueMs >= this.armedFor) return;
    if (this.timer) clearTimeout(this.timer);
    this.armedFor = top.dueMs;
    // Round up: Node truncates fractional delays, and a task must never run before it is due.
    this.timer = setTimeout(() => this.fire(), Math.max(0, Math.ceil(top.dueMs - this.now())));
  }

  private fire(): void {
    this.timer = undefined;
    this.armedFor = Infinity;
    const now = this.now();
    // Run everything due, including tasks scheduled "now" by the callbacks themselves.
    for (let top = this.heap[0]; top && top.dueMs <= now; top = this.heap[0]) {
      this.pop();
      if (top.cancelled) {
        this.cancelledInHeap--;
        continue;
      }
      top.cancelled = true; // run: a later cancel() is a no-op
      const fn = top.fn;
      top.fn = NOTHING;
      fn();
      if (this.stopped) return;
    }
    this.arm();
  }

  private less(a: Task, b: Task): boolean {
    return a.dueMs < b.dueMs || (a.dueMs === b.dueMs && a.seq < b.seq);
  }

  private push(task: Task): void {
    const h = this.heap;
    h.push(task);
    let i = h.length - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!this.less(h[i]!, h[parent]!)) break;
      [h[i], h[parent]] = [h[parent]!, h[i]!];
      i = parent;
    }
  }

  private pop(): void {
    const h = this.heap;
    const last = h.pop()!;
    if (h.length === 0) return;
    h[0] = last;
    this.siftDown(0);
  }

  private siftDown(start: number): void {
    const h = this.heap;
    let i = start;
    for (;;) {
      const l = 2 * i + 1;
      const r = l + 1;
      let m = i;
      if (l < h.length && this.less(h[l]!, h[m]!)) m = l;
      if (r < h.length && this.less(h[r]!, h[m]!)) m = r;
      if (m === i) break;
      [h[i], h[m]] = [h[m]!, h[i]!];
      i = m;
    }
  }
}
