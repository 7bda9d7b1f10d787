/**
 * The server's decision-set lookup wait of one stream request, always measured when the head was
 * seen: from the `x-lookup-*` headers a server sends to be measured exactly, otherwise inferred as
 * GET sent → response head (the time a handler that polls before answering spends polling). Pure.
 */
import type { StreamAttempt } from '../model.js';

/** Response headers through which a server reports its own decision-set lookup. */
export const LOOKUP_ATTEMPTS_HEADER = 'x-lookup-attempts';
export const LOOKUP_WAIT_HEADER = 'x-lookup-wait-ms';

/** Where a server-wait figure came from. */
export type WaitSource = 'header' | 'inferred';

export interface ServerWait {
  /** The wait, ms. Inferred waits include the network round trip and anything else that delayed the head. */
  ms: number;
  source: WaitSource;
  /** Lookups the server made (`x-lookup-attempts`), when it said so. */
  lookups?: number;
}

/** Reads a numeric response header; undefined when absent or not a number. */
export function numericHeader(attempt: StreamAttempt, name: string): number | undefined {
  const raw = attempt.headers?.[name];
  if (raw === undefined || raw.trim() === '') return undefined;
  const n = Number(raw);
  return Number.isFinite(n) ? n : undefined;
}

/**
 * When the request that got the final answer was sent, ms since T0: after redirects, the last
 * redirect's arrival (the next hop is made at once), else the attempt's own request time; plus the
 * time it waited for a free connection (`--browser-tabs`), which no server spent.
 */
export function finalRequestMs(a: StreamAttempt): number {
  return (a.redirects?.at(-1)?.atMs ?? a.requestedMs) + (a.connectionWaitMs ?? 0);
}

/** The lookup wait of one attempt; undefined when neither the header nor the head was seen. */
export function serverWait(a: StreamAttempt): ServerWait | undefined {
  const header = numericHeader(a, LOOKUP_WAIT_HEADER);
  const lookups = numericHeader(a, LOOKUP_ATTEMPTS_HEADER);
  if (header !== undefined) return { ms: header, source: 'header', ...(lookups !== undefined ? { lookups } : {}) };
  if (a.headersMs === undefined) return undefined;
  const ms = Math.max(0, a.headersMs - finalRequestMs(a));
  return { ms, source: 'inferred', ...(lookups !== undefined ? { lookups } : {}) };
}

/** "x-lookup-wait-ms" or "inferred from GET → head", for report lines. */
export function waitSourceText(source: WaitSource): string {
  return source === 'header' ? LOOKUP_WAIT_HEADER : 'inferred from GET → head';
}
