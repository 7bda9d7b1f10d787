/**
 * Load counters for `--client browser` and `--cut-after`: how many runs reconnected and how many
 * of them a page would have seen damaged, plus the resume check's verdicts. Plain counts, so
 * result files merge by adding them. Pure.
 */
import type { ReconnectDamage } from '../classify/reconnect-damage.js';

/** Runs counted per kind; every figure is a number of runs. */
export interface ReconnectCounts {
  /** Runs made with a reconnecting client (browser, or a cut). */
  runs: number;
  /** Runs that reconnected at least once. */
  reconnected: number;
  /** Runs whose reconnects duplicated events, lost events (provably), or reordered them. */
  withDuplicates: number;
  withLost: number;
  withOutOfOrder: number;
  /** Resume-check verdicts (--cut-after), one per run that cut. */
  resume: Partial<Record<string, number>>;
}

/** An empty set of counters. */
export function emptyReconnectCounts(): ReconnectCounts {
  return { runs: 0, reconnected: 0, withDuplicates: 0, withLost: 0, withOutOfOrder: 0, resume: {} };
}

/** Counts one run's damage into `c`. */
export function addReconnects(c: ReconnectCounts, d: ReconnectDamage): void {
  c.runs++;
  if (d.reconnects > 0) c.reconnected++;
  if (d.duplicated > 0) c.withDuplicates++;
  if (d.lost > 0) c.withLost++;
  if (d.outOfOrder > 0) c.withOutOfOrder++;
  if (d.resume) c.resume[d.resume.verdict] = (c.resume[d.resume.verdict] ?? 0) + 1;
}

/** Adds `from` into `into` (merging result files or generator threads). */
export function mergeReconnects(into: ReconnectCounts, from: ReconnectCounts): void {
  into.runs += from.runs;
  into.reconnected += from.reconnected;
  into.withDuplicates += from.withDuplicates;
  into.withLost += from.withLost;
  into.withOutOfOrder += from.withOutOfOrder;
  for (const [verdict, n] of Object.entries(from.resume)) into.resume[verdict] = (into.resume[verdict] ?? 0) + (n ?? 0);
}
