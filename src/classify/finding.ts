/** What every finding is, how findings write their figures, and the thresholds more than one of them uses. */
import type { Layer } from './path-evidence.js';

/** Evidence values: ms figures (rounded to 0.1), byte counts, header values; null for "not seen". */
export type Evidence = Record<string, string | number | null>;

export interface Finding {
  /** Stable code: head-held, slow-lookup, window-exhausted, body-buffered, compressed, compression-holds-events, idle-cutoff, ... */
  code: string;
  message: string;
  /** The measurements the finding rests on. */
  evidence: Evidence;
  /** Who is to blame, when the evidence shows it. */
  layer?: Layer;
}

/** Live events sent this far apart yet delivered in one read were held back on the way (ms). */
export const BURST_SPAN_MS = 1000;
/** Head later than this after the request, beyond the server's own lookup wait, counts as held (ms). */
export const HELD_HEAD_MS = 1000;
/** Head and first byte this close together mean the head waited for the body (ms). */
export const SAME_PACKET_MS = 50;

/** A time in ms rounded to 0.1 for evidence; null for "not seen". */
export const r1 = (ms: number | undefined): number | null => (ms === undefined ? null : Math.round(ms * 10) / 10);

/** `850 ms` or `1.25 s`. */
export function fmt(ms: number): string {
  return ms >= 1000 ? `${(ms / 1000).toFixed(2)} s` : `${Math.round(ms)} ms`;
}

export function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}

export function secs(ms: number): string {
  return `${(ms / 1000).toFixed(1)} s`;
}
