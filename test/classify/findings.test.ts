/** Findings only on evidence: positive and negative rows, each finding checked for its layer and evidence. */
import { describe, expect, it } from 'vitest';
import { diagnose } from '../../src/classify/diagnose.js';
import type { Finding } from '../../src/classify/findings.js';
import type { StreamRecord, Transcript } from '../../src/model.js';
import { attempt, comment, ev, sse, stream, transcript } from './builders.js';

const t0 = Date.parse('2026-11-24T10:00:00Z');
/** A node event whose envelope says it was sent at `sentMs` after T0. */
function stamped(sentMs: number, read: number, atMs: number): StreamRecord {
  const ts = new Date(t0 + sentMs).toISOString().replace('Z', '000+00:00');
  return ev('node-start', atMs, read, `{"type": "node-start", "timestamp": "${ts}", "data": {"node": "a"}}`);
}
const onTime = [stamped(100, 0, 101), stamped(1100, 1, 1101), stamped(2100, 2, 2101)];
const uvicorn = { ...sse, server: 'uvicorn' };
const nginx = { ...sse, server: 'nginx/1.22.1' };
const viaNginx = { ...sse, via: '1.1 nginx' };
const decisionSet404 = '{"detail":"Decision set not found"}';

const run = (t: Transcript): Finding[] => diagnose({ ...t, t0EpochMs: t0 }).findings;
const codes = (t: Transcript): string[] => run(t).map((f) => f.code);
const find = (t: Transcript, code: string): Finding | undefined => run(t).find((f) => f.code === code);

describe('head-held: the layer named only from headers', () => {
  const held = (headers: Record<string, string>) =>
    transcript([stream([ev('node-start', 3005, 0)], { headers, requestedMs: 5, headersMs: 3005, firstByteMs: 3006, end: 'terminal', endMs: 3100 })]);

  it.each<[string, Record<string, string>, Finding['layer'], RegExp]>([
    // [why, response headers, expected layer, expected message]
    ['uvicorn, no Via: the application held it', uvicorn, 'application', /^the application held its response head 3\.0 s until its first frame \(server: uvicorn, no Via\)/],
    ['Via: 1.1 nginx: a proxy held it', { ...uvicorn, via: '1.1 nginx' }, 'proxy', /^a proxy held the response head 3\.0 s until the first body byte \(via: 1\.1 nginx\)/],
    ['Server: nginx: a proxy held it', nginx, 'proxy', /\(server: nginx\/1\.22\.1\)/],
    ['no Server, no Via: not known, and no proxy named', sse, 'unknown', /^the response head was held 3\.0 s until the first body byte \(no Server or Via header: the layer is not known\)/],
  ])('%s', (_why, headers, layer, message) => {
    const f = find(held(headers), 'head-held');
    expect(f?.layer).toBe(layer);
    expect(f?.message).toMatch(message);
    expect(f?.evidence).toMatchObject({ getSentMs: 5, headMs: 3005, firstByteMs: 3006, headLagMs: 3000, headToFirstByteMs: 1 });
    if (layer !== 'proxy') expect(f?.message).not.toMatch(/proxy|buffer/);
  });

  it.each<[string, Transcript, string[]]>([
    // [why, transcript, expected codes among head-held / slow-lookup]
    ['no lookup headers, head late, first byte 2 s later: a slow lookup (inferred), not a held head',
      transcript([stream([ev('node-start', 5005, 0)], { headers: uvicorn, requestedMs: 5, headersMs: 3005, firstByteMs: 5005, end: 'terminal', endMs: 5100 })]), ['slow-lookup']],
    ['the server says it waited 2.9 s of the 3 s: a slow lookup, the head was not held',
      transcript([stream([ev('node-start', 3006, 0)], { headers: { ...uvicorn, 'x-lookup-wait-ms': '2900', 'x-lookup-attempts': '15' }, requestedMs: 5, headersMs: 3005, firstByteMs: 3006, end: 'terminal', endMs: 3100 })]), ['slow-lookup']],
    ['a prompt head: nothing', transcript([stream(onTime, { headers: uvicorn, requestedMs: 5, headersMs: 40, firstByteMs: 41, end: 'terminal', endMs: 2200 })]), []],
  ])('%s', (_why, t, want) => {
    expect(codes(t).filter((c) => c === 'head-held' || c === 'slow-lookup')).toEqual(want);
  });

  it('slow-lookup says where its figure came from', () => {
    const inferred = find(transcript([stream([], { headers: uvicorn, requestedMs: 5, headersMs: 1505, firstByteMs: 2600, end: 'idle', endMs: 3000 })]), 'slow-lookup');
    expect(inferred?.message).toMatch(/head came 1\.50 s after the GET .*a slow decision-set lookup \(inferred from GET → head/);
    expect(inferred?.evidence).toMatchObject({ waitMs: 1500, waitSource: 'inferred', lookups: null });
  });
});

describe('body-buffered, and no finding without evidence', () => {
  it.each<[string, Transcript, string[]]>([
    // [why, transcript, expected finding codes (all of them)]
    ['events on time behind nginx without X-Accel-Buffering: nothing to say', transcript([stream(onTime, { headers: viaNginx, end: 'terminal', endMs: 2200 })]), []],
    ['events on time from uvicorn: nothing to say', transcript([stream(onTime, { headers: uvicorn, end: 'terminal', endMs: 2200 })]), []],
    ['live events sent over 2 s arriving in one read behind nginx: body-buffered', transcript([stream([stamped(100, 0, 2150), stamped(1100, 0, 2150), stamped(2100, 0, 2150)], { headers: viaNginx, end: 'terminal', endMs: 2200 })]), ['body-buffered']],
    ['no envelope timestamps, every event in the last read as the stream closed, 3 s after the head', transcript([stream([comment(25, 0), ev('node-start', 3020, 1), ev('node-complete', 3020, 1)], { end: 'eof', endMs: 3021, lastByteMs: 3020 })]), ['body-buffered']],
    ['no envelope timestamps, a fast job whose events all came 30 ms after the head: nothing held', transcript([stream([ev('node-start', 50, 0), ev('node-complete', 50, 0), ev('workflow-complete', 50, 0)], { end: 'terminal', endMs: 51 })]), []],
  ])('%s', (_why, t, want) => {
    expect(codes(t)).toEqual(want);
  });

  it('nginx holding the whole response (no lookup headers): head-held and body-buffered, both on the proxy; live, not replayed', () => {
    const t = transcript([
      stream([stamped(500, 0, 2620), stamped(1200, 0, 2620), stamped(1900, 0, 2620), stamped(2600, 0, 2620)], { headers: nginx, requestedMs: 17, headersMs: 2619, firstByteMs: 2619.4, end: 'terminal', endMs: 2621 }),
    ]);
    const found = run(t);
    expect(found.map((f) => [f.code, f.layer])).toEqual([['head-held', 'proxy'], ['body-buffered', 'proxy']]);
    // The envelopes show the app streaming from 500 ms: the head was held on the way, not by a lookup.
    expect(found[0]?.message).toMatch(/the app sent its first event at 500 ms, 2\.1 s before the head arrived/);
    expect(found[0]?.evidence.firstEventSentMs).toBe(500);
  });

  it('events published during a measured 3 s lookup and replayed on connect are history, not a burst', () => {
    const t = transcript([
      stream([stamped(1000, 0, 3010), stamped(2000, 0, 3010), stamped(2900, 0, 3010)], { headers: { ...uvicorn, 'x-lookup-wait-ms': '2990' }, requestedMs: 5, headersMs: 3005, firstByteMs: 3006, end: 'terminal', endMs: 3100 }),
    ]);
    expect(codes(t)).toEqual(['slow-lookup', 'replayed']);
  });

  it('behind a proxy it is blamed, with the missing X-Accel-Buffering as supporting evidence', () => {
    const f = find(transcript([stream([stamped(100, 0, 2150), stamped(1100, 0, 2150), stamped(2100, 0, 2150)], { headers: viaNginx, end: 'terminal', endMs: 2200 })]), 'body-buffered');
    expect(f).toMatchObject({ layer: 'proxy', evidence: { eventsInRead: 3, sentSpanMs: 2000, via: '1.1 nginx', xAccelBuffering: null } });
    expect(f?.message).toMatch(/a proxy on the path buffers the body \(via: 1\.1 nginx; no "X-Accel-Buffering: no" on the response\)/);
  });

  it('without proxy evidence no proxy is blamed', () => {
    const f = find(transcript([stream([stamped(100, 0, 2150), stamped(1100, 0, 2150), stamped(2100, 0, 2150)], { headers: uvicorn, end: 'terminal', endMs: 2200 })]), 'body-buffered');
    expect(f?.layer).toBe('unknown');
    expect(f?.message).toMatch(/no proxy shows in the headers/);
  });
});

describe('idle-cutoff', () => {
  const cut = (idleMs: number, headers: Record<string, string> = uvicorn, end: 'eof' | 'error' = 'eof') =>
    transcript([stream([ev('node-start', 100, 0)], { headers, end, lastByteMs: 100, endMs: 100 + idleMs })]);

  it.each<[string, Transcript, Partial<Record<string, unknown>> | undefined]>([
    // [why, transcript, expected evidence (undefined: no finding)]
    ['closed 2 s after the last byte: comment every 1.5 s', cut(2000), { idleMs: 2000, commentEveryS: 1.5, knownTimeout: null }],
    ['closed 1 s after: every 0.5 s', cut(1000), { idleMs: 1000, commentEveryS: 0.5 }],
    ['reset 60.5 s after: matches nginx / ALB', cut(60_500, viaNginx, 'error'), { idleMs: 60_500, commentEveryS: 45, knownTimeout: 'nginx proxy_read_timeout / AWS ALB idle timeout default (60 s)' }],
    ['closed 100 s after: matches Cloudflare', cut(100_000), { knownTimeout: 'Cloudflare proxy read timeout (100 s)' }],
    ['the server ended the body right after its last byte: no idle cut-off', cut(10), undefined],
  ])('%s', (_why, t, want) => {
    const f = find(t, 'idle-cutoff');
    if (want === undefined) expect(f).toBeUndefined();
    else expect(f?.evidence).toMatchObject(want);
  });

  it('says the gap and the interval that survives it, and names no proxy without evidence', () => {
    const f = find(cut(2000), 'idle-cutoff');
    expect(f?.message).toBe('closed 2.0 s after the last byte, without workflow-complete: an idle timeout on the path; send a comment at least every 1.5 s');
    expect(f?.layer).toBe('unknown');
    expect(find(cut(60_500, viaNginx, 'error'), 'idle-cutoff')?.layer).toBe('proxy');
  });

  it('a stream that reached the terminal event is never an idle cut-off', () => {
    const t = transcript([stream([ev('workflow-complete', 100, 0)], { end: 'eof', lastByteMs: 100, endMs: 5000 })]);
    expect(find(t, 'idle-cutoff')).toBeUndefined();
  });
});

describe('404s: a spent retry window vs a fast 404', () => {
  it.each<[string, Transcript, string[]]>([
    // [why, transcript, expected codes]
    ['fast 404 (3 ms): no window finding', transcript([attempt({ status: 404, headers: {}, bodyPreview: decisionSet404, requestedMs: 5, headersMs: 8, end: 'rejected' })]), []],
    ['404 after 6 s, no headers: the window ran out (inferred)', transcript([attempt({ status: 404, headers: {}, bodyPreview: decisionSet404, requestedMs: 5, headersMs: 6005, end: 'rejected' })]), ['window-exhausted']],
    ['routing 404 after 6 s: a wrong path, not a window', transcript([attempt({ status: 404, headers: {}, bodyPreview: '{"detail":"Not Found"}', requestedMs: 5, headersMs: 6005, end: 'rejected' })]), []],
  ])('%s', (_why, t, want) => {
    expect(codes(t)).toEqual(want);
  });

  it('names the window and carries the wait, its source and the lookups', () => {
    const t = transcript([
      attempt({ status: 404, headers: { 'x-lookup-wait-ms': '6003', 'x-lookup-attempts': '31' }, bodyPreview: decisionSet404, requestedMs: 5, headersMs: 6010, end: 'rejected' }),
    ]);
    const f = find(t, 'window-exhausted');
    expect(f?.message).toMatch(/^the server's retry window \(≈6\.0 s\) ran out before the job was persisted: 404 after 6\.00 s of lookups, 31 lookups \(x-lookup-wait-ms\)/);
    expect(f?.evidence).toMatchObject({ waitMs: 6003, waitSource: 'header', lookups: 31 });
  });
});

describe('compression', () => {
  const gzip = { ...sse, 'content-encoding': 'gzip' };
  const silent = (over: Partial<Transcript> = {}) =>
    transcript([stream([], { headers: gzip, acceptEncoding: 'gzip, deflate, br', end: 'observe', endMs: 2520, firstByteMs: 21 })], { endMs: 2520, ...over });
  const identityRun = (events: StreamRecord[]) => ({ acceptEncoding: 'identity', transcript: transcript([stream(events, { end: 'terminal', endMs: 900 })]) });

  it('a compressed stream is a finding with its header and what arrived', () => {
    const f = find(silent(), 'compressed');
    expect(f?.evidence).toMatchObject({ contentEncoding: 'gzip', acceptEncoding: 'gzip, deflate, br', events: 0, firstMeaningfulEventMs: null });
    expect(f?.message).toMatch(/no event arrived/);
  });

  it.each<[string, Transcript, boolean]>([
    // [why, transcript, compression-holds-events expected]
    ['browser-like attach silent, identity attach got events: compression holds them', silent({ encodingCheck: identityRun([ev('node-start', 610, 0), ev('workflow-complete', 890, 1)]) }), true],
    ['both silent: the job is silent, not the compression', silent({ encodingCheck: identityRun([ev('heartbeat', 610, 0)]) }), false],
    ['no comparison run: nothing to compare', silent(), false],
  ])('%s', (_why, t, want) => {
    const f = find(t, 'compression-holds-events');
    expect(f !== undefined).toBe(want);
    if (want) expect(f?.evidence).toMatchObject({ browserFirstEventMs: null, identityFirstEventMs: 610, contentEncoding: 'gzip' });
  });
});

describe('kept findings carry evidence too', () => {
  it('content-length, cache-control, unterminated, retry-storm', () => {
    const t = transcript([
      stream([ev('workflow-start', 30, 0), ev('workflow-start', 40, 1)], { headers: { 'content-type': 'text/event-stream', 'content-length': '120' }, pendingBytes: 12, end: 'eof', lastByteMs: 40, endMs: 41 }),
    ]);
    const byCode = Object.fromEntries(run(t).map((f) => [f.code, f.evidence]));
    expect(byCode).toMatchObject({
      'content-length': { contentLength: '120' },
      'cache-control': { cacheControl: null },
      unterminated: { pendingBytes: 12 },
      'retry-storm': { workflowStarts: 2 },
    });
    expect(Object.keys(byCode)).not.toContain('proxy-buffering');
  });
});
