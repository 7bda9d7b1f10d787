/** The `head-held` finding: a response head that waited for the first body byte, and who held it. */
import type { StreamAttempt, Transcript } from '../model.js';
import { heldLayer, type PathEvidence } from './path-evidence.js';
import { finalRequestMs, type ServerWait } from './server-wait.js';
import { REPLAY_SLACK_MS, sentAt } from './envelope-timing.js';
import { HELD_HEAD_MS, SAME_PACKET_MS, fmt, r1, secs, type Finding } from './finding.js';

/**
 * Head held: it came over a second after the request beyond the server's own measured lookup wait,
 * together with the first body byte. Without lookup headers the whole GET → head counts (a slow lookup
 * whose first frame follows later is told apart by that separate first byte).
 */
export function heldHead(t: Transcript, a: StreamAttempt, wait: ServerWait | undefined, path: PathEvidence): Finding | undefined {
  if (a.headersMs === undefined || a.firstByteMs === undefined) return undefined;
  const getAt = finalRequestMs(a);
  const lookup = wait?.source === 'header' ? wait.ms : 0;
  const lag = a.headersMs - getAt - lookup;
  const together = a.firstByteMs - a.headersMs;
  if (lag <= HELD_HEAD_MS || together >= SAME_PACKET_MS) return undefined;
  const layer = heldLayer(path);
  const who =
    layer === 'proxy'
      ? `a proxy held the response head ${secs(lag)} until the first body byte (${path.text})`
      : layer === 'application'
        ? `the application held its response head ${secs(lag)} until its first frame (${path.text})`
        : `the response head was held ${secs(lag)} until the first body byte (${path.text}: the layer is not known)`;
  // Evidence of HTTP/2 (the answer came over h2): there a HEADERS frame held until the first DATA frame is an ingress habit.
  const h2 = a.protocol === 'h2' ? '; over HTTP/2 (h2) the HEADERS frame arrived with the first DATA frame' : '';
  // The envelopes' own clock can show the app was already streaming while its head was on the way.
  const stamps = a.records
    .filter((r) => r.kind === 'event')
    .map((r) => sentAt(r.data))
    .filter((at): at is number => at !== undefined && at - t.t0EpochMs >= getAt - REPLAY_SLACK_MS);
  const firstSent = stamps.length > 0 ? Math.min(...stamps) - t.t0EpochMs : undefined;
  const streamedBefore = firstSent !== undefined && a.headersMs - firstSent >= HELD_HEAD_MS / 2;
  const unmeasured = streamedBefore
    ? `; the app sent its first event at ${fmt(firstSent)}, ${secs(a.headersMs - firstSent)} before the head arrived`
    : wait?.source === 'header'
      ? ''
      : '; the server sent no lookup headers, so a lookup that ended with a frame ready looks the same';
  const fix =
    layer === 'proxy'
      ? 'flush a comment such as ": ok" right after the head (proxies and HTTP/2 ingresses forward the head with the first DATA frame)'
      : 'write a comment such as ": ok" right after the head, so the head goes out at once';
  return {
    code: 'head-held',
    message: `${who}${h2}${unmeasured}; ${fix}`,
    evidence: {
      getSentMs: r1(getAt),
      headMs: r1(a.headersMs),
      firstByteMs: r1(a.firstByteMs),
      headLagMs: r1(lag),
      headToFirstByteMs: r1(together),
      serverWaitMs: wait?.source === 'header' ? r1(wait.ms) : null,
      firstEventSentMs: r1(firstSent),
      server: path.server,
      via: path.via,
      xAccelBuffering: a.headers?.['x-accel-buffering'] ?? null,
      protocol: a.protocol ?? null,
    },
    layer,
  };
}
