/** The storm and connection-cap wording shared by the reports (pure). */
import { describe, expect, it } from 'vitest';
import type { LoadSummary } from '../../src/load/summary.js';
import { emptyStormCounts, type StormCounts } from '../../src/load/storm.js';
import { emptyConnectionCap } from '../../src/load/browser-tabs.js';
import { connectionsText } from '../../src/report/connections-text.js';
import { stormCaveat, stormDuplicates, stormHeadline, stormReplies } from '../../src/report/storm-text.js';

const storm = (o: Partial<StormCounts>): StormCounts => ({ ...emptyStormCounts({ atMs: 8000, jitterMs: 0 }), fired: 1, ...o });

describe('storm wording', () => {
  it.each([
    ['all back, no jitter', storm({ cut: 45, reopened: 45, replies: { opened: 45 } }), 'at 8.00 s, reconnects all at once (no jitter) · 45 open streams cut · 45 reopened (100.0 %)'],
    ['spread, some lost', storm({ jitterMs: 2000, cut: 4, reopened: 3, replies: { opened: 3, 'not-found': 1 } }), 'at 8.00 s, reconnects spread over 2.00 s of jitter · 4 open streams cut · 3 reopened (75.0 %)'],
  ])('headline: %s', (_why, s, text) => {
    expect(stormHeadline(s)).toBe(text);
  });

  it.each([
    ['fired and found streams', storm({ cut: 3, reopened: 3, replies: { opened: 3 } }), undefined],
    ['the load ended before the storm', storm({ fired: 0 }), /never fired/],
    ['nothing open at the storm', storm({ cut: 0 }), /no stream was open/],
    ['no cut stream reconnected (origin client, --attempts 0)', storm({ cut: 10, replies: { none: 10 } }), /none of the 10 cut streams reconnected.*--attempts 5/],
  ])('caveat: %s', (_why, s, expected) => {
    const caveat = stormCaveat(s);
    if (expected === undefined) expect(caveat).toBeUndefined();
    else expect(caveat).toMatch(expected);
  });

  it('replies in report order with shares, duplicates in words', () => {
    const s = storm({ cut: 4, reopened: 3, withDuplicates: 2, duplicated: 40, replies: { 'server-error': 1, opened: 3 } });
    expect(stormReplies(s)).toEqual([
      { label: 'stream opened', count: 3, percent: '75.0 %' },
      { label: '5xx', count: 1, percent: '25.0 %' },
    ]);
    expect(stormDuplicates(s)).toBe('2 of 3 reopened streams repeated events (40 events: history replayed)');
    expect(stormDuplicates(storm({ cut: 2, reopened: 2 }))).toBe('none of the 2 reopened streams repeated an event');
  });
});

describe('connection-cap wording', () => {
  const doc = (c: LoadSummary['connectionCap']): LoadSummary => ({ connectionCap: c }) as LoadSummary;
  it.each([
    ['a stream waited 4.2 s', { ...emptyConnectionCap(8), runs: 8, enqueueWaited: 2, streamWaited: 1, longestMs: 4200, longestWhat: 'stream' as const }, /^the longest: a stream request waited 4\.20 s for a free connection: browsers allow 6 per origin over HTTP\/1\.1/],
    ['7 tabs that never overlapped', { ...emptyConnectionCap(7), runs: 7 }, /^no request waited: fewer than 7 requests/],
    ['4 tabs cannot wait', { ...emptyConnectionCap(4), runs: 8 }, /^no request waited: 4 tabs never need more than 6 connections/],
  ])('%s', (_why, c, evidence) => {
    expect(connectionsText(doc(c))!.evidence).toMatch(evidence);
  });
  it('absent without --browser-tabs', () => {
    expect(connectionsText(doc(undefined))).toBeUndefined();
  });
});
