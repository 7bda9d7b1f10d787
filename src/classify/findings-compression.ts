/** Compression on an event stream: an encoder that does not flush per event holds events back. Pure. */
import type { StreamAttempt, Transcript } from '../model.js';
import { BURST_SPAN_MS, fmt, r1, type Finding } from './finding.js';
import { isMeaningful, streamAttempt, waterfall } from './waterfall.js';

export function compressedFinding(t: Transcript, a: StreamAttempt, encoding: string): Finding {
  const heartbeats = new Set(t.heartbeatEvents);
  const meaningful = a.records.filter((r) => isMeaningful(r, heartbeats));
  const first = meaningful[0]?.atMs;
  const what =
    first === undefined
      ? `and no event arrived in ${fmt((a.endMs ?? t.endMs) - (a.headersMs ?? a.requestedMs))} after the head: the encoder holds events until a block fills`
      : `(${meaningful.length} events arrived, the first at ${fmt(first)}): an encoder that does not flush per event delays them`;
  return {
    code: 'compressed',
    message: `the stream is compressed (${encoding}) ${what}; exclude text/event-stream from compression`,
    evidence: {
      contentEncoding: encoding,
      acceptEncoding: a.acceptEncoding ?? null,
      events: meaningful.length,
      firstMeaningfulEventMs: r1(first),
      bytes: a.bytes,
    },
  };
}

/**
 * The browser-like attach came back compressed and delivered no progress (or far later) while the
 * identity comparison run (transcript.encodingCheck) delivered events.
 */
export function compressionComparison(t: Transcript): Finding[] {
  const check = t.encodingCheck;
  const a = streamAttempt(t);
  const encoding = a?.headers?.['content-encoding'];
  if (!check || !a || !encoding || encoding.toLowerCase() === 'identity') return [];
  const mine = waterfall(t);
  const theirs = waterfall(check.transcript);
  if (theirs.firstEventMs === undefined) return [];
  const browser = mine.firstEventMs;
  const late = browser === undefined || browser > theirs.firstEventMs + Math.max(BURST_SPAN_MS, theirs.firstEventMs);
  if (!late) return [];
  const browserText = browser === undefined ? `no event in ${fmt((mine.endMs ?? t.endMs) - (mine.headMs ?? 0))} after the head` : `its first event only at ${fmt(browser)}`;
  return [
    {
      code: 'compression-holds-events',
      message: `a browser-like attach (Accept-Encoding: ${a.acceptEncoding ?? 'unknown'}) got a ${encoding} stream and ${browserText}, while an identity attach got its first event at ${fmt(theirs.firstEventMs)}: compression on the path holds the events back; exclude text/event-stream from compression or flush after every event`,
      evidence: {
        contentEncoding: encoding,
        acceptEncoding: a.acceptEncoding ?? null,
        browserFirstEventMs: r1(browser),
        identityFirstEventMs: r1(theirs.firstEventMs),
        identityAcceptEncoding: check.acceptEncoding,
      },
    },
  ];
}

