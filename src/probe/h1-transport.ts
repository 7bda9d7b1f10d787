/**
 * A lean HTTP/1.1 client for plain `http:` origins, behind undici's Dispatcher interface (dispatch
 * with the v2 handler API, close, destroy), so every caller of a Dispatcher can use it. Per origin a
 * pool of keep-alive sockets; per request one prebuilt write, a head parsed in one pass
 * (h1-head.ts), the body framed by length, chunks (h1-chunked.ts) or the connection's end, and no
 * timer, stream or promise of its own. Measured on the bench's flow it costs about 0.7x undici's
 * CPU per request and less memory per open stream.
 *
 * What it does not carry goes to `fallback`, an undici Agent: `https:` and other schemes, and
 * requests with headers undici gives a meaning of its own (host, connection, content-length,
 * transfer-encoding, keep-alive, upgrade, expect). Errors carry undici's codes (UND_ERR_*, HPE_*),
 * so the classifier reads both transports the same way.
 */
import net from 'node:net';
import { Dispatcher, errors, type buildConnector } from 'undici';
import { ChunkedDecoder } from './h1-chunked.js';
import { bareLf, isHeadError, parseResponseHead, type HeadError, type ResponseHead } from './h1-head.js';

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

/** One request and its response; the controller its handler gets. */
class Exchange implements Dispatcher.DispatchController {
  conn: Conn | undefined;
  /** The body as UTF-8 bytes when it is not ASCII (then `text` ends with the head). */
  bodyBytes: Buffer | undefined;
  settled = false;
  private abortReason: Error | null = null;
  rawHeaders = null;

  constructor(
    readonly pool: Pool,
    readonly handler: Dispatcher.DispatchHandler,
    readonly text: string,
    readonly method: string,
  ) {}

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
    this.handler.onResponseError?.(this, err);
  }

  complete(): void {
    if (this.settled) return;
    this.settled = true;
    this.handler.onResponseEnd?.(this, NO_TRAILERS);
  }
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
  /** Whether the current exchange's request went out (requests wait for the end of the loop's turn). */
  private written = false;

  dead = false;
  private body = Body.Head;
  private head: ResponseHead | undefined;
  private headBytes: Buffer | undefined;
  private remaining = 0;
  private chunked: ChunkedDecoder | undefined;
  private readonly onBody = (chunk: Buffer): void => {
    const ex = this.ex;
    if (ex && !ex.settled) ex.handler.onResponseData?.(ex, chunk);
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
    this.written = false;
    this.deadline = performance.now() + this.pool.options.headersTimeoutMs;
    writeLater(this);
  }

  /** Writes the current exchange's request (see `writeLater`). */
  write(): void {
    const ex = this.ex;
    if (this.dead || !ex || ex.settled) return;
    this.written = true;
    if (!ex.bodyBytes) {
      this.socket.write(ex.text, 'latin1');
      return;
    }
    this.socket.cork();
    this.socket.write(ex.text, 'latin1');
    this.socket.write(ex.bodyBytes);
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
    ex.handler.onResponseStart?.(ex, head.status, head.headers, head.statusText);
    if (ex.settled) return undefined; // the handler aborted
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
    if (!ex) return; // the handler aborted while taking the last bytes
    const keep = this.head?.keepAlive === true && rest.length === 0;
    this.ex = undefined;
    this.head = undefined;
    this.chunked = undefined;
    this.body = Body.Head;
    ex.conn = undefined;
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

  /** The socket ended, broke or was destroyed. */
  private close(err: Error | undefined): void {
    if (this.dead) return;
    this.dead = true;
    this.socket.destroy();
    this.pool.forget(this);
    const ex = this.ex;
    this.ex = undefined;
    if (!ex || ex.settled) return;
    // The server closed a kept-alive socket before this request went out on it: another socket takes
    // it. A request that went out is not sent again (as undici does not): its close is evidence.
    if (!this.written) {
      ex.conn = undefined;
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
    const headers = opts.headers;
    const body = typeof opts.body === 'string' ? opts.body : undefined;
    const carried = origin.startsWith('http://') && (opts.body == null || body !== undefined) && !Array.isArray(headers);
    const block = carried ? headerBlock(headers as Record<string, string> | undefined) : undefined;
    if (block === undefined) return this.fallback().dispatch(opts, handler);
    const pool = this.pool(origin);
    let text = `${opts.method} ${opts.path} HTTP/1.1\r\n${pool.hostLine}connection: keep-alive\r\n${typeof block === 'string' ? block : ''}`;
    let bodyBytes: Buffer | undefined;
    if (body == null) text += '\r\n';
    else if (isAscii(body)) text += `content-length: ${body.length}\r\n\r\n${body}`;
    else {
      bodyBytes = Buffer.from(body);
      text += `content-length: ${bodyBytes.length}\r\n\r\n`;
    }
    const ex = new Exchange(pool, handler, text, opts.method);
    ex.bodyBytes = bodyBytes;
    handler.onRequestStart?.(ex, {});
    if (ex.settled) return true;
    if (block instanceof Error) ex.fail(block);
    else if (this.closed) ex.fail(new errors.ClientDestroyedError());
    else pool.enqueue(ex);
    return true;
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
