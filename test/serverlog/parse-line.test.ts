/** One backend log line → what it says about streams, in both formats. */
import { describe, expect, it } from 'vitest';
import { parseAscTime, parseLogLine, type ParsedLine } from '../../src/serverlog/parse-line.js';

const rows: { line: string; want: ParsedLine | { status: string } }[] = [
  // python-json-logger: the extras carry id, attempts and wait.
  {
    line: '{"asctime": "2026-11-24 10:11:13,009", "levelname": "INFO", "name": "api.main", "message": "Decision set lookup succeeded after retries", "decision_set_id": "ds-1", "attempts": 5, "wait_seconds": 1.005}',
    want: { status: 'event', format: 'json', timeMs: Date.UTC(2026, 10, 24, 10, 11, 13, 9), event: { kind: 'lookup-succeeded', id: 'ds-1', attempts: 5, waitSeconds: 1.005 } },
  },
  // The origin's exhausted window, verified on the wire: 31 misses, 6.029 s.
  {
    line: '{"asctime": "2026-11-24 10:11:18,041", "levelname": "WARNING", "name": "api.main", "message": "Decision set not found after waiting", "decision_set_id": "ds-2", "attempts": 31, "wait_seconds": 6.029}',
    want: { status: 'event', format: 'json', event: { kind: 'lookup-exhausted', id: 'ds-2', attempts: 31, waitSeconds: 6.029 } },
  },
  // The dev format drops the extras: a result with no id, no wait.
  { line: '2026-11-24 10:11:13,009 INFO api.main Decision set lookup succeeded after retries', want: { status: 'event', format: 'text', event: { kind: 'lookup-succeeded' } } },
  // The reference server appends them as key=value.
  {
    line: '2026-11-24 10:11:13,009 WARNING api.main Decision set not found after waiting decision_set_id=ds-3 attempts=31 wait_seconds=6.0',
    want: { status: 'event', format: 'text', event: { kind: 'lookup-exhausted', id: 'ds-3', attempts: 31, waitSeconds: 6 } },
  },
  // The connect line, logged before the lookup (so also for requests that end in 404).
  { line: '2026-11-24 10:11:13,724 INFO api.main SSE connection established for decision_set_id: 3f2a-b', want: { status: 'event', format: 'text', event: { kind: 'connect', id: '3f2a-b' } } },
  // The original single lookup.
  { line: '2026-11-24 10:11:13,724 WARNING api.main Decision set not found: ds-9', want: { status: 'event', format: 'text', event: { kind: 'not-found-once', id: 'ds-9' } } },
  // Events carry no stream id.
  { line: '2026-11-24 10:11:13,724 INFO api.main SSE yielding event #12: StreamEventType.HEARTBEAT', want: { status: 'event', format: 'text', event: { kind: 'yield', n: 12, type: 'HEARTBEAT' } } },
  // Job enqueued, JSON: its job and decision set.
  {
    line: '{"asctime": "2026-11-24 10:11:12,001", "levelname": "INFO", "name": "api.main", "message": "Job enqueued", "job_id": "j-1", "decision_set_id": "ds-1"}',
    want: { status: 'event', format: 'json', event: { kind: 'enqueued', id: 'ds-1', jobId: 'j-1' } },
  },
  // Emitted with nobody listening (origin-protocol §7.5).
  {
    line: '2026-11-24 10:11:13,724 INFO libs.streaming_service Emitted StreamEventType.NODE_START event for decision_set: ds-4, connections: 0',
    want: { status: 'event', format: 'text', event: { kind: 'emitted', id: 'ds-4', type: 'NODE_START', connections: 0 } },
  },
  // Well-formed, about something else.
  { line: '2026-11-24 10:11:13,724 INFO libs.graph planner finished', want: { status: 'other', format: 'text' } },
  { line: '{"asctime": "2026-11-24 10:11:13,724", "levelname": "INFO", "name": "api.main", "message": "Startup complete"}', want: { status: 'other', format: 'json' } },
  // uvicorn's access log is neither format: counted as unreadable, not fatal.
  { line: 'INFO:     127.0.0.1:50412 - "GET /api/streams/ds-1 HTTP/1.1" 200 OK', want: { status: 'bad' } },
  // Truncated JSON.
  { line: '{"asctime": "2026-11-24 10:12:16, broken', want: { status: 'bad' } },
  // JSON without a message.
  { line: '{"level": "info"}', want: { status: 'bad' } },
];

describe('parseLogLine', () => {
  for (const { line, want } of rows) {
    it(line.slice(0, 90), () => expect(parseLogLine(line)).toMatchObject(want));
  }
  it('reads asctime with a comma or a dot, to the ms', () => {
    expect(parseAscTime('2026-11-24 10:11:13,724')).toBe(Date.UTC(2026, 10, 24, 10, 11, 13, 724));
    expect(parseAscTime('2026-11-24T10:11:13.724380')).toBeCloseTo(Date.UTC(2026, 10, 24, 10, 11, 13, 724) + 0.38, 3);
    expect(parseAscTime('yesterday')).toBeUndefined();
  });
});
