/**
 * Byte-exact imitations of what the origin's Python stack writes: `json.dumps` with default
 * settings and `datetime.isoformat()` / `str(datetime)` of an aware UTC time.
 */

/** `json.dumps(value)`: `", "` and `": "` separators, non-ASCII escaped as \uXXXX, insertion order kept. */
export function pythonJson(value: unknown): string {
  if (value === null || value === undefined) return 'null';
  if (typeof value === 'string') return asciiString(value);
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  if (Array.isArray(value)) return `[${value.map(pythonJson).join(', ')}]`;
  const entries = Object.entries(value as Record<string, unknown>).map(
    ([k, v]) => `${asciiString(k)}: ${pythonJson(v)}`,
  );
  return `{${entries.join(', ')}}`;
}

function asciiString(s: string): string {
  // JSON.stringify escapes quotes and control characters; Python also escapes everything past 0x7e.
  return JSON.stringify(s).replace(/[\u007f-\uffff]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

/** Wall-clock now with microseconds (Date has only ms; the monotonic clock supplies the rest). */
function nowMicros(): { date: Date; micros: number } {
  const us = Math.floor((performance.timeOrigin + performance.now()) * 1000);
  return { date: new Date(Math.floor(us / 1000)), micros: us % 1_000_000 };
}

function format(sep: string): string {
  const { date, micros } = nowMicros();
  const base = date.toISOString().slice(0, 19).replace('T', sep);
  // Python drops the fractional part entirely when microseconds are 0.
  return micros === 0 ? `${base}+00:00` : `${base}.${String(micros).padStart(6, '0')}+00:00`;
}

/** `datetime.now(timezone.utc).isoformat()`, e.g. `2026-11-24T10:11:00.204161+00:00`. */
export function pythonIsoNow(): string {
  return format('T');
}

/** `str(datetime.now(timezone.utc))`, as in sse-starlette's ping comment: `2026-11-24 10:11:13.724380+00:00`. */
export function pythonStrNow(): string {
  return format(' ');
}

/** Python `logging` asctime: `2026-11-24 10:11:13,724`. */
export function pythonAscTime(date = new Date()): string {
  const iso = date.toISOString();
  return `${iso.slice(0, 10)} ${iso.slice(11, 19)},${iso.slice(20, 23)}`;
}
