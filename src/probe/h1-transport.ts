/**
 * A lean HTTP/1.1 client for plain `http:` origins, behind undici's Dispatcher interface (dispatch
 * with the v2 handler API, close, destroy), so every caller of a Dispatcher can use it, and with a
 * direct path (`send`) for http.ts. Per origin a pool of keep-alive sockets (h1-connection.ts);
 * per request one prebuilt write and no timer, stream or promise of its own. On the bench's flow a
 * load run costs about 0.7x the CPU it did on undici.
 *
 * What it does not carry goes to `fallback`, an undici Agent: `https:` and other schemes, and
 * requests with headers undici gives a meaning of its own (host, connection, content-length,
 * transfer-encoding, keep-alive, upgrade, expect). Its errors are undici's error classes with
 * undici's codes and messages, so the classifier reads both transports the same way; a
 * differential test (test/probe/h1-transport.test.ts) holds the two to the same answers.
 */
import net from 'node:net';
import { Dispatcher, errors, type buildConnector } from 'undici';
import { Conn, Exchange, type ConnPool } from './h1-connection.js';
import type { HttpCall, HttpRequest, HttpSink } from './http.js';

export interface H1AgentOptions {
  /** Most sockets open to one origin; further requests wait in order. Default: no limit. */
  connections?: number;
  /** Limit from writing the request to its response head, ms (undici's `headersTimeout`). */
  headersTimeoutMs: number;
  /** Idle sockets are closed after this long, ms (undici's `keepAliveTimeout`). */
  keepAliveMs: number;
  /** Opens a socket (undici's connector signature: it owns the connect timeout and source address). */
  connect: buildConnector.connector;
  /** The dispatcher for what this one does not carry; made on first use. */
  fallback: () => Dispatcher;
}

/** Request headers undici gives a meaning of its own: such requests go to the fallback, which applies it. */
const SPECIAL_REQUEST_HEADER = /^(?:host|connection|content-length|transfer-encoding|keep-alive|upgrade|expect)$/i;
const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
const NO_TRAILERS = Object.freeze({});

/** The header lines of a headers object, or undefined when the fallback must send it; cached per object. */
const headerBlocks = new WeakMap<object, string | null>();
function headerBlock(headers: Record<string, string> | undefined): string | undefined | Error {
  if (!headers) return '';
  const cached = headerBlocks.get(headers);
  if (cached !== undefined) return cached ?? undefined;
  let block = '';
  for (const name of Object.keys(headers)) {
    const value = headers[name];
    if (value === undefined) continue;
    if (SPECIAL_REQUEST_HEADER.test(name)) {
      headerBlocks.set(headers, null);
      return undefined;
    }
    if (!TOKEN.test(name)) return new errors.InvalidArgumentError('invalid header key');
    const text = String(value);
    if (/[\r\n\0]/.test(text)) return new errors.InvalidArgumentError(`invalid ${name} header`);
    block += `${name}: ${text}\r\n`;
  }
  headerBlocks.set(headers, block);
  return block;
}

/** The last body checked: a load sends the same one thousands of times. */
let lastBody = '';
let lastBodyAscii = true;
function isAscii(body: string): boolean {
  if (body !== lastBody) {
    lastBody = body;
    lastBodyAscii = !/[^\x00-\x7f]/.test(body);
  }
  return lastBodyAscii;
}
/** undici's handler API (v2) over an exchange's sink, for callers of `dispatch`. */
function handlerSink(handler: Dispatcher.DispatchHandler, controller: () => Exchange): HttpSink {
  return {
    head: (h) => handler.onResponseStart?.(controller(), h.status, h.headers, h.statusText),
    data: (chunk) => handler.onResponseData?.(controller(), chunk),
    end: () => handler.onResponseEnd?.(controller(), NO_TRAILERS),
    error: (err) => handler.onResponseError?.(controller(), err),
  };
}

/** Keep-alive sockets to one origin. */
class Pool implements ConnPool {
  private readonly idle: Conn[] = [];
  private queue: Exchange[] = [];
  private open = 0;
  readonly conns = new Set<Conn>();

  constructor(
    readonly options: H1AgentOptions,
    /** undici connector options for this origin. */
    private readonly target: { protocol: string; hostname: string; host: string; port: string; servername: null },
    /** `host: ...\r\n`, the first header of every request. */
    readonly hostLine: string,
  ) {}

  enqueue(ex: Exchange): void {
    const conn = this.idle.pop();
    if (conn) return conn.send(ex);
    if (this.open < (this.options.connections ?? Infinity)) return this.dial(ex);
    this.queue.push(ex);
  }

  unqueue(ex: Exchange): void {
    const i = this.queue.indexOf(ex);
    if (i >= 0) this.queue.splice(i, 1);
  }

  /** A socket finished its exchange: it carries the next waiting one, or rests. */
  release(conn: Conn): void {
    const next = this.queue.shift();
    if (next) return conn.send(next);
    conn.idleSince = performance.now();
    this.idle.push(conn);
  }

  forget(conn: Conn): void {
    if (!this.conns.delete(conn)) return;
    this.open--;
    const i = this.idle.indexOf(conn);
    if (i >= 0) this.idle.splice(i, 1);
    const next = this.queue.shift();
    if (next) this.dial(next);
  }

  /** Every socket closed and every request failed with `err`. */
  destroy(err: Error): void {
    for (const ex of this.queue.splice(0)) ex.fail(err);
    for (const conn of [...this.conns]) {
      const ex = conn.ex;
      conn.destroy();
      ex?.fail(err);
    }
  }

  get busy(): boolean {
    return this.queue.length > 0 || this.conns.size > this.idle.length;
  }

  sweep(now: number): void {
    for (const conn of this.conns) if (conn.ex && conn.deadline > 0 && now > conn.deadline) conn.ex.abort(new errors.HeadersTimeoutError());
    for (let i = this.idle.length - 1; i >= 0; i--) {
      const conn = this.idle[i]!;
      if (now - conn.idleSince > this.options.keepAliveMs) conn.destroy();
    }
  }

  private dial(ex: Exchange): void {
    this.open++;
    let settledConnect = false;
    this.options.connect(this.target as unknown as buildConnector.Options, (err, socket) => {
      if (settledConnect) return;
      settledConnect = true;
      if (err || !socket) {
        this.open--;
        if (!ex.settled) ex.fail(err ?? new errors.SocketError('no socket'));
        const next = this.queue.shift();
        if (next) this.dial(next);
        return;
      }
      const s = socket as net.Socket;
      s.setNoDelay(true);
      const conn = new Conn(this, s);
      this.conns.add(conn);
      if (ex.settled) return this.release(conn);
      conn.send(ex);
    });
  }
}

/** A request made ready to go: its pool and bytes, or why it cannot go (an invalid header). */
interface Prepared {
  pool: Pool;
  text: string;
  bodyBytes: Buffer | undefined;
  invalid: Error | undefined;
}

/** A Dispatcher for plain-http origins (see the module comment). */
export class H1Agent extends Dispatcher {
  private readonly pools = new Map<string, Pool>();
  private fallbackAgent: Dispatcher | undefined;
  private closed = false;
  private readonly timer: NodeJS.Timeout;

  constructor(private readonly options: H1AgentOptions) {
    super();
    // One coarse timer for every head deadline and idle socket, instead of timers per request.
    this.timer = setInterval(() => {
      const now = performance.now();
      for (const pool of this.pools.values()) pool.sweep(now);
    }, 250);
    this.timer.unref();
  }

  override dispatch(opts: Dispatcher.DispatchOptions, handler: Dispatcher.DispatchHandler): boolean {
    const origin = String(opts.origin ?? '');
    const body = typeof opts.body === 'string' ? opts.body : undefined;
    // Headers as a flat array (undici's own callers) and bodies other than text go to the fallback.
    const plain = (opts.body == null || body !== undefined) && !Array.isArray(opts.headers);
    const carried = plain ? this.prepare(origin, opts.path, opts.method, opts.headers as Record<string, string> | undefined, body) : undefined;
    if (!carried) return this.fallback().dispatch(opts, handler);
    let ex: Exchange | undefined;
    ex = new Exchange(carried.pool, handlerSink(handler, () => ex!), carried.text, opts.method, carried.bodyBytes);
    handler.onRequestStart?.(ex, {});
    if (!ex.settled) this.go(ex, carried);
    return true;
  }

  /**
   * Sends a request straight to `sink` (http.ts): no handler or controller objects between, which
   * for a load run's two requests was a tenth of its allocations. Undefined when this agent does
   * not carry the request: the caller then dispatches it, which goes to the fallback.
   */
  send(origin: string, path: string, req: HttpRequest, sink: HttpSink): HttpCall | undefined {
    const carried = this.prepare(origin, path, req.method, req.headers, req.body);
    if (!carried) return undefined;
    const ex = new Exchange(carried.pool, sink, carried.text, req.method, carried.bodyBytes);
    this.go(ex, carried);
    return ex;
  }

  /**
   * `d` when it is an H1Agent whose requests may skip `dispatch`; undefined otherwise, and for an
   * H1Agent with interceptors composed on it (undici's compose returns a Proxy that is still
   * `instanceof` the agent, and only its `dispatch` runs them: browser-tabs.ts caps connections so).
   */
  static unwrapped(d: Dispatcher): H1Agent | undefined {
    return d instanceof H1Agent && d.dispatch === H1Agent.prototype.dispatch ? d : undefined;
  }

  /** The request's pool and bytes, or undefined when the fallback must carry it. */
  private prepare(origin: string, path: string, method: string, headers: Record<string, string> | undefined, body: string | undefined): Prepared | undefined {
    if (!origin.startsWith('http://')) return undefined;
    const block = headerBlock(headers);
    if (block === undefined) return undefined;
    const pool = this.pool(origin);
    let text = `${method} ${path} HTTP/1.1\r\n${pool.hostLine}connection: keep-alive\r\n${typeof block === 'string' ? block : ''}`;
    let bodyBytes: Buffer | undefined;
    if (body === undefined) text += '\r\n';
    else if (isAscii(body)) text += `content-length: ${body.length}\r\n\r\n${body}`;
    else {
      bodyBytes = Buffer.from(body);
      text += `content-length: ${bodyBytes.length}\r\n\r\n`;
    }
    return { pool, text, bodyBytes, invalid: block instanceof Error ? block : undefined };
  }

  private go(ex: Exchange, p: Prepared): void {
    if (p.invalid) ex.fail(p.invalid);
    else if (this.closed) ex.fail(new errors.ClientDestroyedError());
    else p.pool.enqueue(ex);
  }

  override close(): Promise<void>;
  override close(callback: () => void): void;
  override close(callback?: () => void): Promise<void> | void {
    const done = this.shutdown(false);
    if (callback) void done.then(callback);
    else return done;
  }

  override destroy(): Promise<void>;
  override destroy(err: Error | null): Promise<void>;
  override destroy(callback: () => void): void;
  override destroy(err: Error | null, callback: () => void): void;
  override destroy(a?: Error | null | (() => void), b?: () => void): Promise<void> | void {
    const callback = typeof a === 'function' ? a : b;
    const done = this.shutdown(true, typeof a === 'object' && a ? a : undefined);
    if (callback) void done.then(callback);
    else return done;
  }

  private async shutdown(abrupt: boolean, err?: Error): Promise<void> {
    this.closed = true;
    if (!abrupt) while ([...this.pools.values()].some((p) => p.busy)) await new Promise((resolve) => setTimeout(resolve, 20));
    clearInterval(this.timer);
    for (const pool of this.pools.values()) pool.destroy(err ?? new errors.ClientDestroyedError());
    this.pools.clear();
    await this.fallbackAgent?.[abrupt ? 'destroy' : 'close']();
  }

  private fallback(): Dispatcher {
    return (this.fallbackAgent ??= this.options.fallback());
  }

  private pool(origin: string): Pool {
    let pool = this.pools.get(origin);
    if (!pool) {
      const u = new URL(origin);
      const hostname = u.hostname.startsWith('[') ? u.hostname.slice(1, -1) : u.hostname;
      pool = new Pool(this.options, { protocol: 'http:', hostname, host: u.host, port: u.port || '80', servername: null }, `host: ${u.host}\r\n`);
      this.pools.set(origin, pool);
    }
    return pool;
  }
}
