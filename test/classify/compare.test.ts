/** comparePaths is pure: two hand-built transcripts in, the named differences out. Table-driven. */
import { describe, expect, it } from 'vitest';
import { comparePaths, pathProfile } from '../../src/classify/compare.js';
import type { StreamAttempt, StreamRecord, Transcript } from '../../src/model.js';

const ev = (type: string, atMs: number, read: number): StreamRecord => ({ kind: 'event', type, atMs, read, data: '{}' });

/** A healthy stream: head 20 ms after the request, 4 events in 4 reads, terminal at 400 ms. */
function attempt(over: Partial<StreamAttempt> = {}): StreamAttempt {
  return {
    attempt: 1,
    url: 'http://h/api/streams/1',
    requestedMs: 10,
    headersMs: 30,
    firstByteMs: 31,
    lastByteMs: 400,
    endMs: 400,
    status: 200,
    headers: { 'content-type': 'text/event-stream' },
    end: 'terminal',
    reads: 4,
    bytes: 400,
    records: [ev('node-start', 100, 0), ev('node-complete', 200, 1), ev('node-start', 300, 2), ev('workflow-complete', 400, 3)],
    recordsDropped: 0,
    counts: {},
    warnings: [],
    ...over,
  };
}

function run(a: StreamAttempt): Transcript {
  return {
    startedAt: '2026-01-01T00:00:00.000Z',
    t0EpochMs: 0,
    enqueue: { url: 'http://h/api/chat/async', sentMs: 0, status: 200, id: '1' },
    attempts: [a],
    terminalEvent: 'workflow-complete',
    heartbeatEvents: ['heartbeat'],
    endMs: a.endMs ?? 0,
  };
}

const healthy = run(attempt());

const cases: { name: string; b: Transcript; codes: string[]; fix?: RegExp; message?: RegExp }[] = [
  // Same behaviour on both paths: nothing to say.
  { name: 'identical paths', b: healthy, codes: [] },
  // Head 3 s late and glued to the first byte, through a proxy that announces itself.
  {
    name: 'head held via b',
    b: run(attempt({ headersMs: 3010, firstByteMs: 3011, headers: { 'content-type': 'text/event-stream', via: '1.1 nginx' }, records: [ev('node-start', 3011, 0), ev('workflow-complete', 3400, 1)], lastByteMs: 3400, endMs: 3400 })),
    codes: ['head-held', 'proxy-headers'],
    fix: /: ok/,
    message: /via: 1\.1 nginx/,
  },
  // A late head that the server says it spent looking the job up is not held.
  {
    name: 'late head explained by the server wait',
    b: run(attempt({ headersMs: 3010, firstByteMs: 3011, headers: { 'content-type': 'text/event-stream', 'x-lookup-wait-ms': '2990' } })),
    codes: [],
  },
  // Every event in the last read, as the response closed: a buffering layer.
  {
    name: 'all events at close via b',
    b: run(attempt({ end: 'eof', records: [ev('node-start', 2000, 0), ev('node-complete', 2000, 0), ev('workflow-complete', 2000, 0)], lastByteMs: 2000, endMs: 2001 })),
    codes: ['at-close'],
    fix: /proxy_buffering off/,
  },
  // Events in bursts of 4 per read on b only, the stream staying open.
  {
    name: 'bursts via b',
    b: run(attempt({ records: [ev('a', 100, 0), ev('b', 100, 0), ev('c', 100, 0), ev('d', 100, 0), ev('e', 400, 1), ev('f', 400, 1), ev('g', 400, 1), ev('workflow-complete', 400, 1)] })),
    codes: ['buffered'],
    message: /8 events in 2 reads/,
  },
  // gzip on b only and nothing delivered through it.
  {
    name: 'gzip via b',
    b: run(attempt({ headers: { 'content-type': 'text/event-stream', 'content-encoding': 'gzip' }, records: [], end: 'observe' })),
    codes: ['compressed'],
    fix: /gzip_types/,
    message: /no event reached/,
  },
  // b closed 2 s after its last byte, before the terminal event: an idle timeout.
  {
    name: 'idle cut-off via b',
    b: run(attempt({ end: 'eof', records: [ev('node-start', 100, 0)], lastByteMs: 100, endMs: 2100 })),
    codes: ['idle-cutoff'],
    fix: /every 1\.5 s.*proxy_read_timeout 1h/,
    message: /closed 2\.00 s after its last byte/,
  },
  // Only Server differs: a layer, but no fault.
  { name: 'server header differs', b: run(attempt({ headers: { 'content-type': 'text/event-stream', server: 'cloudflare' } })), codes: ['proxy-headers'] },
];

describe('comparePaths', () => {
  it.each(cases)('$name', ({ b, codes, fix, message }) => {
    const diffs = comparePaths(healthy, b);
    expect(diffs.map((d) => d.code)).toEqual(codes);
    for (const d of diffs) expect(d.path).toBe('b');
    if (fix) expect(diffs[0]!.fix).toMatch(fix);
    if (message) expect(diffs[0]!.message).toMatch(message);
  });

  it('is symmetric: the same fault on path a is named on path a', () => {
    const held = run(attempt({ headersMs: 3010, firstByteMs: 3011 }));
    const diffs = comparePaths(held, healthy);
    expect(diffs).toEqual([expect.objectContaining({ code: 'head-held', path: 'a', evidence: { a: expect.objectContaining({ headWaitMs: 3000 }), b: expect.objectContaining({ headWaitMs: 20 }) } })]);
  });

  it('profiles say unknown (null) for what was not measured', () => {
    const p = pathProfile(run(attempt({ status: 404, headersMs: 12, firstByteMs: undefined, records: [], end: 'rejected' })));
    expect(p).toMatchObject({ status: 404, headWaitMs: 2, headToFirstByteMs: null, firstEventMs: null, idleBeforeCloseMs: null });
  });
});
