/** The server's lookup wait: from its headers when sent, otherwise GET → head, for 200s and 404s alike. */
import { describe, expect, it } from 'vitest';
import { runMetrics } from '../../src/classify/metrics.js';
import { serverWait, type ServerWait } from '../../src/classify/server-wait.js';
import type { StreamAttempt } from '../../src/model.js';
import { attempt, sse, stream, transcript } from './builders.js';

describe('serverWait', () => {
  it.each<[string, StreamAttempt, ServerWait | undefined]>([
    // [why, attempt, expected wait]
    ['headers sent: the server\'s own figures win', stream([], { headers: { ...sse, 'x-lookup-wait-ms': '402.5', 'x-lookup-attempts': '3' }, requestedMs: 5, headersMs: 900 }), { ms: 402.5, source: 'header', lookups: 3 }],
    ['no headers, 200: GET → head', stream([], { headers: sse, requestedMs: 5, headersMs: 605 }), { ms: 600, source: 'inferred' }],
    ['no headers, 404: GET → head', attempt({ status: 404, headers: {}, requestedMs: 10, headersMs: 6010 }), { ms: 6000, source: 'inferred' }],
    ['after redirects the wait counts from the last hop', stream([], { requestedMs: 5, redirects: [{ status: 302, location: 'http://x/b', atMs: 50 }], headersMs: 650 }), { ms: 600, source: 'inferred' }],
    ['--browser-tabs: the wait for a free connection is not the server\'s', stream([], { requestedMs: 5, connectionWaitMs: 2000, headersMs: 2105 }), { ms: 100, source: 'inferred' }],
    ['--browser-tabs after redirects: the last hop\'s wait', stream([], { requestedMs: 5, redirects: [{ status: 302, location: 'http://x/b', atMs: 50 }], connectionWaitMs: 300, headersMs: 400 }), { ms: 50, source: 'inferred' }],
    ['a non-numeric header falls back to the inference', stream([], { headers: { ...sse, 'x-lookup-wait-ms': 'soon' }, requestedMs: 5, headersMs: 105 }), { ms: 100, source: 'inferred' }],
    ['no head at all: unknown, not zero', attempt({ end: 'error', error: { code: 'ECONNRESET', codes: ['ECONNRESET'], message: 'reset' } }), undefined],
  ])('%s', (_why, a, want) => {
    expect(serverWait(a)).toEqual(want);
  });
});

describe('run metrics: waits and their sources', () => {
  it('a fast 404 then an opened stream, no headers: both inferred, summed, routing 404s left out of not-found', () => {
    const m = runMetrics(
      transcript([
        attempt({ status: 404, headers: {}, bodyPreview: '{"detail":"Decision set not found"}', requestedMs: 5, headersMs: 8, end: 'rejected' }),
        stream([], { attempt: 2, requestedMs: 2510, headersMs: 3110, end: 'eof', endMs: 3200 }),
      ]),
    );
    expect(m.timings).toMatchObject({ openedWaitMs: 600, notFoundWaitMs: 3, serverWaitMs: 603 });
    expect(m.waitSources).toEqual({ serverWait: 'inferred', openedWait: 'inferred', notFoundWait: 'inferred' });
    expect(m.waits.map((w) => w.attempt)).toEqual([1, 2]);
  });

  it('a routing 404 is a wrong path: no not-found wait', () => {
    const m = runMetrics(transcript([attempt({ status: 404, headers: {}, bodyPreview: '{"detail":"Not Found"}', requestedMs: 5, headersMs: 8, end: 'rejected' })]));
    expect(m.timings.notFoundWaitMs).toBeUndefined();
  });
});
