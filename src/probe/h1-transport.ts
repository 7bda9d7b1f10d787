/**
 * A lean HTTP/1.1 client for plain `http:` origins, behind undici's Dispatcher interface (dispatch
 * with the v2 handler API, close, destroy), so every caller of a Dispatcher can use it, and with a
 * direct path (`send`) for http.ts. Per origin a pool of keep-alive sockets; per request one
 * prebuilt write, a head parsed in one pass (h1-head.ts), the body framed by length, chunks
 * (h1-chunked.ts) or the connection's end, and no timer, stream or promise of its own. On the
 * bench's flow a load run costs about 0.7x the CPU it did on undici.
 *
 * What it does not carry goes to `fallback`, an undici Agent: `https:` and other schemes, and
 * requests with headers undici gives a meaning of its own (host, connection, content-length,
 * transfer-encoding, keep-alive, upgrade, expect). Its errors are undici's error classes with
 * undici's codes and messages, so the classifier reads both transports the same way; a
 * differential test (test/probe/h1-transport.test.ts) holds the two to the same answers.
 */
import net from 'node:net';
import { Dispatcher, errors, type buildConnector } from 'undici';
import { ChunkedDecoder } from './h1-chunked.js';
import { bareLf, isHeadError, parseResponseHead, type HeadError, type ResponseHead } from './h1-head.js';
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

/** How soon after a request went out a close with no answer counts as the keep-alive race (ms; see Conn.mayResend). */
const KEEP_ALIVE_RACE_MS = 100;
/** The largest response head accepted, bytes (undici's default maxHeaderSize). */
const MAX_HEAD_BYTES = 16 * 1024;
const CRLFCRLF = Buffer.from('\r\n\r\n');
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

/**
 * One request and its response: the HttpCall of `send` and the controller of `dispatch`. It
 * reports to an HttpSink: exactly one of `end` or `error`, after `head` when a head came.
 */
class Exchange implements Dispatcher.DispatchController, HttpCall {
  conn: Conn | undefined;
  /** The request's bytes, dropped when the answer's head came (kept until then for a resend; a stream stays open long after). */
  text: string;
  /** The body as UTF-8 bytes when it is not ASCII (then `text` ends with the head). */
  bodyBytes: Buffer | undefined;
  settled = false;
  /** Sent again on another socket after a kept-alive one closed under it (see Conn.mayResend). */
  resent = false;
  private abortReason: Error | null = null;
  rawHeaders = null;

  constructor(
    readonly pool: Pool,
    readonly sink: HttpSink,
    text: string,
    readonly method: string,
  ) {
    this.text = text;
  }

  get aborted(): boolean {
    return this.abortReason !== null;
  }
  get paused(): boolean {
    return false;
  }
  get reason(): Error | null {
    return this.abortReason;
  }
  pause(): void {}
  resume(): void {}

  abort(reason: Error): void {
    if (this.settled) return;
    this.abortReason = reason;
    const conn = this.conn;
    this.fail(reason); // settled first: the socket's close below must not report a second error
    if (conn) conn.destroy();
    else this.pool.unqueue(this);
  }

  fail(err: Error): void {
    if (this.settled) return;
    this.settled = true;
    this.sink.error(err);
  }

  complete(): void {
    if (this.settled) return;
    this.settled = true;
    this.sink.end();
  }
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

const enum Body {
  Head,
  Length,
  Chunked,
  Close,
}

/**
 * Requests are written in batches: those made in one turn of the event loop go out together after
 * the next poll phase. Two reasons, both measured here:
 * - against a server on the same machine, a write per request as it was made cost about twice the
 *   kernel CPU (a wake-up of the server per request): a quarter of a load run's CPU;
 * - a kept-alive socket freed in this turn gets one poll phase to show the FIN a server sent right
 *   after its last answer, and a request not yet written then goes to a new socket (undici waits
 *   in the same way before it reuses an idle socket, GHSA-35p6-xmwp-9g52).
 * A request waits at most two turns of the loop; a run records its time when it was made.
 */
let unsent: Conn[] = [];
function writeLater(conn: Conn): void {
  unsent.push(conn);
  if (unsent.length === 1) setImmediate(afterPoll);
}
function afterPoll(): void {
  const batch = unsent;
  unsent = [];
  setImmediate(() => {
    for (const conn of batch) conn.write();
  });
}

/** One socket, and the exchange it carries. */
class Conn {
  ex: Exchange | undefined;
  /**
   * performance.now() by which the current response's head must have come; 0 once it came. Kept
   * here, not in a set of waiting exchanges: a long-lived Set churned by a young object per request
   * had V8 promote them, and scavenges took five times longer.
   */
  deadline = 0;
  idleSince = 0;
  /** When the current exchange's request went out (performance.now()); 0 before (see `writeLater`). */
  private writtenAt = 0;
  /** Whether a byte of the current answer came. */
  private answered = false;
  /** Answers this socket carried before the current one: above 0 it is a kept-alive socket reused. */
  private served = 0;

  dead = false;
  private body = Body.Head;
  private head: ResponseHead | undefined;
  private headBytes: Buffer | undefined;
  private remaining = 0;
  private chunked: ChunkedDecoder | undefined;
  private readonly onBody = (chunk: Buffer): void => {
    const ex = this.ex;
    if (ex && !ex.settled) ex.sink.data(chunk);
  };

  constructor(
    readonly pool: Pool,
    readonly socket: net.Socket,
  ) {
    socket.on('data', (d: Buffer) => this.onData(d));
    socket.on('error', (err) => this.close(err));
    socket.on('close', () => this.close(undefined));
    socket.on('end', () => this.close(undefined));
  }

  send(ex: Exchange): void {
    this.ex = ex;
    ex.conn = this;
    this.body = Body.Head;
    this.writtenAt = 0;
    this.answered = false;
    this.deadline = performance.now() + this.pool.options.headersTimeoutMs;
    writeLater(this);
  }

  /** Writes the current exchange's request (see `writeLater`). */
  write(): void {
    const ex = this.ex;
    if (this.dead || !ex || ex.settled) return;
    this.writtenAt = performance.now();
    const { text, bodyBytes } = ex;
    if (!bodyBytes) {
      this.socket.write(text, 'latin1');
      return;
    }
    this.socket.cork();
    this.socket.write(text, 'latin1');
    this.socket.write(bodyBytes);
    this.socket.uncork();
  }

  destroy(): void {
    this.socket.destroy();
    this.close(undefined);
  }

  private onData(data: Buffer): void {
    const ex = this.ex;
    if (!ex || ex.settled) {
      // Bytes nobody asked for (nothing is pipelined): the connection can no longer be trusted.
      this.destroy();
      return;
    }
    this.answered = true;
    const buf = this.body === Body.Head ? this.takeHead(ex, data) : data;
    if (buf && buf.length > 0) this.takeBody(buf);
  }

  /** Reads the response head; returns the body bytes that came with it, if the body goes on. */
  private takeHead(ex: Exchange, data: Buffer): Buffer | undefined {
    const joined = this.headBytes ? Buffer.concat([this.headBytes, data]) : data;
    const end = joined.indexOf(CRLFCRLF);
    if (end < 0) {
      if (joined.length > MAX_HEAD_BYTES) return this.protocolError(new errors.HeadersOverflowError());
      const bare = bareLf(joined.toString('latin1'));
      if (bare) return this.protocolError(headError({ error: 'protocol', reason: bare }));
      this.headBytes = joined;
      return undefined;
    }
    if (end > MAX_HEAD_BYTES) return this.protocolError(new errors.HeadersOverflowError());
    this.headBytes = undefined;
    const head = parseResponseHead(joined.toString('latin1', 0, end), ex.method);
    if (isHeadError(head)) return this.protocolError(headError(head));
    // An interim answer (100, 103...) is refused as undici refuses it, so both transports agree.
    if (head.status < 200) return this.protocolError(new errors.SocketError('bad response'));
    const rest = joined.subarray(end + 4);
    this.head = head;
    this.deadline = 0;
    ex.text = '';
    ex.bodyBytes = undefined;
    ex.sink.head(head);
    if (ex.settled) return undefined; // the sink aborted
    switch (head.body) {
      case 'none':
        return this.finish(rest);
      case 'length':
        this.remaining = head.contentLength;
        if (this.remaining === 0) return this.finish(rest);
        this.body = Body.Length;
        return rest;
      case 'chunked':
        this.chunked = new ChunkedDecoder();
        this.body = Body.Chunked;
        return rest;
      case 'close':
        this.body = Body.Close;
        return rest;
    }
  }

  private takeBody(buf: Buffer): void {
    switch (this.body) {
      case Body.Close:
        return this.onBody(buf);
      case Body.Length: {
        const take = Math.min(buf.length, this.remaining);
        this.remaining -= take;
        this.onBody(take === buf.length ? buf : buf.subarray(0, take));
        if (this.remaining === 0) this.finish(buf.subarray(take));
        return;
      }
      case Body.Chunked: {
        const end = this.chunked!.feed(buf, this.onBody);
        if (typeof end === 'object') return this.protocolError(headError(end));
        if (end >= 0) this.finish(buf.subarray(end));
        return;
      }
    }
  }

  /** The response ended; `rest` is what came after it. */
  private finish(rest: Buffer): undefined {
    const ex = this.ex;
    if (!ex) return; // the sink aborted while taking the last bytes
    const keep = this.head?.keepAlive === true && rest.length === 0;
    this.ex = undefined;
    this.head = undefined;
    this.chunked = undefined;
    this.body = Body.Head;
    ex.conn = undefined;
    this.served++;
    if (keep) this.pool.release(this);
    else this.destroy();
    ex.complete();
  }

  private protocolError(err: Error): undefined {
    const ex = this.ex;
    this.ex = undefined;
    this.socket.destroy();
    this.close(undefined);
    ex?.fail(err);
  }

  /**
   * Whether a request the server closed its kept-alive socket under goes to another socket. Yes when
   * it never went out; and, once, for a GET whose close came before any byte of its answer and
   * within KEEP_ALIVE_RACE_MS of sending: the server was closing the idle socket as the request
   * travelled, and RFC 9112 §9.3.1 lets a client resend an idempotent request then. A close later
   * than that is the server's doing (it died, or cut the request): the error is kept as evidence.
   */
  private mayResend(ex: Exchange): boolean {
    if (this.writtenAt === 0) return true;
    return ex.method === 'GET' && !ex.resent && this.served > 0 && !this.answered && performance.now() - this.writtenAt < KEEP_ALIVE_RACE_MS;
  }

  /** The socket ended, broke or was destroyed. */
  private close(err: Error | undefined): void {
    if (this.dead) return;
    this.dead = true;
    this.socket.destroy();
    this.pool.forget(this);
    const ex = this.ex;
    this.ex = undefined;
    if (!ex || ex.settled) return;
    if (this.mayResend(ex)) {
      ex.conn = undefined;
      ex.resent = this.writtenAt > 0;
      return this.pool.enqueue(ex);
    }
    // A body that runs to the connection's end has ended; anything else was cut.
    if (!err && this.body === Body.Close) return ex.complete();
    ex.fail(err ?? new errors.SocketError('other side closed'));
  }
}

/** The error undici gives for what its parser refuses (a parser error carries no code there). */
function headError(e: HeadError): Error {
  if (e.error === 'content-length') return new errors.ResponseContentLengthMismatchError();
  return new errors.HTTPParserError(`Response does not match the HTTP/1.1 protocol (${e.reason})`);
}

/** Keep-alive sockets to one origin. */
class Pool {
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
    const headers = Array.isArray(opts.headers) ? undefined : (opts.headers as Record<string, string> | undefined);
    const carried = opts.body == null || body !== undefined ? this.prepare(origin, opts.path, opts.method, headers, body) : undefined;
    if (!carried) return this.fallback().dispatch(opts, handler);
    let ex: Exchange | undefined;
    ex = this.start(carried, handlerSink(handler, () => ex!), opts.method);
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
    const ex = this.start(carried, sink, req.method);
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

  private start(p: Prepared, sink: HttpSink, method: string): Exchange {
    const ex = new Exchange(p.pool, sink, p.text, method);
    ex.bodyBytes = p.bodyBytes;
    return ex;
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
