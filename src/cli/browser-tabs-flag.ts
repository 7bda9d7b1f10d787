/** `load --browser-tabs N`: runs grouped into simulated browsers of N tabs, 6 connections per origin each (src/load/browser-tabs.ts). */
import { usageError } from '../errors.js';
import { parseInteger } from './options.js';

export interface BrowserTabsFlags {
  browserTabs?: string;
  rate?: string;
  http2?: boolean;
}

/** Tabs per simulated browser, or undefined without the flag. Closed model and HTTP/1.1 only. */
export function browserTabsFromFlags(f: BrowserTabsFlags): number | undefined {
  if (f.browserTabs === undefined) return undefined;
  const tabs = parseInteger(f.browserTabs, '--browser-tabs', 1, 100_000);
  if (f.rate !== undefined) throw usageError('conflicting-flags', '--browser-tabs groups the closed model\'s concurrent runs into browsers: use it with --concurrency, not --rate');
  // HTTP/2 multiplexes every stream over one connection: a browser then has nothing to wait for.
  if (f.http2) throw usageError('conflicting-flags', '--browser-tabs models HTTP/1.1\'s 6 connections per origin; over HTTP/2 (--http2) a browser multiplexes and never waits');
  return tabs;
}
