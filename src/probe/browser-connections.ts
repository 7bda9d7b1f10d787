/**
 * A browser's connection limit per origin over HTTP/1.1: Chromium, Firefox and Safari open at most
 * 6 connections to one origin (scheme, host, port) per browser profile, and a request that finds
 * all 6 busy waits for one to free. An open EventSource holds its connection for as long as it is
 * open, so a page (or a set of tabs) with more than 6 open streams stalls the 7th stream, and its
 * enqueue POST too, until a stream ends. HTTP/2 multiplexes every request over one connection and
 * has no such wait; this models HTTP/1.1 only.
 *
 * `ConnectionSlots` is the limit of one simulated browser; `capConnections` wraps the dispatcher a
 * run uses so that each request holds a slot from dispatch until its response ends or fails, in
 * FIFO order, and reports how long it waited for its slot.
 */
import type { Dispatcher } from 'undici';

/** Connections a browser opens to one origin over HTTP/1.1 (all major engines). */
export const BROWSER_CONNECTIONS_PER_ORIGIN = 6;

/** One request's wait for a free connection. */
export interface ConnectionWait {
  method: string;
  /** Path and query, as sent (the stream id included; no credentials: they travel in headers). */
  path: string;
  /** From the request being made to a connection being free for it, ms. */
  waitedMs: number;
}

/**
 * A handler that wants to know how long its request waited for a slot before it went out (the
 * request is "made" at dispatch; the time it is sent is that much later).
 */
export interface ConnectionWaitAware {
  onConnectionWait?(waitedMs: number): void;
}

/** The connection slots of one simulated browser (one origin): at most `limit` requests in flight, the rest wait in order. */
export class ConnectionSlots {
  private busy = 0;
  private readonly waiting: (() => void)[] = [];

  constructor(readonly limit: number = BROWSER_CONNECTIONS_PER_ORIGIN) {}

  /** Runs `start` once a slot is free (at once when one is); `start` gets the release, idempotent. Returns a cancel for a still-waiting request. */
  take(start: (release: () => void) => void): () => void {
    let released = false;
    const release = (): void => {
      if (released) return;
      released = true;
      this.busy--;
      this.waiting.shift()?.();
    };
    const go = (): void => {
      this.busy++;
      start(release);
    };
    if (this.busy < this.limit) {
      go();
      return () => {};
    }
    this.waiting.push(go);
    return () => {
      const i = this.waiting.indexOf(go);
      if (i >= 0) this.waiting.splice(i, 1);
    };
  }

  /** Requests in flight and waiting (for tests and progress). */
  get state(): { busy: number; waiting: number } {
    return { busy: this.busy, waiting: this.waiting.length };
  }
}

/**
 * `dispatcher` as one browser tab sees it: every request takes a slot of `slots` first and gives it
 * back when its response ends or fails. The handler sees one `onRequestStart`, at once, with a
 * controller that cancels a request still waiting (an abort while queued fails it with the reason).
 */
export function capConnections(dispatcher: Dispatcher, slots: ConnectionSlots, onWait: (w: ConnectionWait) => void, now: () => number = () => performance.now()): Dispatcher {
  return dispatcher.compose((dispatch) => (opts, handler) => {
    const askedAt = now();
    let real: Dispatcher.DispatchController | undefined;
    let reason: Error | undefined;
    let release = (): void => {};
    let cancel = (): void => {};
    const controller = {
      abort(err: Error): void {
        if (real) return real.abort(err);
        if (reason) return;
        reason = err;
        cancel();
        handler.onResponseError?.(controller, err);
      },
      pause: (): void => real?.pause(),
      resume: (): void => real?.resume(),
      get aborted(): boolean {
        return real ? real.aborted : reason !== undefined;
      },
      get paused(): boolean {
        return real?.paused ?? false;
      },
      get reason(): Error | null {
        return real ? real.reason : (reason ?? null);
      },
    } as Dispatcher.DispatchController;
    handler.onRequestStart?.(controller, {});
    if (reason) return true;
    const wrapped: Dispatcher.DispatchHandler = {
      onRequestStart(c) {
        real = c;
      },
      onRequestUpgrade: (_c, status, headers, socket) => handler.onRequestUpgrade?.(controller, status, headers, socket),
      onResponseStart: (_c, status, headers, text) => handler.onResponseStart?.(controller, status, headers, text),
      onResponseData: (_c, chunk) => handler.onResponseData?.(controller, chunk),
      onResponseEnd(_c, trailers) {
        release();
        handler.onResponseEnd?.(controller, trailers);
      },
      onResponseError(_c, err) {
        release();
        handler.onResponseError?.(controller, err);
      },
    };
    let queued = false; // a free slot starts the request synchronously: no wait, not a few µs of one
    cancel = slots.take((free) => {
      release = free;
      const waitedMs = queued ? Math.max(0, now() - askedAt) : 0;
      onWait({ method: opts.method, path: opts.path, waitedMs });
      (handler as ConnectionWaitAware).onConnectionWait?.(waitedMs);
      try {
        dispatch(opts, wrapped);
      } catch (err) {
        release();
        handler.onResponseError?.(controller, err as Error);
      }
    });
    queued = true;
    return true;
  });
}
