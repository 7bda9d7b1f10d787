/**
 * `load --browser-tabs N`: the closed model's runs grouped into simulated browsers of N tabs each
 * (runs 0..N-1 of a generator thread share browser 0, N..2N-1 browser 1, …). A browser opens at most
 * 6 connections to the target over HTTP/1.1 (probe/browser-connections.ts), so with more than 6 tabs
 * the 7th tab's requests wait while 6 streams are open. Each run reports its longest wait; the
 * counts are plain sums and a maximum, so threads and result files merge exactly.
 */
import type { Dispatcher } from 'undici';
import { BROWSER_CONNECTIONS_PER_ORIGIN, capConnections, ConnectionSlots, type ConnectionWait } from '../probe/browser-connections.js';

/** One run's waits for a free connection, ms (0: it never waited). */
export interface RunConnectionWait {
  /** The enqueue POST's wait. */
  enqueueMs: number;
  /** The longest wait of a GET: the stream requests, reconnects included (and the job-status check after an unfinished stream). */
  streamMs: number;
}

/** The connection cap's counts over a load. */
export interface ConnectionCapCounts {
  /** Tabs (runs in flight) per simulated browser, and the connections a browser opens per origin. */
  tabs: number;
  limit: number;
  /** Runs made in a simulated browser, and those whose enqueue or a stream request waited ≥ 1 ms. */
  runs: number;
  enqueueWaited: number;
  streamWaited: number;
  /** The longest single wait, ms, and which request it was (`enqueue` or `stream`). */
  longestMs: number;
  longestWhat?: 'enqueue' | 'stream';
}

/** A wait shorter than this is scheduling noise, not a busy browser (ms). */
const WAITED_MS = 1;

/** Empty counts. */
export function emptyConnectionCap(tabs: number, limit = BROWSER_CONNECTIONS_PER_ORIGIN): ConnectionCapCounts {
  return { tabs, limit, runs: 0, enqueueWaited: 0, streamWaited: 0, longestMs: 0 };
}

/** Counts one run into `c`. */
export function addConnectionWait(c: ConnectionCapCounts, w: RunConnectionWait): void {
  c.runs++;
  if (w.enqueueMs >= WAITED_MS) c.enqueueWaited++;
  if (w.streamMs >= WAITED_MS) c.streamWaited++;
  for (const [what, ms] of [['enqueue', w.enqueueMs], ['stream', w.streamMs]] as const) {
    if (ms > c.longestMs) {
      c.longestMs = ms;
      c.longestWhat = what;
    }
  }
}

/** Adds `from` into `into` (generator threads, result files). */
export function mergeConnectionCap(into: ConnectionCapCounts, from: ConnectionCapCounts): void {
  into.runs += from.runs;
  into.enqueueWaited += from.enqueueWaited;
  into.streamWaited += from.streamWaited;
  if (from.longestMs > into.longestMs) {
    into.longestMs = from.longestMs;
    if (from.longestWhat) into.longestWhat = from.longestWhat;
  }
}

/** A run's waits folded: the POST is the enqueue, the GETs its stream requests (and a job-status check). */
export function foldWaits(waits: ConnectionWait[]): RunConnectionWait {
  const out: RunConnectionWait = { enqueueMs: 0, streamMs: 0 };
  for (const w of waits) {
    if (w.method === 'POST') out.enqueueMs = Math.max(out.enqueueMs, w.waitedMs);
    else out.streamMs = Math.max(out.streamMs, w.waitedMs);
  }
  return out;
}

/** The simulated browsers of one generator thread. */
export class SimulatedBrowsers {
  private readonly browsers = new Map<number, ConnectionSlots>();

  constructor(readonly tabs: number, readonly limit = BROWSER_CONNECTIONS_PER_ORIGIN) {}

  /** The dispatcher of the run in tab `slot` (closed model: its worker index), and a reader of its waits so far. */
  forRun(slot: number, dispatcher: Dispatcher): { dispatcher: Dispatcher; waits: () => RunConnectionWait } {
    const index = Math.floor(slot / this.tabs);
    let slots = this.browsers.get(index);
    if (!slots) this.browsers.set(index, (slots = new ConnectionSlots(this.limit)));
    const waits: ConnectionWait[] = [];
    return { dispatcher: capConnections(dispatcher, slots, (w) => waits.push(w)), waits: () => foldWaits(waits) };
  }
}
