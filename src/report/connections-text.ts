/** Simulated browsers' waits for a connection (`load --browser-tabs`) in words, for every load report. */
import type { LoadSummary } from '../load/summary.js';
import { ms } from './format.js';

/**
 * `8 tabs per browser, 6 connections per origin (HTTP/1.1) · 2 of 8 runs' enqueue waited · 3 runs' stream requests waited`,
 * then the evidence: `the longest: an enqueue POST waited 3.05 s for a free connection: …`.
 */
export function connectionsText(s: LoadSummary): { headline: string; evidence: string } | undefined {
  const c = s.connectionCap;
  if (!c) return undefined;
  const headline = `${c.tabs} tab${c.tabs === 1 ? '' : 's'} per browser, ${c.limit} connections per origin (HTTP/1.1) · ${c.enqueueWaited} of ${c.runs} runs' enqueue waited · ${c.streamWaited} runs' stream requests waited`;
  const what = c.longestWhat === 'enqueue' ? 'an enqueue POST' : 'a stream request';
  const evidence =
    c.longestMs >= 1
      ? `the longest: ${what} waited ${ms(c.longestMs)} for a free connection: browsers allow ${c.limit} per origin over HTTP/1.1 and an open EventSource holds one; HTTP/2 multiplexes`
      : c.tabs > c.limit
        ? `no request waited: fewer than ${c.limit + 1} requests of a browser were ever in flight at once`
        : `no request waited: ${c.tabs} tabs never need more than ${c.limit} connections`;
  return { headline, evidence };
}
