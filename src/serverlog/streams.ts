/**
 * The per-stream view of a backend log, built line by line with state proportional to the number
 * of connections (not lines). Pure: feed it parsed lines, then read the result.
 *
 * Attribution follows what the lines carry. Lookup results name their decision set only in the
 * JSON format (and the reference server's text); in the origin's plain format they are given to
 * the one connection still looking up, or counted as unattributed. "SSE yielding event #n" never
 * names its stream, so events are attributed at the end, when every lookup's fate is known: a
 * connection can yield only once its lookup succeeded (at connect when found at once, at its
 * "succeeded" line otherwise; never after a 404). #1 goes to the one such connection that has
 * yielded nothing, #n to the one whose last event was #n−1 — otherwise the event is counted as
 * unattributed, never guessed. The replay keeps one small entry per connection and event, up to
 * MAX_TIMELINE entries; events past that are counted as unattributed.
 */
import type { LogEvent, ParsedLine } from './parse-line.js';

/** How a connection's decision-set lookup ended. */
export type LookupResult =
  /** Found on the first lookup (the origin logs nothing then). */
  | 'at-once'
  /** "Decision set lookup succeeded after retries". */
  | 'after-retries'
  /** "Decision set not found after waiting": the window ran out, 404. */
  | 'exhausted'
  /** "Decision set not found: <id>": a single lookup, immediate 404 (the original code). */
  | 'single-404'
  /** No lookup line while unattributed lookup lines exist: it may be one of those. */
  | 'unknown';

export interface Connection {
  /** The decision-set id of the `GET /api/streams/{id}`. */
  id: string;
  /** Line number of "SSE connection established" (1-based), or of the first line about it. */
  line: number;
  /** Log time of the connect line, ms (the log's clock). */
  timeMs?: number;
  lookup: LookupResult;
  /** Missed lookups before the result, as the origin counts them (its `attempts`). */
  attempts?: number;
  /** The lookup wait, s. */
  waitSeconds?: number;
  /** `log`: the line's wait_seconds; `timestamps`: the difference of the two lines' times (plain format). */
  waitFrom?: 'log' | 'timestamps';
  /** Events yielded on this connection, by StreamEventType name (attributed ones only). */
  events: Record<string, number>;
  /** The #n of the last event attributed to it. */
  lastYield: number;
}

export interface StreamLogCounts {
  lines: number;
  /** Lines about streams, by format. */
  json: number;
  text: number;
  /** Well-formed lines about something else. */
  other: number;
  /** Lines in neither format. */
  bad: number;
  /** Lookup results and yielded events that could not be tied to one connection. */
  unattributedLookups: number;
  unattributedEvents: number;
}

export class StreamLog {
  readonly counts: StreamLogCounts = { lines: 0, json: 0, text: 0, other: 0, bad: 0, unattributedLookups: 0, unattributedEvents: 0 };
  readonly connections: Connection[] = [];
  /** Decision sets named in "Job enqueued" lines, with their job id when logged. */
  readonly enqueued = new Map<string, string | undefined>();
  /** Events emitted per decision set, and how many of them found no connection (`connections: 0`). */
  readonly emitted = new Map<string, { events: number; unheard: number }>();
  /** Log time of the first and last timed line, ms. */
  firstTimeMs?: number;
  lastTimeMs?: number;
  /** Connections with no lookup result yet, oldest first. */
  private readonly looking = new Set<Connection>();
  /** Connects, successful lookups and events in log order, replayed by finish() to attribute events. */
  private readonly timeline: Mark[] = [];

  /** Adds one parsed line (`lineNo` 1-based). */
  add(parsed: ParsedLine, lineNo: number): void {
    this.counts.lines++;
    if (parsed.status === 'bad') {
      this.counts.bad++;
      return;
    }
    if (parsed.status === 'other') {
      this.counts.other++;
      return;
    }
    this.counts[parsed.format]++;
    if (parsed.timeMs !== undefined) {
      this.firstTimeMs ??= parsed.timeMs;
      this.lastTimeMs = parsed.timeMs;
    }
    this.apply(parsed.event, lineNo, parsed.timeMs);
  }

  private apply(e: LogEvent, line: number, timeMs: number | undefined): void {
    switch (e.kind) {
      case 'connect': {
        const c: Connection = { id: e.id, line, ...(timeMs !== undefined ? { timeMs } : {}), lookup: 'at-once', events: {}, lastYield: 0 };
        this.connections.push(c);
        this.looking.add(c);
        this.mark({ kind: 'connect', c });
        return;
      }
      case 'lookup-succeeded':
      case 'lookup-exhausted': {
        const c = this.lookingFor(e.id, line);
        if (!c) {
          this.counts.unattributedLookups++;
          return;
        }
        this.looking.delete(c);
        c.lookup = e.kind === 'lookup-succeeded' ? 'after-retries' : 'exhausted';
        if (e.attempts !== undefined) c.attempts = e.attempts;
        if (e.waitSeconds !== undefined) {
          c.waitSeconds = e.waitSeconds;
          c.waitFrom = 'log';
        } else if (timeMs !== undefined && c.timeMs !== undefined) {
          c.waitSeconds = Math.max(0, timeMs - c.timeMs) / 1000;
          c.waitFrom = 'timestamps';
        }
        if (c.lookup === 'after-retries') this.mark({ kind: 'opened', c });
        return;
      }
      case 'not-found-once': {
        const c = this.lookingFor(e.id, line);
        if (!c) return;
        this.looking.delete(c);
        c.lookup = 'single-404';
        c.attempts = 1;
        c.waitSeconds = 0;
        c.waitFrom = 'log';
        return;
      }
      case 'yield':
        if (!this.mark({ kind: 'yield', n: e.n, type: e.type })) this.counts.unattributedEvents++;
        return;
      case 'enqueued':
        if (e.id) this.enqueued.set(e.id, e.jobId);
        return;
      case 'emitted': {
        const s = this.emitted.get(e.id) ?? { events: 0, unheard: 0 };
        s.events++;
        if (e.connections === 0) s.unheard++;
        this.emitted.set(e.id, s);
        return;
      }
    }
  }

  /** The connection a lookup line belongs to: the oldest one of that id still looking, or the only one looking. */
  private lookingFor(id: string | undefined, line: number): Connection | undefined {
    if (id !== undefined) {
      for (const c of this.looking) if (c.id === id) return c;
      // Its connect line came before the log began.
      const c: Connection = { id, line, lookup: 'at-once', events: {}, lastYield: 0 };
      this.connections.push(c);
      return c;
    }
    return this.looking.size === 1 ? this.looking.values().next().value : undefined;
  }

  private mark(m: Mark): boolean {
    if (this.timeline.length >= MAX_TIMELINE && m.kind === 'yield') return false;
    this.timeline.push(m);
    return true;
  }

  /**
   * Settles connections that never logged a result — found at once (the origin logs nothing for
   * that), unless unattributed lookup lines exist that may be theirs — then attributes events.
   */
  finish(): Connection[] {
    for (const c of this.looking) if (this.counts.unattributedLookups > 0) c.lookup = 'unknown';
    this.looking.clear();
    const byLastYield = new Map<number, Set<Connection>>();
    const set = (n: number): Set<Connection> => {
      let s = byLastYield.get(n);
      if (!s) byLastYield.set(n, (s = new Set()));
      return s;
    };
    for (const m of this.timeline) {
      if (m.kind === 'connect') {
        // Found at once: open from its connect line. "unknown" may be too, so it stays a candidate.
        if (m.c.lookup === 'at-once' || m.c.lookup === 'unknown') set(0).add(m.c);
      } else if (m.kind === 'opened') set(0).add(m.c);
      else {
        const candidates = byLastYield.get(m.n - 1);
        if (!candidates || candidates.size !== 1) {
          this.counts.unattributedEvents++;
          continue;
        }
        const c = candidates.values().next().value!;
        candidates.delete(c);
        set(m.n).add(c);
        c.lastYield = m.n;
        c.events[m.type] = (c.events[m.type] ?? 0) + 1;
      }
    }
    this.timeline.length = 0;
    return this.connections;
  }
}

/** Entries of the attribution replay. */
type Mark = { kind: 'connect'; c: Connection } | { kind: 'opened'; c: Connection } | { kind: 'yield'; n: number; type: string };

/** Replay entries kept at most (a few tens of bytes each). */
export const MAX_TIMELINE = 2_000_000;

/** Heartbeats and nothing else: the "SSE yielding … HEARTBEAT" symptom of the seed guide. */
export function heartbeatOnly(c: Connection): boolean {
  const types = Object.keys(c.events);
  return types.length > 0 && types.every((t) => t === 'HEARTBEAT');
}
