/** Waits and aborts between requests: a sleep an abort cuts short, and one abort following another. */

/** Sleeps `ms`; resolves false early when the signal aborts. */
export function sleep(ms: number, signal?: AbortSignal): Promise<boolean> {
  if (signal?.aborted) return Promise.resolve(false);
  return new Promise((resolve) => {
    const done = (ok: boolean): void => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
      resolve(ok);
    };
    const onAbort = (): void => done(false);
    const timer = setTimeout(() => done(true), ms);
    signal?.addEventListener('abort', onAbort, { once: true });
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
  const onAbort = (): void => child.abort(parent.reason);
  parent.addEventListener('abort', onAbort, { once: true });
  return () => parent.removeEventListener('abort', onAbort);
}
