/**
 * One line of the origin backend's log → what it says about streams. Two shapes: python-json-logger
 * JSON lines (`{"asctime","levelname","name","message",...extra}`), and the dev text format
 * `%(asctime)s %(levelname)s %(name)s %(message)s` — which drops the `extra` fields in the origin,
 * while the reference server appends them as ` key=value`. Pure.
 */

/** What a log line says, by message. Times are ms on the log's own clock (its asctime, zone unknown). */
export type LogEvent =
  | { kind: 'connect'; id: string }
  | { kind: 'lookup-succeeded'; id?: string; attempts?: number; waitSeconds?: number }
  | { kind: 'lookup-exhausted'; id?: string; attempts?: number; waitSeconds?: number }
  | { kind: 'not-found-once'; id: string }
  | { kind: 'enqueued'; id?: string; jobId?: string }
  | { kind: 'yield'; n: number; type: string }
  | { kind: 'emitted'; id: string; type: string; connections: number };

export type ParsedLine =
  | { status: 'event'; format: 'json' | 'text'; timeMs?: number; event: LogEvent }
  /** A well-formed line about something else (another logger, another message). */
  | { status: 'other'; format: 'json' | 'text' }
  /** Neither format: counted, never fatal. */
  | { status: 'bad' };

const TEXT_LINE = /^(\d{4}-\d{2}-\d{2}[ T]\d{2}:\d{2}:\d{2}(?:[,.]\d{1,6})?)\s+(DEBUG|INFO|WARNING|WARN|ERROR|CRITICAL)\s+(\S+)\s(.*)$/;
const ASCTIME = /^(\d{4})-(\d{2})-(\d{2})[ T](\d{2}):(\d{2}):(\d{2})(?:[,.](\d{1,6}))?/;
/** The reference server's appended extras: ` key=value` pairs at the end of a text line. */
const TRAILING_EXTRAS = /((?:\s+(?:decision_set_id|attempts|wait_seconds|job_id)=\S+)+)\s*$/;

/** Python's asctime (`2026-11-24 10:11:13,724`) as ms since the epoch, read as UTC (only differences are used). */
export function parseAscTime(text: string): number | undefined {
  const m = ASCTIME.exec(text);
  if (!m) return undefined;
  const fraction = Number(`0.${m[7] ?? '0'}`) * 1000;
  return Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]), Number(m[4]), Number(m[5]), Number(m[6])) + fraction;
}

const num = (v: unknown): number | undefined => {
  const n = typeof v === 'number' ? v : typeof v === 'string' && v.trim() !== '' ? Number(v) : NaN;
  return Number.isFinite(n) ? n : undefined;
};
const str = (v: unknown): string | undefined => (typeof v === 'string' && v !== '' ? v : undefined);

/** The message (and extras) → an event, or undefined for messages about other things. */
export function eventOf(message: string, extra: Record<string, unknown>): LogEvent | undefined {
  let m: RegExpExecArray | null;
  const id = str(extra.decision_set_id);
  if ((m = /^SSE connection established for decision_set_id: (\S+)/.exec(message))) return { kind: 'connect', id: m[1]! };
  if (/^Decision set lookup succeeded after retries/.test(message) || /^Decision set not found after waiting/.test(message)) {
    const kind = message.startsWith('Decision set lookup') ? 'lookup-succeeded' : 'lookup-exhausted';
    const attempts = num(extra.attempts);
    const waitSeconds = num(extra.wait_seconds);
    return { kind, ...(id ? { id } : {}), ...(attempts !== undefined ? { attempts } : {}), ...(waitSeconds !== undefined ? { waitSeconds } : {}) };
  }
  if ((m = /^Decision set not found: (\S+)/.exec(message))) return { kind: 'not-found-once', id: m[1]! };
  if (/^Job enqueued/.test(message)) {
    const jobId = str(extra.job_id);
    return { kind: 'enqueued', ...(id ? { id } : {}), ...(jobId ? { jobId } : {}) };
  }
  if ((m = /^SSE yielding event #(\d+): StreamEventType\.(\w+)/.exec(message))) return { kind: 'yield', n: Number(m[1]), type: m[2]! };
  if ((m = /^Emitted StreamEventType\.(\w+) event for decision_set: ([^,\s]+), connections: (\d+)/.exec(message))) {
    return { kind: 'emitted', type: m[1]!, id: m[2]!, connections: Number(m[3]) };
  }
  return undefined;
}

/** Parses one line of either format. */
export function parseLogLine(line: string): ParsedLine {
  const text = line.trim();
  if (text.startsWith('{')) {
    let record: Record<string, unknown>;
    try {
      record = JSON.parse(text) as Record<string, unknown>;
    } catch {
      return { status: 'bad' };
    }
    if (typeof record !== 'object' || record === null || typeof record.message !== 'string') return { status: 'bad' };
    const event = eventOf(record.message, record);
    const timeMs = typeof record.asctime === 'string' ? parseAscTime(record.asctime) : undefined;
    if (!event) return { status: 'other', format: 'json' };
    return { status: 'event', format: 'json', ...(timeMs !== undefined ? { timeMs } : {}), event };
  }
  const m = TEXT_LINE.exec(text);
  if (!m) return { status: 'bad' };
  let message = m[4]!;
  const extra: Record<string, unknown> = {};
  const tail = TRAILING_EXTRAS.exec(message);
  if (tail) {
    for (const pair of tail[1]!.trim().split(/\s+/)) {
      const eq = pair.indexOf('=');
      extra[pair.slice(0, eq)] = pair.slice(eq + 1);
    }
    message = message.slice(0, tail.index);
  }
  const event = eventOf(message, extra);
  if (!event) return { status: 'other', format: 'text' };
  const timeMs = parseAscTime(m[1]!);
  return { status: 'event', format: 'text', ...(timeMs !== undefined ? { timeMs } : {}), event };
}
