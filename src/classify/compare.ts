/**
 * Two runs of the same flow over two paths (e.g. direct to the app, and through the proxy or CDN),
 * compared to name the layer that changed the timing. Pure: transcripts in, differences out.
 * It computes its own few timings from the transcripts (GET → head, head → first byte, first
 * meaningful event, events per read, Content-Encoding, close − last byte) so that it depends on
 * nothing but the model. Thresholds follow the timing anchors of sse-conformance.md §5.
 */
import type { StreamAttempt, Transcript } from '../model.js';
import { SAME_PACKET_MS } from './finding.js';
import { IDLE_CUTOFF_MS } from './idle-cutoff.js';

/** Which path: `a` is `--url` (or the embedded server), `b` is `--compare`. */
export type PathName = 'a' | 'b';

/** Figures of one path, as measured (null: not measured, e.g. no stream opened). */
export interface PathProfile {
  /** Final status of the stream request. */
  status: number | null;
  /** ms from the stream request to its response head, minus the server's own lookup wait when it says so. */
  headWaitMs: number | null;
  /** ms from the response head to the first body byte. */
  headToFirstByteMs: number | null;
  /** ms from the stream request to the first event that is not a heartbeat (comments never count). */
  firstEventMs: number | null;
  /** Meaningful events, and the network reads that carried them. */
  events: number;
  eventReads: number;
  /** ms from the first meaningful event to the end of the attempt (0: they came as it closed). */
  firstEventToEndMs: number | null;
  contentEncoding: string | null;
  /** How the attempt ended, and whether the terminal event came. */
  end: string | null;
  terminal: boolean;
  /** ms the stream sat idle before it closed, when it closed without the terminal event. */
  idleBeforeCloseMs: number | null;
  via: string | null;
  server: string | null;
  /** The stream's `X-Accel-Buffering` header, as this path delivered it. */
  accelBuffering: string | null;
}

/**
 * The usual fix for a buffering proxy. When the other path shows the app already sends
 * `X-Accel-Buffering: no`, the proxy is ignoring it, so say that instead of asking for the header.
 */
function bufferingFix(direct: PathProfile): string {
  const proxies = 'other proxies: disable response buffering for text/event-stream';
  return direct.accelBuffering === 'no'
    ? `the app already sends "X-Accel-Buffering: no" (seen on the other path), so this proxy ignores it: nginx: \`proxy_buffering off;\` for the stream location and no \`proxy_ignore_headers X-Accel-Buffering\`, or \`proxy_http_version 1.1;\`; ${proxies}`
    : `nginx: \`proxy_buffering off;\` for the stream location, or have the app send \`X-Accel-Buffering: no\`; ${proxies}`;
}

/** One way the two paths differ, with both sides' evidence and the usual fix. */
export interface PathDifference {
  code: 'head-held' | 'buffered' | 'at-close' | 'compressed' | 'idle-cutoff' | 'proxy-headers';
  /** The path that shows the problem (or the proxy headers). */
  path: PathName;
  /** The layer named, from the evidence (e.g. `the layer only path b adds (via: 1.1 nginx)`). */
  layer: string;
  message: string;
  /** The figures that show it, per path. */
  evidence: Record<PathName, Record<string, number | string | null>>;
  /** A fix for the usual culprit; omitted when there is nothing to fix. */
  fix?: string;
}

/** Head this much later on one path than on the other, beyond the server's own wait, is held (ms). */
const HEAD_HELD_MS = 1000;
/** Events per read from which delivery counts as bursts. */
const BURST_EVENTS_PER_READ = 3;
/** ... and up to which it counts as event by event. */
const STEADY_EVENTS_PER_READ = 1.5;
/** The first event this close to the end of the attempt arrived as it closed (ms). */
const AT_CLOSE_MS = 100;

const LOOKUP_WAIT_HEADER = 'x-lookup-wait-ms';

/** The attempt that matters: the last one that opened a stream, else the last one. */
function mainAttempt(t: Transcript): StreamAttempt | undefined {
  return t.attempts.filter((a) => a.status === 200).at(-1) ?? t.attempts.at(-1);
}

/** Figures of one path's run. */
export function pathProfile(t: Transcript): PathProfile {
  const a = mainAttempt(t);
  const quiet = new Set(t.heartbeatEvents);
  const events = (a?.records ?? []).filter((r) => r.kind === 'event' && !quiet.has(r.type));
  const wait = Number(a?.headers?.[LOOKUP_WAIT_HEADER]);
  const serverWait = Number.isFinite(wait) && wait > 0 ? wait : 0;
  const first = events[0];
  const terminal = events.some((e) => e.type === t.terminalEvent);
  const closed = a?.end === 'eof' || a?.end === 'error';
  return {
    status: a?.status ?? null,
    headWaitMs: a?.headersMs !== undefined ? a.headersMs - a.requestedMs - serverWait : null,
    headToFirstByteMs: a?.headersMs !== undefined && a.firstByteMs !== undefined ? a.firstByteMs - a.headersMs : null,
    firstEventMs: first && a ? first.atMs - a.requestedMs : null,
    events: events.length,
    eventReads: new Set(events.map((e) => e.read)).size,
    firstEventToEndMs: first && a?.endMs !== undefined ? a.endMs - first.atMs : null,
    contentEncoding: nonIdentity(a?.headers?.['content-encoding']),
    end: a?.end ?? null,
    terminal,
    idleBeforeCloseMs: closed && !terminal && a?.lastByteMs !== undefined && a.endMs !== undefined ? a.endMs - a.lastByteMs : null,
    via: a?.headers?.via ?? null,
    server: a?.headers?.server ?? null,
    accelBuffering: a?.headers?.['x-accel-buffering'] ?? null,
  };
}

function nonIdentity(coding: string | undefined): string | null {
  const c = coding?.trim().toLowerCase();
  return c && c !== 'identity' ? c : null;
}

const other = (p: PathName): PathName => (p === 'a' ? 'b' : 'a');
const perRead = (p: PathProfile): number | null => (p.eventReads > 0 ? p.events / p.eventReads : null);

/**
 * Names the layer a path adds, from its proxy headers when it has some the other lacks;
 * otherwise only as "what path X adds" (a timing difference is evidence of a layer, not of its kind).
 */
function layerOf(path: PathName, p: Record<PathName, PathProfile>): string {
  const mine = p[path];
  const theirs = p[other(path)];
  const tags: string[] = [];
  if (mine.via && mine.via !== theirs.via) tags.push(`via: ${mine.via}`);
  if (mine.server && mine.server !== theirs.server) tags.push(`server: ${mine.server}`);
  return `the layer only path ${path} goes through${tags.length ? ` (${tags.join(', ')})` : ''}`;
}

/** Rounds ms figures for evidence (0.1 ms). */
const r = (v: number | null): number | null => (v === null ? null : Math.round(v * 10) / 10);

/**
 * Lists how path `b` differs from path `a` in the ways that change what a browser sees.
 * An empty list means the two paths delivered the stream alike (or neither opened a stream).
 */
export function comparePaths(a: Transcript, b: Transcript): PathDifference[] {
  const p: Record<PathName, PathProfile> = { a: pathProfile(a), b: pathProfile(b) };
  const out: PathDifference[] = [];
  const shown = (v: PathProfile[keyof PathProfile]): number | string | null => (typeof v === 'number' ? r(v) : typeof v === 'boolean' ? (v ? 'yes' : 'no') : v);
  const both = (...keys: (keyof PathProfile)[]): Record<PathName, Record<string, number | string | null>> => ({
    a: Object.fromEntries(keys.map((k) => [k, shown(p.a[k])])),
    b: Object.fromEntries(keys.map((k) => [k, shown(p.b[k])])),
  });

  // Head held: one path's head comes much later, together with the first byte.
  for (const path of ['a', 'b'] as const) {
    const mine = p[path];
    const theirs = p[other(path)];
    if (mine.headWaitMs === null || theirs.headWaitMs === null || mine.headToFirstByteMs === null) continue;
    if (mine.headWaitMs - theirs.headWaitMs > HEAD_HELD_MS && mine.headToFirstByteMs < SAME_PACKET_MS) {
      out.push({
        code: 'head-held',
        path,
        layer: layerOf(path, p),
        message:
          `the response head is held only via path ${path}: ${fmt(mine.headWaitMs)} from the request to the head there (beyond any lookup wait the server states) vs ` +
          `${fmt(theirs.headWaitMs)} via path ${other(path)}, and it came with the first body byte (${fmt(mine.headToFirstByteMs)} later): ` +
          `${layerOf(path, p)} forwards the head only with the first body bytes`,
        evidence: both('headWaitMs', 'headToFirstByteMs', 'via', 'server'),
        fix:
          'send a comment right after the head (`: ok\\n\\n`) so the first DATA frame leaves at once (HTTP/2 proxies and ingresses hold the head until then); ' +
          'on nginx also `proxy_buffering off;` for the stream location',
      });
    }
  }

  // Compression on one path only.
  for (const path of ['a', 'b'] as const) {
    const mine = p[path];
    if (mine.contentEncoding && !p[other(path)].contentEncoding) {
      out.push({
        code: 'compressed',
        path,
        layer: layerOf(path, p),
        message:
          `the stream is compressed (${mine.contentEncoding}) only via path ${path}` +
          (mine.events === 0 ? ', and no event reached the client through it' : '') +
          `: ${layerOf(path, p)} compresses text/event-stream and holds events until a block fills`,
        evidence: both('contentEncoding', 'firstEventMs', 'events'),
        fix: 'nginx: leave text/event-stream out of `gzip_types` (or `gzip off;` in the stream location); CDN: turn compression off for text/event-stream; app middleware: skip event streams or flush per event',
      });
    }
  }

  // Events all at close, or in bursts, on one path only.
  for (const path of ['a', 'b'] as const) {
    const mine = p[path];
    const theirs = p[other(path)];
    // The end is the close (eof) or the terminal event that came in the same final burst.
    const atClose = (x: PathProfile): boolean =>
      x.events >= 2 && x.firstEventToEndMs !== null && x.firstEventToEndMs <= AT_CLOSE_MS && (x.end === 'eof' || x.end === 'terminal');
    const mineRate = perRead(mine);
    const theirRate = perRead(theirs);
    if (atClose(mine) && !atClose(theirs) && theirs.events > 0) {
      out.push({
        code: 'at-close',
        path,
        layer: layerOf(path, p),
        message:
          `all ${mine.events} events arrived at once as the stream ended, only via path ${path} (the first ${fmt(mine.firstEventToEndMs)} before the end, ${fmt(mine.firstEventMs)} after the request), ` +
          `while via path ${other(path)} they came ${fmt(theirs.firstEventToEndMs)} before it: ${layerOf(path, p)} buffers the whole response`,
        evidence: both('firstEventMs', 'firstEventToEndMs', 'events', 'eventReads'),
        fix: bufferingFix(theirs),
      });
    } else if (mineRate !== null && theirRate !== null && mineRate >= BURST_EVENTS_PER_READ && theirRate <= STEADY_EVENTS_PER_READ) {
      out.push({
        code: 'buffered',
        path,
        layer: layerOf(path, p),
        message:
          `events arrive in bursts only via path ${path}: ${mine.events} events in ${mine.eventReads} reads there vs ` +
          `${theirs.events} in ${theirs.eventReads} via path ${other(path)}: ${layerOf(path, p)} buffers the stream`,
        evidence: both('events', 'eventReads', 'firstEventMs'),
        fix: bufferingFix(theirs),
      });
    }
  }

  // Closed N s after the last byte, without the terminal event, on one path only.
  for (const path of ['a', 'b'] as const) {
    const mine = p[path];
    const theirs = p[other(path)];
    if (mine.idleBeforeCloseMs === null || mine.idleBeforeCloseMs < IDLE_CUTOFF_MS) continue;
    if (theirs.idleBeforeCloseMs !== null && Math.abs(theirs.idleBeforeCloseMs - mine.idleBeforeCloseMs) < IDLE_CUTOFF_MS) continue;
    const n = mine.idleBeforeCloseMs;
    const every = Math.max(0.5, Math.floor((n * 0.75) / 500) * 0.5);
    out.push({
      code: 'idle-cutoff',
      path,
      layer: layerOf(path, p),
      message:
        `the stream was closed ${fmt(n)} after its last byte, without the terminal event, only via path ${path} ` +
        `(via path ${other(path)}: ${theirs.terminal ? 'it reached the terminal event' : `ended ${theirs.end ?? 'unknown'}`}): ` +
        `${layerOf(path, p)} has an idle timeout of about ${fmt(n)}`,
      evidence: both('idleBeforeCloseMs', 'end', 'terminal'),
      fix:
        `send a comment (\`: ping\`) at least every ${every} s, or raise the timeout: nginx \`proxy_read_timeout 1h;\`, ` +
        'a load balancer idle timeout (AWS ALB: 60 s default), Cloudflare Proxy Read Timeout (100 s)',
    });
  }

  // Proxy headers that differ: evidence of a layer, not a fault.
  if ((p.a.via ?? '') !== (p.b.via ?? '') || (p.a.server ?? '') !== (p.b.server ?? '')) {
    const path: PathName = p.b.via || (!p.a.via && p.b.server !== p.a.server) ? 'b' : 'a';
    out.push({
      code: 'proxy-headers',
      path,
      layer: layerOf(path, p),
      message: `the answers differ in Via/Server: path a ${describe(p.a)}, path b ${describe(p.b)} (HTTP versions of hops show in Via)`,
      evidence: both('via', 'server'),
    });
  }
  return out;
}

function describe(p: PathProfile): string {
  const parts = [p.via ? `via "${p.via}"` : 'no Via', p.server ? `server "${p.server}"` : 'no Server'];
  return parts.join(', ');
}

/** ms as `840 ms` or `2.35 s`; `unknown` when not measured. */
function fmt(v: number | null): string {
  if (v === null) return 'unknown';
  return Math.abs(v) >= 1000 ? `${(v / 1000).toFixed(2)} s` : `${Math.round(v)} ms`;
}
