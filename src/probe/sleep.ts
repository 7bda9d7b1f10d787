/** Waits and aborts between requests: a sleep an abort cuts short, and one abort following another. */

/**
 * What waits on a signal: a callback, or an object told through its method (a stream held open
 * for minutes then costs no closure and no context of its own).
 */
export type AbortWaiter = (() => void) | { onSignalAbort(): void };

/** The waiters on one signal; a freed slot is reused by the next. */
interface Waiting {
  callbacks: (AbortWaiter | undefined)[];
  free: number[];
}
const waitingOn = new WeakMap<AbortSignal, Waiting>();

/**
 * Calls `fn` once when `signal` aborts, until the returned unlink is called. A load hands one
 * signal to every run a worker makes, and each run waits on it several times: an EventTarget
 * listener added and removed each time was 5 % of a load run's CPU. Here the signal gets one
 * listener for its whole life, and a wait is a slot in an array.
 */
export function onAbort(signal: AbortSignal, fn: () => void): () => void {
  const slot = waitAbort(signal, fn);
  return () => stopWaiting(signal, slot, fn);
}

/** {@link onAbort} without the unlink closure: returns the slot to hand to {@link stopWaiting}. */
export function waitAbort(signal: AbortSignal, waiter: AbortWaiter): number {
  const w = waitingOn.get(signal) ?? startWaiting(signal);
  const i = w.free.pop() ?? w.callbacks.length;
  w.callbacks[i] = waiter;
  return i;
}

/** Frees `slot` if `waiter` still holds it (after the abort, the slots were emptied and may be reused). */
export function stopWaiting(signal: AbortSignal, slot: number, waiter: AbortWaiter): void {
  const w = waitingOn.get(signal);
  if (!w || w.callbacks[slot] !== waiter) return;
  w.callbacks[slot] = undefined;
  w.free.push(slot);
}

/**
 * The signal's one listener. Made here, not inside onAbort: a closure shares its function's
 * context with its siblings, and a listener made there kept the first caller's callback (and
 * with it that run's whole state) alive for as long as the signal lived.
 */
function startWaiting(signal: AbortSignal): Waiting {
  const w: Waiting = { callbacks: [], free: [] };
  waitingOn.set(signal, w);
  signal.addEventListener(
    'abort',
    () => {
      const callbacks = w.callbacks;
      w.callbacks = [];
      w.free = [];
      for (const callback of callbacks) {
        if (typeof callback === 'function') callback();
        else callback?.onSignalAbort();
      }
    },
    { once: true },
  );
  return w;
}

/** How many callbacks wait on `signal` (what a finished run must leave at 0). */
export function waitingCallbacks(signal: AbortSignal): number {
  return waitingOn.get(signal)?.callbacks.filter((c) => c !== undefined).length ?? 0;
}

/** Sleeps `ms`; resolves false early when the signal aborts. */
export function sleep(ms: number, signal?: AbortSignal): Promise<boolean> {
  if (signal?.aborted) return Promise.resolve(false);
  return new Promise((resolve) => {
    const done = (ok: boolean): void => {
      clearTimeout(timer);
      unlink?.();
      resolve(ok);
    };
    const timer = setTimeout(() => done(true), ms);
    const unlink = signal ? onAbort(signal, () => done(false)) : undefined;
  });
}

/**
 * Aborts `child` when `parent` aborts (with its reason), until the returned unlink is called.
 * Unlike `AbortSignal.any`, which leaves a reference on the parent for every signal it makes,
 * this leaves nothing behind: a load reuses one parent signal for many thousands of runs.
 */
export function followAbort(parent: AbortSignal | undefined, child: AbortController): () => void {
  if (!parent) return () => undefined;
  if (parent.aborted) {
    child.abort(parent.reason);
    return () => undefined;
  }
  return onAbort(parent, () => child.abort(parent.reason));
}
