/** The timing waterfall: pure, table-tested over hand-built transcripts. */
import { describe, expect, it } from 'vitest';
import { waterfall, type Waterfall } from '../../src/classify/waterfall.js';
import { attempt, comment, ev, stream, transcript } from './builders.js';

describe('waterfall', () => {
  it.each<[string, Parameters<typeof waterfall>[0], Partial<Waterfall>]>([
    // [why, transcript, expected fields]
    [
      'healthy run: every step, comments and heartbeats are not meaningful events',
      transcript([
        stream(
          [comment(22, 0), ev('workflow-start', 100, 1), ev('heartbeat', 150, 2), ev('node-start', 300, 3), ev('node-complete', 400, 4), ev('workflow-complete', 1400, 5)],
          { requestedMs: 6, headersMs: 20, firstByteMs: 22, end: 'terminal', endMs: 1401 },
        ),
      ]),
      // gaps 200, 100, 1000 ms: p50 200, p99 1000; longest stall: last event → terminal (1000 ms)
      { attempt: 1, postSentMs: 0, enqueueAnsweredMs: 4, getSentMs: 6, headMs: 20, firstByteMs: 22, firstEventMs: 100, secondEventMs: 300, endMs: 1400, endKind: 'terminal', gapP50Ms: 200, gapP99Ms: 1000, longestStallMs: 1000, meaningfulEvents: 4 },
    ],
    [
      'heartbeat-only stream: no meaningful event, the stall is the whole stream',
      transcript([stream([comment(30, 0), ev('heartbeat', 3000, 1)], { headersMs: 20, end: 'idle', endMs: 6020 })]),
      { firstEventMs: undefined, secondEventMs: undefined, endMs: 6020, endKind: 'idle', gapP50Ms: undefined, longestStallMs: 6000, meaningfulEvents: 0 },
    ],
    [
      'a 404, then a recovered attempt: the steps are the attempt that opened',
      transcript([
        attempt({ status: 404, headersMs: 9, endMs: 10, end: 'rejected' }),
        stream([ev('node-start', 2700, 0)], { attempt: 2, requestedMs: 2510, headersMs: 2600, firstByteMs: 2601, end: 'eof', endMs: 2800 }),
      ]),
      { attempt: 2, getSentMs: 2510, headMs: 2600, firstEventMs: 2700, endMs: 2800, endKind: 'eof', longestStallMs: 100 },
    ],
    [
      'no stream opened: the last attempt, no stall figure for a 404',
      transcript([attempt({ status: 404, headersMs: 9, endMs: 10, end: 'rejected' })]),
      { attempt: 1, headMs: 9, endMs: 10, endKind: 'rejected', longestStallMs: undefined },
    ],
    [
      'enqueue failed: only the POST and its answer',
      transcript([], { enqueue: { url: 'http://x/api/chat/async', sentMs: 0, headersMs: 7, status: 500 } }),
      { attempt: undefined, enqueueAnsweredMs: 7, getSentMs: undefined, headMs: undefined, meaningfulEvents: 0 },
    ],
  ])('%s', (_why, t, want) => {
    const w = waterfall(t);
    for (const [k, v] of Object.entries(want)) expect(w[k as keyof Waterfall], k).toBe(v);
  });
});
