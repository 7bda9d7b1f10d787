/** Builders for hand-made transcripts in the classify table tests. */
import type { StreamAttempt, StreamRecord, Transcript } from '../../src/model.js';

export function attempt(over: Partial<StreamAttempt> = {}): StreamAttempt {
  return { attempt: 1, url: 'http://x/api/streams/1', requestedMs: 5, reads: 0, bytes: 0, records: [], recordsDropped: 0, counts: {}, warnings: [], ...over };
}

export const sse = { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-cache' };

export function transcript(attempts: StreamAttempt[], over: Partial<Transcript> = {}): Transcript {
  return {
    startedAt: '2026-11-24T10:00:00.000Z',
    t0EpochMs: 0,
    enqueue: { url: 'http://x/api/chat/async', sentMs: 0, headersMs: 3, doneMs: 4, status: 200, id: '1' },
    attempts,
    terminalEvent: 'workflow-complete',
    heartbeatEvents: ['heartbeat'],
    endMs: 100,
    ...over,
  };
}

/** An event record (no envelope timestamp unless `data` carries one). */
export function ev(type: string, atMs: number, read: number, data = '{}'): StreamRecord {
  return { kind: 'event', type, atMs, read, data };
}

/** A comment record. */
export function comment(atMs: number, read: number): StreamRecord {
  return { kind: 'comment', type: 'comment', atMs, read, data: 'ping' };
}

/** Counts per type of a record list, as the probe keeps them. */
export function countsOf(records: StreamRecord[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const r of records) out[r.type] = (out[r.type] ?? 0) + 1;
  return out;
}

/** An opened stream attempt carrying `records`, with reads and counts filled in. */
export function stream(records: StreamRecord[], over: Partial<StreamAttempt> = {}): StreamAttempt {
  const reads = records.length > 0 ? Math.max(...records.map((r) => r.read)) + 1 : 0;
  return attempt({ status: 200, headers: sse, headersMs: 20, firstByteMs: 21, records, counts: countsOf(records), reads, bytes: 100 * records.length, ...over });
}
