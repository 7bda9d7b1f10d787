/**
 * Client and server views of the same streams, joined by decision-set id: what the client saw
 * (`load --ndjson` run lines, `verify --out` documents) next to what the backend logged. Pure.
 */
import type { Connection } from './streams.js';

/** One client run, as read from a saved result. Times in ms. */
export interface ClientRun {
  id: string;
  outcome: string;
  /** GET sent → response head on the attempt the outcome rests on (the server's wait as the client measured it), ms. */
  waitMs?: number;
  /** Stream requests the client made. */
  attempts?: number;
  from: 'load-ndjson' | 'verify';
}

type Json = Record<string, unknown>;
const obj = (v: unknown): Json | undefined => (typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Json) : undefined);
const num = (v: unknown): number | undefined => (typeof v === 'number' && Number.isFinite(v) ? v : undefined);

/** A run line or a verify document → a client run; undefined for anything else (summary lines, other files). */
export function clientRunOf(doc: unknown): ClientRun | undefined {
  const d = obj(doc);
  if (!d) return undefined;
  if (d.type === 'run' && typeof d.id === 'string') {
    const t = obj(d.timings) ?? {};
    const waitMs = num(t.openedWaitMs) ?? num(t.notFoundWaitMs) ?? num(t.serverWaitMs);
    const attempts = num(obj(d.attempts)?.client);
    return { id: d.id, outcome: String(d.outcome), ...(waitMs !== undefined ? { waitMs } : {}), ...(attempts !== undefined ? { attempts } : {}), from: 'load-ndjson' };
  }
  if (d.schema === 'ssedoctor.verify/v1') {
    const id = obj(obj(d.transcript)?.enqueue)?.id;
    if (typeof id !== 'string') return undefined;
    const wait = obj(d.serverWait);
    const perAttempt = Array.isArray(wait?.perAttempt) ? (wait.perAttempt as unknown[]) : [];
    const waitMs = num(obj(perAttempt.at(-1))?.ms) ?? num(wait?.ms) ?? num(obj(d.timings)?.serverWaitMs);
    const attempts = num(obj(d.attempts)?.client);
    return { id, outcome: String(d.outcome), ...(waitMs !== undefined ? { waitMs } : {}), ...(attempts !== undefined ? { attempts } : {}), from: 'verify' };
  }
  return undefined;
}

/** Client runs from a saved file's text: one JSON document, an array of them, or NDJSON. */
export function clientRunsFromText(text: string): { runs: ClientRun[]; unusable: number } {
  const runs: ClientRun[] = [];
  let unusable = 0;
  const take = (doc: unknown): void => {
    const r = clientRunOf(doc);
    if (r) runs.push(r);
    else if (obj(doc)?.type !== 'summary') unusable++;
  };
  try {
    const whole = JSON.parse(text) as unknown;
    for (const doc of Array.isArray(whole) ? whole : [whole]) take(doc);
    return { runs, unusable };
  } catch {
    // NDJSON: one document per line.
  }
  for (const line of text.split('\n')) {
    if (line.trim() === '') continue;
    try {
      take(JSON.parse(line));
    } catch {
      unusable++;
    }
  }
  return { runs, unusable };
}

/** One decision set seen by both sides. */
export interface JoinedStream {
  id: string;
  clientOutcome: string;
  /** Client-measured GET → head, ms. */
  clientWaitMs?: number;
  clientAttempts?: number;
  /** The server's last connection for this id: its lookup result, wait (ms) and missed lookups. */
  serverLookup: Connection['lookup'];
  serverWaitMs?: number;
  serverAttempts?: number;
  serverConnections: number;
  /** Where the two views disagree, in words with the figures. */
  disagreements: string[];
}

export interface JoinResult {
  joined: JoinedStream[];
  /** Client runs whose id the log never mentions (another replica, another log). */
  clientOnly: number;
  /** Decision sets in the log that no client run names. */
  serverOnly: number;
  /** Joined streams with at least one disagreement. */
  disagreeing: number;
}

/** Client-minus-server wait past which the gap is reported: max(this, 25 % of the server's wait), ms. */
const WAIT_GAP_MS = 250;
const OPENED = new Set<Connection['lookup']>(['at-once', 'after-retries']);

export function joinViews(connections: Connection[], runs: ClientRun[]): JoinResult {
  const byId = new Map<string, Connection[]>();
  for (const c of connections) {
    const list = byId.get(c.id);
    if (list) list.push(c);
    else byId.set(c.id, [c]);
  }
  const joined: JoinedStream[] = [];
  const seen = new Set<string>();
  let clientOnly = 0;
  for (const run of runs) {
    const server = byId.get(run.id);
    if (!server) {
      clientOnly++;
      continue;
    }
    seen.add(run.id);
    const last = server.at(-1)!;
    const serverWaitMs = last.waitSeconds !== undefined ? last.waitSeconds * 1000 : last.lookup === 'at-once' ? 0 : undefined;
    const flags: string[] = [];
    const client404 = run.outcome === 'early-404';
    if (client404 && OPENED.has(last.lookup)) {
      flags.push(`the client got a 404 but the server found the decision set (${last.lookup}): the 404 came from elsewhere (another replica, a proxy)`);
    }
    if (!client404 && (last.lookup === 'exhausted' || last.lookup === 'single-404') && run.outcome !== 'unreachable') {
      flags.push(`the server answered 404 (${last.lookup}) but the client's outcome is ${run.outcome}`);
    }
    if (run.waitMs !== undefined && serverWaitMs !== undefined) {
      const gap = run.waitMs - serverWaitMs;
      if (gap > Math.max(WAIT_GAP_MS, serverWaitMs * 0.25)) {
        flags.push(`the client waited ${Math.round(run.waitMs)} ms for the head, the server's lookup ${Math.round(serverWaitMs)} ms: ${Math.round(gap)} ms spent outside the lookup (network, a proxy, a queue before the handler)`);
      } else if (gap < -WAIT_GAP_MS) {
        flags.push(`the client waited ${Math.round(run.waitMs)} ms, less than the server's logged ${Math.round(serverWaitMs)} ms: not the same request, or the log's clock`);
      }
    }
    if (run.attempts !== undefined && run.attempts !== server.length) {
      flags.push(`the client made ${run.attempts} stream request(s), the log shows ${server.length} connection(s)`);
    }
    const nodeEvents = Object.entries(last.events).filter(([t]) => t.startsWith('NODE_')).reduce((s, [, n]) => s + n, 0);
    if (run.outcome === 'heartbeat-only' && nodeEvents > 0) {
      flags.push(`the server yielded ${nodeEvents} node event(s) the client did not get as progress (held on the path?)`);
    }
    joined.push({
      id: run.id,
      clientOutcome: run.outcome,
      ...(run.waitMs !== undefined ? { clientWaitMs: run.waitMs } : {}),
      ...(run.attempts !== undefined ? { clientAttempts: run.attempts } : {}),
      serverLookup: last.lookup,
      ...(serverWaitMs !== undefined ? { serverWaitMs } : {}),
      ...(last.attempts !== undefined ? { serverAttempts: last.attempts } : last.lookup === 'at-once' ? { serverAttempts: 0 } : {}),
      serverConnections: server.length,
      disagreements: flags,
    });
  }
  const serverOnly = [...byId.keys()].filter((id) => !seen.has(id)).length;
  return { joined, clientOnly, serverOnly, disagreeing: joined.filter((j) => j.disagreements.length > 0).length };
}
