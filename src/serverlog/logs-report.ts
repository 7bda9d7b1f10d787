/**
 * The `ssedoctor logs` document: the backend's own view of every stream (lookup attempts and
 * wait_seconds, exhausted windows, heartbeat-only streams) and the MAX_WAIT recommendation from
 * these exact waits, through the estimator load and reproduce use. Pure.
 */
import { recommendFromGroups, type Recommendation } from '../load/recommend.js';
import type { WaitObservation } from '../load/tail.js';
import type { JoinResult } from './join.js';
import { heartbeatOnly, type Connection, type LookupResult, type StreamLog, type StreamLogCounts } from './streams.js';

export const LOGS_SCHEMA = 'ssedoctor.logs/v1';

/** One connection as written (ms rounded to 1). */
export interface ConnectionRow {
  id: string;
  line: number;
  lookup: LookupResult;
  attempts: number | null;
  waitMs: number | null;
  waitFrom: 'log' | 'timestamps' | null;
  events: Record<string, number>;
  heartbeatOnly: boolean;
  /** False when the log has "Job enqueued" lines and none names this decision set (a wrong id?). */
  enqueued: boolean | null;
}

export interface LogsReport {
  schema: typeof LOGS_SCHEMA;
  tool: { name: 'ssedoctor'; version: string };
  source: string;
  lines: StreamLogCounts;
  /** Log time covered, s (from the first to the last timed line); null without timestamps. */
  spanSeconds: number | null;
  totals: {
    connections: number;
    decisionSets: number;
    enqueued: number;
    byLookup: Record<LookupResult, number>;
    heartbeatOnly: number;
    /** Exhausted windows on ids no "Job enqueued" line names: left out of the recommendation. */
    notEnqueued: number;
    /** Events emitted with no connection listening ("connections: 0"). */
    unheardEvents: number;
  };
  /** Waits of the lookups that succeeded after retries, ms; the retry delay and window they imply, ms. */
  waits: { count: number; p50: number | null; p99: number | null; max: number | null; retryDelayMs: number | null; windowMs: number | null };
  recommendation: Recommendation;
  /** Limits of what the log could show, in words. */
  notes: string[];
  connections: ConnectionRow[];
  join?: JoinResult & { source: string; unusable: number };
}

const LOOKUPS: LookupResult[] = ['at-once', 'after-retries', 'exhausted', 'single-404', 'unknown'];

function quantile(sorted: number[], p: number): number | null {
  return sorted.length === 0 ? null : sorted[Math.min(sorted.length - 1, Math.ceil(p * sorted.length) - 1)]!;
}

function median(values: number[]): number | undefined {
  const s = [...values].sort((a, b) => a - b);
  return s.length === 0 ? undefined : s[Math.floor(s.length / 2)];
}

export function logsReport(log: StreamLog, options: { source: string; version: string; targetMissRate?: number }): LogsReport {
  const connections = log.finish();
  const checkEnqueued = log.enqueued.size > 0;
  const isEnqueued = (c: Connection): boolean | null => (checkEnqueued ? log.enqueued.has(c.id) : null);
  const byLookup = Object.fromEntries(LOOKUPS.map((l) => [l, 0])) as Record<LookupResult, number>;
  for (const c of connections) byLookup[c.lookup]++;

  const retried = connections.filter((c) => c.lookup === 'after-retries' && c.waitSeconds !== undefined);
  const waits = retried.map((c) => c.waitSeconds! * 1000).sort((a, b) => a - b);
  // The origin counts misses: a success after k misses came k retry delays in.
  const retryDelayMs = median(retried.filter((c) => c.waitFrom === 'log' && (c.attempts ?? 0) >= 1).map((c) => (c.waitSeconds! * 1000) / c.attempts!));
  const exhausted = connections.filter((c) => c.lookup === 'exhausted' && c.waitSeconds !== undefined);
  const windowMs = exhausted.length > 0 ? Math.max(...exhausted.map((c) => c.waitSeconds! * 1000)) : undefined;

  const notes: string[] = [];
  const opened: WaitObservation[] = [];
  const notFound: WaitObservation[] = [];
  let notEnqueued = 0;
  for (const c of connections) {
    if (c.lookup === 'at-once') opened.push({ ms: 0 });
    else if (c.lookup === 'after-retries' && c.waitSeconds !== undefined) opened.push({ ms: c.waitSeconds * 1000 });
    else if (c.lookup === 'single-404') notFound.push({ ms: 0, censored: true });
    else if (c.lookup === 'exhausted' && c.waitSeconds !== undefined) {
      // An id the backend never enqueued will not appear however long the window: not a window miss.
      if (isEnqueued(c) === false) notEnqueued++;
      else notFound.push({ ms: c.waitSeconds * 1000, censored: true });
    }
  }
  const recommendation = recommendFromGroups([{ opened, notFound }], {
    ...(options.targetMissRate !== undefined ? { targetMissRate: options.targetMissRate } : {}),
    ...(retryDelayMs !== undefined ? { pollMs: retryDelayMs } : {}),
    zeroMs: 0,
  });

  if (log.counts.unattributedLookups > 0) {
    notes.push(
      `${log.counts.unattributedLookups} lookup result line(s) name no decision set (the origin's plain format drops the extras) and several connections were looking up at the time: not attributed; ${byLookup.unknown} connection(s) without a result are "unknown", not counted as found at once`,
    );
  }
  if (log.counts.unattributedEvents > 0) {
    notes.push(
      `${log.counts.unattributedEvents} "SSE yielding event" line(s) could not be tied to one stream (the origin logs no id; several streams were open): heartbeat-only detection covers the attributed ones only`,
    );
  }
  if (retried.some((c) => c.waitFrom === 'timestamps')) notes.push('some waits come from the difference of log timestamps (ms resolution), the line carried no wait_seconds');
  if (notEnqueued > 0) notes.push(`${notEnqueued} exhausted window(s) on ids no "Job enqueued" line names (a wrong id, or a job enqueued before the log began): left out of the recommendation`);
  if (connections.some((c) => c.lookup === 'at-once')) notes.push('connections with no lookup line count as found at once (the origin logs nothing then); a lookup still running when the log ends would be miscounted');

  let unheardEvents = 0;
  for (const e of log.emitted.values()) unheardEvents += e.unheard;
  const rows: ConnectionRow[] = connections.map((c) => ({
    id: c.id,
    line: c.line,
    lookup: c.lookup,
    attempts: c.attempts ?? (c.lookup === 'at-once' ? 0 : null),
    waitMs: c.waitSeconds !== undefined ? Math.round(c.waitSeconds * 1000) : c.lookup === 'at-once' ? 0 : null,
    waitFrom: c.waitFrom ?? null,
    events: c.events,
    heartbeatOnly: heartbeatOnly(c),
    enqueued: isEnqueued(c),
  }));
  return {
    schema: LOGS_SCHEMA,
    tool: { name: 'ssedoctor', version: options.version },
    source: options.source,
    lines: { ...log.counts },
    spanSeconds: log.firstTimeMs !== undefined && log.lastTimeMs !== undefined ? (log.lastTimeMs - log.firstTimeMs) / 1000 : null,
    totals: {
      connections: connections.length,
      decisionSets: new Set(connections.map((c) => c.id)).size,
      enqueued: log.enqueued.size,
      byLookup,
      heartbeatOnly: rows.filter((r) => r.heartbeatOnly).length,
      notEnqueued,
      unheardEvents,
    },
    waits: {
      count: waits.length,
      p50: quantile(waits, 0.5),
      p99: quantile(waits, 0.99),
      max: waits.at(-1) ?? null,
      retryDelayMs: retryDelayMs ?? null,
      windowMs: windowMs ?? null,
    },
    recommendation,
    notes,
    connections: rows,
  };
}
