/**
 * One socket of the lean HTTP/1.1 transport (h1-transport.ts) and the exchange it carries: the
 * request written in a batch, the head read (h1-head.ts), the body framed by length, chunks
 * (h1-chunked.ts) or the connection's end, and a close turned into what it means (the answer's end,
 * an error, or a resend on another socket).
 */
import type net from 'node:net';
import { errors, type Dispatcher } from 'undici';
import { ChunkedDecoder } from './h1-chunked.js';
import { bareLf, isHeadError, parseResponseHead, type HeadError, type ResponseHead } from './h1-head.js';
import type { HttpCall, HttpSink } from './http.js';

/** How soon after a request went out a close with no answer counts as the keep-alive race (ms; see Conn.mayResend). */
const KEEP_ALIVE_RACE_MS = 100;
/** The largest response head accepted, bytes (undici's default maxHeaderSize). */
const MAX_HEAD_BYTES = 16 * 1024;
const CRLFCRLF = Buffer.from('\r\n\r\n');

/** What a connection needs of the pool it belongs to (h1-transport.ts). */
export interface ConnPool {
  readonly options: { headersTimeoutMs: number };
  /** The socket finished an exchange and may carry the next. */
  release(conn: Conn): void;
  /** The socket is gone. */
  forget(conn: Conn): void;
  /** Starts (or queues) an exchange. */
  enqueue(ex: Exchange): void;
  /** Takes an exchange that never got a socket out of the queue. */
  unqueue(ex: Exchange): void;
}

/**
 * One request and its response: the HttpCall of `send` and the controller of `dispatch`. It
 * reports to an HttpSink: exactly one of `end` or `error`, after `head` when a head came.
 */
export class Exchange implements Dispatcher.DispatchController, HttpCall {
  conn: Conn | undefined;
  /** The request's bytes, dropped when the answer's head came (kept until then for a resend; a stream stays open long after). */
  text: string;
  settled = false;
  /** Sent again on another socket after a kept-alive one closed under it (see Conn.mayResend). */
  resent = false;
  private abortReason: Error | null = null;
  rawHeaders = null;

  constructor(
    readonly pool: ConnPool,
    readonly sink: HttpSink,
    text: string,
    readonly method: string,
    /** The body as UTF-8 bytes when it is not ASCII (then `text` ends with the head). */
    public bodyBytes: Buffer | undefined,
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
export class Conn {
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
    readonly pool: ConnPool,
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
   * Whether a request the server closed its kept-alive socket under goes, once, to another socket.
   * Yes when it never went out; and for a GET whose close came before any byte of its answer and
   * within KEEP_ALIVE_RACE_MS of sending: the server was closing the idle socket as the request
   * travelled, and RFC 9112 §9.3.1 lets a client resend an idempotent request then. A close later
   * than that is the server's doing (it died, or cut the request), and so is a new socket closed
   * before any request (a server refusing connections): the error is kept as evidence.
   */
  private mayResend(ex: Exchange): boolean {
    if (ex.resent || this.served === 0) return false;
    if (this.writtenAt === 0) return true;
    return ex.method === 'GET' && !this.answered && performance.now() - this.writtenAt < KEEP_ALIVE_RACE_MS;
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
      ex.resent = true;
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

