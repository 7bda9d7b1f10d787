/** The classifier is pure: recorded transcripts (golden set) and hand-built edge cases, table-driven. */
import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { classify } from '../../src/classify/classify.js';
import { diagnose, verdict } from '../../src/classify/diagnose.js';
import { OUTCOMES } from '../../src/classify/outcomes.js';
import type { StreamAttempt, Transcript } from '../../src/model.js';

const dir = new URL('../../fixtures/transcripts/', import.meta.url);

/** What each recorded scenario must classify as; written by hand, not by the classifier. */
const EXPECTED: Record<string, string> = {
  healthy: 'healthy',
  'early-404-recovered': 'early-404',
  'early-404-never': 'early-404',
  'heartbeat-only': 'heartbeat-only',
  stalled: 'stalled',
  'error-event': 'error-event',
  'closed-early': 'closed-early',
  'not-sse': 'not-sse',
  'headers-held': 'healthy',
};

describe('golden transcripts (fixtures/transcripts, recorded from the reference server)', () => {
  const files = readdirSync(dir).filter((f) => f.endsWith('.json'));
  it('covers every expected fixture', () => {
    expect(files.map((f) => f.replace('.json', '')).sort()).toEqual(Object.keys(EXPECTED).sort());
  });
  it.each(files)('%s', (file) => {
    const fixture = JSON.parse(readFileSync(new URL(file, dir), 'utf8')) as { expect: string; transcript: Transcript };
    const want = EXPECTED[file.replace('.json', '')];
    expect(fixture.expect).toBe(want);
    expect(classify(fixture.transcript).outcome).toBe(want);
  });
  it('flags a held head as a finding, not an outcome; no Server or Via header, so no layer is blamed', () => {
    const { transcript } = JSON.parse(readFileSync(new URL('headers-held.json', dir), 'utf8')) as { transcript: Transcript };
    const held = diagnose(transcript).findings.find((f) => f.code === 'head-held');
    expect(held).toMatchObject({ layer: 'unknown', evidence: { serverWaitMs: 402.7, via: null, server: null } });
    expect(held?.message).not.toMatch(/proxy|buffer/);
  });
});

// Builders for hand-made transcripts.
function attempt(over: Partial<StreamAttempt> = {}): StreamAttempt {
  return { attempt: 1, url: 'http://x/api/streams/1', requestedMs: 5, reads: 0, bytes: 0, records: [], recordsDropped: 0, counts: {}, warnings: [], ...over };
}
const sse = { 'content-type': 'text/event-stream; charset=utf-8' };
function transcript(attempts: StreamAttempt[], enqueue: Partial<Transcript['enqueue']> = {}): Transcript {
  return {
    startedAt: '2026-11-24T10:00:00.000Z',
    t0EpochMs: 0,
    enqueue: { url: 'http://x/api/chat/async', sentMs: 0, headersMs: 3, status: 200, id: '1', ...enqueue },
    attempts,
    terminalEvent: 'workflow-complete',
    heartbeatEvents: ['heartbeat'],
    endMs: 100,
  };
}
const err = (code: string) => ({ code, codes: [code], message: code });

describe('classify edge cases', () => {
  it.each<[string, Transcript, string]>([
    // [why, transcript, expected outcome]
    ['connection refused on the POST', transcript([], { status: undefined, headersMs: undefined, id: undefined, error: err('ECONNREFUSED') }), 'unreachable'],
    ['DNS failure on the POST', transcript([], { status: undefined, id: undefined, error: err('ENOTFOUND') }), 'unreachable'],
    ['ssedoctor out of file descriptors on the POST', transcript([], { status: undefined, id: undefined, error: err('EMFILE') }), 'client-limit'],
    ['no free local port for the stream', transcript([attempt({ end: 'error', error: err('EADDRNOTAVAIL') })]), 'client-limit'],
    ['headers timeout on the POST', transcript([], { status: undefined, id: undefined, error: err('UND_ERR_HEADERS_TIMEOUT') }), 'timeout'],
    ['POST aborted by Ctrl-C', transcript([], { status: undefined, id: undefined, error: err('UND_ERR_ABORTED') }), 'interrupted'],
    ['POST answered 500', transcript([], { status: 500, id: undefined, bodyPreview: '{"detail":"Failed to create job"}' }), 'enqueue-failed'],
    ['POST 200 without an id', transcript([], { id: undefined, problem: 'no id' }), 'enqueue-failed'],
    ['stream headers timeout', transcript([attempt({ end: 'error', error: err('UND_ERR_HEADERS_TIMEOUT') })]), 'timeout'],
    ['stream reset before a head', transcript([attempt({ end: 'error', error: err('ECONNRESET') })]), 'closed-early'],
    ['routing 404 is a wrong path', transcript([attempt({ status: 404, bodyPreview: '{"detail":"Not Found"}', end: 'rejected' })]), 'http-error'],
    ['decision-set 404', transcript([attempt({ status: 404, bodyPreview: '{"detail":"Decision set not found"}', end: 'rejected' })]), 'early-404'],
    ['plain-text 404 from another framework counts as the race', transcript([attempt({ status: 404, bodyPreview: 'no such job', end: 'rejected' })]), 'early-404'],
    ['503 from a proxy', transcript([attempt({ status: 503, bodyPreview: '<html>', end: 'rejected' })]), 'http-error'],
    ['200 without a content type', transcript([attempt({ status: 200, headers: {}, end: 'rejected' })]), 'not-sse'],
    ['Text/Event-Stream in mixed case is SSE', transcript([attempt({ status: 200, headers: { 'content-type': 'Text/Event-Stream;' }, end: 'terminal', counts: { 'workflow-complete': 1 } })]), 'healthy'],
    ['oversized event', transcript([attempt({ status: 200, headers: sse, end: 'oversized' })]), 'malformed-stream'],
    ['silent stream until --observe', transcript([attempt({ status: 200, headers: sse, end: 'observe' })]), 'timeout'],
    ['only comments until --observe', transcript([attempt({ status: 200, headers: sse, end: 'observe', counts: { comment: 4 } })]), 'heartbeat-only'],
    ['progress then --observe', transcript([attempt({ status: 200, headers: sse, end: 'observe', counts: { 'node-start': 2 } })]), 'stalled'],
    ['EOF with no events', transcript([attempt({ status: 200, headers: sse, end: 'eof' })]), 'closed-early'],
    ['error event beats a later completion', transcript([attempt({ status: 200, headers: sse, end: 'terminal', counts: { error: 1, 'workflow-complete': 1 } })]), 'error-event'],
    ['interrupted while reading', transcript([attempt({ status: 200, headers: sse, end: 'interrupted', counts: { 'node-start': 1 } })]), 'interrupted'],
    ['redirect loop ending on a 302 is an HTTP error, not unreachable', transcript([attempt({ status: 302, headers: { location: '/a' }, end: 'rejected', url: 'http://x/a', redirects: [{ status: 302, location: 'http://x/b', atMs: 6 }, { status: 302, location: 'http://x/a', atMs: 7 }] })]), 'http-error'],
    ['404 then a stream that stalls is still the race', transcript([
      attempt({ status: 404, bodyPreview: '{"detail":"Decision set not found"}', end: 'rejected' }),
      attempt({ attempt: 2, status: 200, headers: sse, end: 'idle', counts: { heartbeat: 2 } }),
    ]), 'early-404'],
  ])('%s', (_why, t, want) => {
    expect(classify(t).outcome).toBe(want);
  });

  it('every outcome has a summary, a hint and an exit code', () => {
    for (const o of OUTCOMES) {
      expect(o.summary.length).toBeGreaterThan(10);
      expect(o.hint.length).toBeGreaterThan(10);
      expect([0, 1, 3, 4, 130]).toContain(o.exitCode);
    }
  });
});

describe('findings from envelope timestamps', () => {
  const at = (epochMs: number): string => new Date(epochMs).toISOString().replace('Z', '000+00:00');
  const event = (sent: number, read: number, atMs: number) => ({
    kind: 'event' as const,
    type: 'node-start',
    atMs,
    read,
    data: `{"type": "node-start", "decision_set_id": "1", "timestamp": "${at(sent)}", "data": {"node": "a"}}`,
  });
  const t0 = Date.parse('2026-11-24T10:00:00Z');
  const run = (records: ReturnType<typeof event>[]) =>
    diagnose({
      ...transcript([attempt({ status: 200, headers: sse, headersMs: 100, end: 'terminal', records, counts: { 'node-start': records.length } })]),
      t0EpochMs: t0,
    }).findings.map((f) => f.code);

  it.each([
    // [why, records, expected finding codes]
    ['live events, one per read: nothing to say', [event(t0 + 200, 0, 201), event(t0 + 1400, 1, 1401), event(t0 + 2600, 2, 2601)], []],
    ['three live events sent over 2 s in one read: body-buffered', [event(t0 + 200, 0, 2300), event(t0 + 1200, 0, 2300), event(t0 + 2200, 0, 2300)], ['body-buffered']],
    ['three live events sent within 0.5 s in one read: produced together, nothing held', [event(t0 + 200, 0, 800), event(t0 + 400, 0, 800), event(t0 + 700, 0, 800)], []],
    ['history sent before the head, in one read: replayed, not buffered', [event(t0 - 5000, 0, 101), event(t0 - 3000, 0, 101), event(t0 - 1000, 0, 101)], ['replayed']],
    // No lookup headers: the head's arrival only bounds the subscription from above (seen behind nginx under load).
    ['sent after the GET, just before the head arrived with them: not provably history, nothing to say', [event(t0 + 20, 0, 101), event(t0 + 21, 0, 101)], []],
  ])('%s', (_why, records, want) => {
    expect(run(records).filter((c) => c === 'body-buffered' || c === 'replayed')).toEqual(want);
  });
});

describe('verdict: what a load aggregates of every run', () => {
  const files = readdirSync(dir).filter((f) => f.endsWith('.json'));
  it.each(files)('%s: the diagnosis without its findings and hint', (file) => {
    const { transcript } = JSON.parse(readFileSync(new URL(file, dir), 'utf8')) as { transcript: Transcript };
    const { findings: _findings, hint: _hint, ...rest } = diagnose(transcript);
    expect(verdict(transcript)).toEqual(rest);
    expect(verdict(transcript)).not.toHaveProperty('findings');
  });
});
