/** Per-run hints: the outcome table's text unless the evidence says more; never a guessed layer. */
import { describe, expect, it } from 'vitest';
import { diagnose } from '../../src/classify/diagnose.js';
import { outcomeInfo } from '../../src/classify/outcomes.js';
import type { Transcript } from '../../src/model.js';
import { attempt, ev, sse, stream, transcript } from './builders.js';

const decisionSet404 = '{"detail":"Decision set not found"}';

describe('runHint', () => {
  it.each<[string, Transcript, string, RegExp | null, RegExp | null]>([
    // [why, transcript, outcome, hint must match, hint must not match]
    ['fast 404: the stream looks the decision set up once', transcript([attempt({ status: 404, headers: {}, bodyPreview: decisionSet404, requestedMs: 5, headersMs: 8, end: 'rejected' })]),
      'early-404', /looks the decision set up once/, /ran out/],
    ['404 after a 6 s wait: the window ran out, raise it or fix the id', transcript([attempt({ status: 404, headers: {}, bodyPreview: decisionSet404, requestedMs: 5, headersMs: 6005, end: 'rejected' })]),
      'early-404', /retry window \(≈6\.0 s\) ran out before the job was persisted.*STREAM_DECISION_SET_MAX_WAIT.*job_id or thread_id/, /Poll before answering|looks the decision set up once/],
    ['silent compressed stream: compression, not a slow lookup', transcript([stream([], { headers: { ...sse, 'content-encoding': 'gzip' }, end: 'observe', endMs: 2500 })]),
      'timeout', /compressed \(gzip\)/, /lookup that waits longer than --timeout|proxy/],
    ['silent identity stream: nothing written; no proxy guessed', transcript([stream([], { end: 'observe', endMs: 2500 })]),
      'timeout', /stayed silent/, /proxy|buffer|lookup that waits/],
    ['no head in time: the lookup or a blocked handler', transcript([attempt({ end: 'error', error: { code: 'UND_ERR_HEADERS_TIMEOUT', codes: [], message: 'x' } })]),
      'timeout', /lookup that waits longer than --timeout/, null],
    ['closed 2 s after the last byte: the idle gap and the interval, not the generic list', transcript([stream([ev('node-start', 100, 0)], { end: 'eof', lastByteMs: 100, endMs: 2100 })]),
      'closed-early', /closed 2\.0 s after its last byte.*every 1\.5 s/, /55\/60\/100\/300|proxy/],
    ['closed right after the last byte: the server ended it', transcript([stream([ev('node-start', 100, 0)], { end: 'eof', lastByteMs: 100, endMs: 101 })]),
      'closed-early', /the server ended it/, /idle timeout|proxy/],
    ['redirect loop: fix the redirect rule', transcript([attempt({ status: 301, headers: { location: 'http://x/api/streams/1' }, end: 'rejected', redirects: [{ status: 301, location: 'http://x/api/streams/1/', atMs: 6 }] })]),
      'http-error', /redirects in a loop/, null],
    ['enqueue answered 407 (no configured proxy turns it into a refusal): an intercepting proxy', transcript([], { enqueue: { url: 'http://x/api/chat/async', sentMs: 0, headersMs: 3, doneMs: 4, status: 407, headers: { 'proxy-authenticate': 'Basic realm="corp"' } } }),
      'enqueue-failed', /^A proxy on the path answered 407 Proxy Authentication Required as the HTTP answer itself \(a configured forward proxy's refusal is reported as such\)/, null],
    ['stream answered 407', transcript([attempt({ status: 407, headers: {}, end: 'rejected' })]),
      'http-error', /^A proxy on the path answered 407/, null],
    ['enqueue answered 403: no proxy is named', transcript([], { enqueue: { url: 'http://x/api/chat/async', sentMs: 0, headersMs: 3, doneMs: 4, status: 403 } }),
      'enqueue-failed', null, /proxy/i],
  ])('%s', (_why, t, outcome, must, mustNot) => {
    const d = diagnose(t);
    expect(d.outcome.code).toBe(outcome);
    if (must) expect(d.hint).toMatch(must);
    if (mustNot) expect(d.hint).not.toMatch(mustNot);
  });

  it('a healthy run keeps the table text', () => {
    const d = diagnose(transcript([stream([ev('workflow-complete', 30, 0)], { end: 'terminal', endMs: 31 })]));
    expect(d.hint).toBe(outcomeInfo('healthy').hint);
  });

  it('the redirect loop detail names the chain', () => {
    const d = diagnose(
      transcript([attempt({ url: 'http://x/a', status: 302, headers: { location: '/b' }, end: 'rejected', redirects: [{ status: 302, location: 'http://x/b', atMs: 6 }, { status: 302, location: 'http://x/a', atMs: 7 }] })]),
    );
    expect(d.detail).toBe('redirect loop: /a → /b → /a (HTTP 302)');
    const long = diagnose(
      transcript([attempt({ url: 'http://x/0', status: 302, headers: { location: '/6' }, end: 'rejected', redirects: [1, 2, 3, 4, 5].map((i) => ({ status: 302, location: `http://x/${i}`, atMs: i })) })]),
    );
    expect(long.detail).toBe('more than 5 redirects: /0 → /1 → /2 → /3 → /4 → /5 → /6 (HTTP 302)');
    // As the probe records it: the hop it stopped on is in the chain too, not followed.
    const recorded = diagnose(
      transcript([attempt({ url: 'http://x/0', status: 302, headers: { location: '/6' }, end: 'rejected', redirects: [1, 2, 3, 4, 5, 6].map((i) => ({ status: 302, location: `http://x/${i}`, atMs: i })) })]),
    );
    expect(recorded.detail).toBe('more than 5 redirects: /0 → /1 → /2 → /3 → /4 → /5 → /6 (HTTP 302)');
  });
});

describe('what an EventSource does, in the outcome texts', () => {
  it('a named error event is a message: the page\'s handler reconnects, not the EventSource', () => {
    const e = outcomeInfo('error-event');
    expect(e.summary).toMatch(/MessageEvent/);
    expect(e.summary).not.toMatch(/reconnect/);
    expect(e.hint).toMatch(/neither closes nor reconnects.*origin frontend closes it and reconnects after 2\.5 s/);
  });
  it('a 404 fails an EventSource for good; a clean close reconnects after retry', () => {
    expect(outcomeInfo('early-404').hint).toMatch(/fails for good/);
    expect(outcomeInfo('closed-early').hint).toMatch(/reconnects after `retry`/);
    expect(outcomeInfo('closed-early').hint).not.toMatch(/55\/60\/100\/300/);
  });
});
