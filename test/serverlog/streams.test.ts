/** The per-stream view of hand-written logs in both formats (fixtures/logs). */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { logsReport } from '../../src/serverlog/logs-report.js';
import { parseLogLine } from '../../src/serverlog/parse-line.js';
import { StreamLog } from '../../src/serverlog/streams.js';
import { clientRunsFromText, joinViews } from '../../src/serverlog/join.js';

function read(text: string): StreamLog {
  const log = new StreamLog();
  text.split('\n').forEach((line, i) => line.trim() && log.add(parseLogLine(line), i + 1));
  return log;
}
const fixture = (name: string): string => readFileSync(new URL(`../../fixtures/logs/${name}`, import.meta.url), 'utf8');
const byId = (doc: ReturnType<typeof logsReport>, id: string) => doc.connections.filter((c) => c.id === id);

describe('origin JSON log', () => {
  const doc = logsReport(read(fixture('origin-json.log')), { source: 'origin-json.log', version: 't' });
  it('counts lines: stream lines, other lines, unreadable ones', () => {
    expect(doc.lines).toMatchObject({ lines: 17, json: 14, other: 1, bad: 2 });
  });
  it('a lookup that succeeded after retries: misses and wait from the extras', () => {
    expect(byId(doc, 'ds-aaa')).toMatchObject([{ lookup: 'after-retries', attempts: 5, waitMs: 1005, waitFrom: 'log', events: { WORKFLOW_START: 1, NODE_START: 1 } }]);
  });
  it('an exhausted window, and one on an id never enqueued (a job id passed as the stream id)', () => {
    expect(byId(doc, 'ds-bbb')).toMatchObject([{ lookup: 'exhausted', attempts: 31, waitMs: 6029, enqueued: true }]);
    expect(byId(doc, 'job-3')).toMatchObject([{ lookup: 'exhausted', enqueued: false }]);
    expect(doc.totals.notEnqueued).toBe(1);
    expect(doc.waits.windowMs).toBeCloseTo(6031, 0);
  });
  it('a heartbeat-only stream: its events attributed once the other lookups are known to have 404ed', () => {
    expect(byId(doc, 'ds-ccc')).toMatchObject([{ lookup: 'at-once', heartbeatOnly: true, events: { HEARTBEAT: 2 } }]);
    expect(doc.totals.heartbeatOnly).toBe(1);
    expect(doc.lines.unattributedEvents).toBe(0);
  });
  it('the retry delay from waits and misses', () => {
    expect(doc.waits.retryDelayMs).toBeCloseTo(201, 0);
  });
});

describe('origin plain log (extras dropped)', () => {
  const doc = logsReport(read(fixture('origin-plain.log')), { source: 'origin-plain.log', version: 't' });
  it('a result line with no id goes to the one connection looking up, its wait from the timestamps', () => {
    expect(byId(doc, 'ds-aaa')).toMatchObject([{ lookup: 'after-retries', waitMs: 1005, waitFrom: 'timestamps', attempts: null }]);
  });
  it('with two connections looking up, the result is not guessed: both are unknown', () => {
    expect(doc.lines.unattributedLookups).toBe(1);
    expect(byId(doc, 'ds-bbb')[0]!.lookup).toBe('unknown');
    expect(byId(doc, 'ds-ccc')[0]!.lookup).toBe('unknown');
    expect(doc.notes.join('\n')).toMatch(/1 lookup result line\(s\) name no decision set/);
  });
  it('a single-lookup 404 is no window miss: the advice is to poll', () => {
    expect(byId(doc, 'ds-ddd')).toMatchObject([{ lookup: 'single-404' }]);
    expect(doc.recommendation.kind).toBe('no-window');
    expect(doc.recommendation.text).toMatch(/Poll for it/);
  });
  it('counts the unreadable line', () => expect(doc.lines.bad).toBe(1));
});

describe('reference server text log (key=value extras)', () => {
  const doc = logsReport(read(fixture('reference-text.log')), { source: 'reference-text.log', version: 't' });
  it('reads the appended extras', () => {
    expect(byId(doc, 'ds-bbb')).toMatchObject([{ lookup: 'after-retries', attempts: 3, waitMs: 600, waitFrom: 'log' }]);
    expect(doc.waits.retryDelayMs).toBe(200);
  });
  it('attributes events to the streams that could have sent them', () => {
    expect(byId(doc, 'ds-aaa')[0]!.events).toEqual({ WORKFLOW_START: 1 });
    expect(byId(doc, 'ds-bbb')[0]!.events).toEqual({ WORKFLOW_START: 1 });
    expect(byId(doc, 'ds-ccc')[0]!.events).toEqual({ WORKFLOW_START: 1 });
  });
});

describe('join with client results', () => {
  const log = read(fixture('reference-text.log'));
  logsReport(log, { source: 'x', version: 't' });
  const ndjson = [
    { type: 'run', id: 'ds-aaa', outcome: 'healthy', attempts: { client: 1 }, timings: { openedWaitMs: 1012 } },
    // The client says 404 where the server found the set: the 404 came from elsewhere.
    { type: 'run', id: 'ds-bbb', outcome: 'early-404', attempts: { client: 1 }, timings: { notFoundWaitMs: 5 } },
    // The client waited 2.5 s for a head the server sent at once.
    { type: 'run', id: 'ds-ccc', outcome: 'healthy', attempts: { client: 1 }, timings: { openedWaitMs: 2500 } },
    { type: 'run', id: 'ds-elsewhere', outcome: 'healthy', timings: {} },
    { type: 'summary', schema: 'ssedoctor.load/v1' },
  ]
    .map((l) => JSON.stringify(l))
    .join('\n');
  const { runs, unusable } = clientRunsFromText(ndjson);
  const j = joinViews(log.connections, runs);
  it('joins by id and counts the rest', () => {
    expect(unusable).toBe(0);
    expect(j.joined.map((r) => r.id)).toEqual(['ds-aaa', 'ds-bbb', 'ds-ccc']);
    expect(j).toMatchObject({ clientOnly: 1, serverOnly: 1, disagreeing: 2 });
  });
  it('agrees where both saw the same wait', () => {
    expect(j.joined[0]).toMatchObject({ clientOutcome: 'healthy', clientWaitMs: 1012, serverLookup: 'after-retries', serverWaitMs: 1000, serverAttempts: 5, disagreements: [] });
  });
  it('flags a 404 the server did not send, and time spent outside the lookup', () => {
    expect(j.joined[1]!.disagreements.join()).toMatch(/the client got a 404 but the server found the decision set/);
    expect(j.joined[2]!.disagreements.join()).toMatch(/the client waited 2500 ms for the head, the server's lookup 0 ms: 2500 ms spent outside the lookup/);
  });
  it('reads verify --out documents too', () => {
    const verify = { schema: 'ssedoctor.verify/v1', outcome: 'healthy', attempts: { client: 1 }, serverWait: { ms: 998, perAttempt: [{ ms: 998 }] }, transcript: { enqueue: { id: 'ds-aaa' } } };
    expect(clientRunsFromText(JSON.stringify(verify)).runs).toEqual([{ id: 'ds-aaa', outcome: 'healthy', waitMs: 998, attempts: 1, from: 'verify' }]);
  });
});
