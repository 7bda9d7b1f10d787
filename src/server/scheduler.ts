/**
 * One timer for the whole server. Streams, lookups and workers schedule callbacks here; a
 * binary min-heap keeps them ordered and a single `setTimeout` is armed for the earliest,
 * so ten thousand idle streams cost heap entries, not ten thousand Node timers.
 */

/** A scheduled callback; pass it to `cancel` to drop it. */
export interface Task {
  dueMs: number;
  seq: number;
  fn: () => void;
  cancelled: boolean;
}

export class Scheduler {
  private heap: Task[] = [];
  private seq = 0;
  private timer: NodeJS.Timeout | undefined;
  private armedFor = Infinity;
  private stopped = false;

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

  /** Cancels a task; cheap (lazy removal when it reaches the top). */
  cancel(task: Task | undefined): void {
    if (task) task.cancelled = true;
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
      if (!top.cancelled) top.fn();
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
    let i = 0;
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
