/**
 * A lean HTTP/1.1 client for plain-`http:` load runs: one pool per origin, keep-alive sockets,
 * requests written as one pre-built string, responses parsed in place (status line, headers,
 * Content-Length, chunked or close-delimited bodies) straight into an HttpSink. No per-request
 * timers, streams, AbortSignals or handler chains: that overhead, not the network, was most of a
 * load run's CPU. Errors carry undici's codes so the classifier reads them the same way.
 */
import { connect, type Socket } from 'node:net';
import type { HttpCall, HttpHead, HttpRequest, HttpSink } from './http.js';

export interface H1PoolOptions {
  /** Most sockets open to the origin at once; further requests wait for a free one. */
  connections: number;
  /** Limit for connecting and for the response head after the request was written, ms. */
  timeoutMs: number;
  /** Idle sockets are closed after this long, ms (below common server keep-alive timeouts). */
  keepAliveMs?: number;
}

/** An Error with a stable code, like undici's. */
function coded(code: string, message: string): Error {
  return Object.assign(new Error(message), { code });
}

const CRLF2 = Buffer.from('\r\n\r\n');
/** Largest response head accepted, bytes (undici's default max header size is 16 KiB; a little more here). */
const MAX_HEAD = 64 * 1024;

type BodyMode = 'none' | 'length' | 'chunked' | 'close';
type ChunkState = 'size' | 'data' | 'data-end' | 'trailer';

/** One request/response on a connection. */
class Exchange implements HttpCall {
  conn: Conn | undefined;
  /** Monotonic deadline for the head, ms; 0 once the head arrived. */
  deadline = 0;
  headDone = false;
  settled = false;
  gotBytes = false;
  private head: Buffer | undefined;
  private mode: BodyMode = 'none';
  private remaining = 0;
  private chunk: ChunkState = 'size';
  private partial: Buffer | undefined; // an incomplete chunk-size or trailer line
  keepAlive = true;

  constructor(
    readonly pool: H1Pool,
    readonly text: string,
    readonly method: string,
    readonly sink: HttpSink,
    /** Retries left on a fresh socket when a reused one was closed before any byte came back. */
    public retries: number,
  ) {}

  abort(reason: Error): void {
    if (this.settled) return;
    this.pool.unqueue(this);
    this.conn?.destroy();
    this.fail(reason);
  }

  fail(err: Error): void {
    if (this.settled) return;
    this.settled = true;
    this.pool.waiting.delete(this);
    this.sink.error(err);
  }

  private finish(): void {
    if (this.settled) return;
    this.settled = true;
    const conn = this.conn!;
    this.conn = undefined;
    conn.exchange = undefined;
    if (this.keepAlive) this.pool.release(conn);
    else conn.destroy();
    this.sink.end();
  }

  /** Bytes from the socket; returns bytes left over past this response (a protocol error if any). */
  onData(data: Buffer): void {
    this.gotBytes = true;
    let buf = data;
    if (!this.headDone) {
      const joined = this.head ? Buffer.concat([this.head, buf]) : buf;
      const end = joined.indexOf(CRLF2);
      if (end < 0) {
        if (joined.length > MAX_HEAD) return this.protocolError('HPE_HEADER_OVERFLOW', 'response head too large');
        this.head = joined;
        return;
      }
      this.head = undefined;
      const parsed = this.parseHead(joined.toString('latin1', 0, end));
      if (!parsed) return this.protocolError('HPE_INVALID_CONSTANT', 'malformed response head');
      buf = joined.subarray(end + 4);
      if (parsed.status < 200) {
        // 1xx: an interim answer; the real head follows.
        return buf.length > 0 ? this.onData(buf) : undefined;
      }
      this.headDone = true;
      this.deadline = 0;
      this.pool.waiting.delete(this);
      this.sink.head(parsed);
      if (this.settled) return; // the sink aborted in head()
      if (this.mode === 'none' || (this.mode === 'length' && this.remaining === 0)) return this.finish();
    }
    this.body(buf);
  }

  private body(buf: Buffer): void {
    if (buf.length === 0 || this.settled) return;
    switch (this.mode) {
      case 'close':
        return this.sink.data(buf);
      case 'length': {
        const take = Math.min(buf.length, this.remaining);
        this.remaining -= take;
        this.sink.data(take === buf.length ? buf : buf.subarray(0, take));
        if (this.remaining === 0) this.finish();
        return;
      }
      case 'chunked':
        return this.chunked(buf);
      default:
        return;
    }
  }

  /** Transfer-Encoding: chunked, across any split of the bytes. */
  private chunked(input: Buffer): void {
    let buf = this.partial ? Buffer.concat([this.partial, input]) : input;
    this.partial = undefined;
    let i = 0;
    while (i < buf.length && !this.settled) {
      if (this.chunk === 'data') {
        const take = Math.min(buf.length - i, this.remaining);
        this.sink.data(buf.subarray(i, i + take));
        i += take;
        this.remaining -= take;
        if (this.remaining === 0) this.chunk = 'data-end';
        continue;
      }
      const eol = buf.indexOf(10, i); // LF; the CR before it is checked or tolerated below
      if (eol < 0) {
        if (buf.length - i > 1024) return this.protocolError('HPE_INVALID_CHUNK_SIZE', 'chunk size line too long');
        this.partial = buf.subarray(i);
        return;
      }
      const line = buf.toString('latin1', i, eol > i && buf[eol - 1] === 13 ? eol - 1 : eol);
      i = eol + 1;
      if (this.chunk === 'data-end') {
        if (line !== '') return this.protocolError('HPE_INVALID_CHUNK_SIZE', 'no CRLF after chunk data');
        this.chunk = 'size';
      } else if (this.chunk === 'size') {
        const size = parseInt(line.split(';', 1)[0]!.trim(), 16);
        if (!Number.isFinite(size) || size < 0 || !/^[0-9a-fA-F]+$/.test(line.split(';', 1)[0]!.trim())) {
          return this.protocolError('HPE_INVALID_CHUNK_SIZE', 'invalid chunk size');
        }
        if (size === 0) this.chunk = 'trailer';
        else [this.chunk, this.remaining] = ['data', size];
      } else if (line === '') {
        return this.finish(); // end of trailers: the message is complete
      }
    }
  }

  private protocolError(code: string, message: string): void {
    this.conn?.destroy();
    this.fail(coded(code, message));
  }

  /** Status line and headers; sets the body mode. Undefined when malformed. */
  private parseHead(text: string): HttpHead | undefined {
    const lines = text.split('\r\n');
    const m = /^HTTP\/1\.([01]) (\d{3})(?: |$)/.exec(lines[0] ?? '');
    if (!m) return undefined;
    const status = Number(m[2]);
    const headers: Record<string, string | string[]> = {};
    for (let k = 1; k < lines.length; k++) {
      const line = lines[k]!;
      const colon = line.indexOf(':');
      if (colon <= 0) return undefined;
      const name = line.slice(0, colon).trim().toLowerCase();
      const value = line.slice(colon + 1).trim();
      const prev = headers[name];
      headers[name] = prev === undefined ? value : Array.isArray(prev) ? [...prev, value] : [prev, value];
    }
    if (status < 200) return { status, headers };
    const one = (name: string): string => {
      const v = headers[name];
      return (Array.isArray(v) ? v.join(', ') : (v ?? '')).toLowerCase();
    };
    const connection = one('connection');
    this.keepAlive = m[1] === '1' ? !connection.includes('close') : connection.includes('keep-alive');
    const te = one('transfer-encoding');
    const cl = one('content-length');
    if (this.method === 'HEAD' || status === 204 || status === 304) this.mode = 'none';
    else if (te.includes('chunked')) this.mode = 'chunked';
    else if (cl !== '') {
      const n = Number(cl.split(',')[0]);
      if (!Number.isSafeInteger(n) || n < 0) return undefined;
      [this.mode, this.remaining] = ['length', n];
    } else {
      this.mode = 'close';
      this.keepAlive = false;
    }
    return { status, headers };
  }

  /** The socket ended or broke. */
  onClose(err: Error | undefined): void {
    if (this.settled) return;
    if (this.headDone && this.mode === 'close' && !err) return this.finish();
    if (!this.gotBytes && this.retries > 0 && this.conn?.reused) {
      // A kept-alive socket the server closed as we wrote: try once more on a fresh one, as browsers do.
      this.retries--;
      this.conn = undefined;
      return this.pool.enqueue(this);
    }
    this.fail(err ?? coded('UND_ERR_SOCKET', 'other side closed'));
  }
}

/** One socket and what it is doing. */
class Conn {
  exchange: Exchange | undefined;
  reused = false;
  idleSince = 0;
  connected = false;
  private dead = false;

  constructor(
    readonly pool: H1Pool,
    readonly socket: Socket,
  ) {
    socket.setNoDelay(true);
    socket.on('data', (d: Buffer) => this.exchange?.onData(d));
    socket.on('error', (err) => this.close(err));
    socket.on('close', () => this.close(undefined));
    socket.on('end', () => socket.destroy());
  }

  send(ex: Exchange): void {
    this.exchange = ex;
    ex.conn = this;
    this.socket.write(ex.text, 'utf8');
  }

  destroy(): void {
    this.socket.destroy();
  }

  private close(err: Error | undefined): void {
    if (this.dead) return;
    this.dead = true;
    this.pool.forget(this);
    const ex = this.exchange;
    this.exchange = undefined;
    ex?.onClose(err);
  }
}

/** Keep-alive connections to one `http:` origin. */
export class H1Pool {
  private readonly idle: Conn[] = [];
  private readonly queue: Exchange[] = [];
  private open = 0;
  /** Exchanges still waiting for their head (checked against their deadline by one timer). */
  readonly waiting = new Set<Exchange>();
  private readonly timer: NodeJS.Timeout;
  private closed = false;

  constructor(
    private readonly host: string,
    private readonly port: number,
    private readonly options: H1PoolOptions,
  ) {
    // One coarse timer for every deadline and idle socket instead of a timer per request.
    this.timer = setInterval(() => this.sweep(), 100);
    this.timer.unref();
  }

  /**
   * Sends a request. `path` includes the query; `hostHeader` is the Host value. Transport
   * failures arrive at `sink.error`, never as a throw.
   */
  request(hostHeader: string, path: string, req: HttpRequest, sink: HttpSink): HttpCall {
    let text = `${req.method} ${path} HTTP/1.1\r\nhost: ${hostHeader}\r\n`;
    for (const name in req.headers) text += `${name}: ${req.headers[name]}\r\n`;
    if (req.body !== undefined) text += `content-length: ${Buffer.byteLength(req.body)}\r\n\r\n${req.body}`;
    else text += '\r\n';
    const ex = new Exchange(this, text, req.method, sink, 1);
    if (this.closed) {
      ex.fail(coded('UND_ERR_CLOSED', 'the pool is closed'));
      return ex;
    }
    this.enqueue(ex);
    return ex;
  }

  /** Starts `ex` on an idle socket, a new one, or queues it. */
  enqueue(ex: Exchange): void {
    ex.deadline = performance.now() + this.options.timeoutMs;
    this.waiting.add(ex);
    const conn = this.idle.pop();
    if (conn) {
      conn.reused = true;
      return conn.send(ex);
    }
    if (this.open < this.options.connections) return this.dial(ex);
    this.queue.push(ex);
  }

  unqueue(ex: Exchange): void {
    const i = this.queue.indexOf(ex);
    if (i >= 0) this.queue.splice(i, 1);
  }

  /** A socket finished its exchange and may carry the next one. */
  release(conn: Conn): void {
    const next = this.queue.shift();
    if (next) {
      conn.reused = true;
      return conn.send(next);
    }
    conn.idleSince = performance.now();
    this.idle.push(conn);
  }

  /** A socket is gone. */
  forget(conn: Conn): void {
    this.open--;
    const i = this.idle.indexOf(conn);
    if (i >= 0) this.idle.splice(i, 1);
    const next = this.queue.shift();
    if (next && !this.closed) this.dial(next);
  }

  /** Closes every socket; requests in flight fail. */
  async close(): Promise<void> {
    this.closed = true;
    clearInterval(this.timer);
    for (const ex of this.queue.splice(0)) ex.fail(coded('UND_ERR_CLOSED', 'the pool is closed'));
    for (const conn of this.idle.splice(0)) conn.destroy();
    for (const ex of [...this.waiting]) ex.abort(coded('UND_ERR_CLOSED', 'the pool is closed'));
  }

  private dial(ex: Exchange): void {
    this.open++;
    const socket = connect({ host: this.host, port: this.port });
    const conn = new Conn(this, socket);
    ex.conn = conn;
    conn.exchange = ex;
    socket.once('connect', () => {
      conn.connected = true;
      if (conn.exchange === ex && !ex.settled) socket.write(ex.text, 'utf8');
    });
  }

  private sweep(): void {
    const now = performance.now();
    for (const ex of this.waiting) {
      if (ex.deadline > 0 && now > ex.deadline) {
        const connecting = ex.conn !== undefined && !ex.conn.connected;
        ex.abort(
          connecting
            ? coded('UND_ERR_CONNECT_TIMEOUT', `connect timeout (${this.options.timeoutMs} ms)`)
            : coded('UND_ERR_HEADERS_TIMEOUT', `headers timeout (${this.options.timeoutMs} ms)`),
        );
      }
    }
    const keepAlive = this.options.keepAliveMs ?? 4000;
    for (let i = this.idle.length - 1; i >= 0; i--) {
      const conn = this.idle[i]!;
      if (now - conn.idleSince > keepAlive) conn.destroy();
    }
  }
}

/** Pools per origin for plain-http URLs; anything else is not its business (see `supports`). */
export class H1Agent {
  private readonly pools = new Map<string, { pool: H1Pool; host: string }>();

  constructor(private readonly options: H1PoolOptions) {}

  /** True for URLs this agent can carry: `http:` without a proxy in between. */
  static supports(url: URL): boolean {
    return url.protocol === 'http:';
  }

  /** Sends a request; the URL must be `http:`. */
  request(url: URL, req: HttpRequest, sink: HttpSink): HttpCall {
    let entry = this.pools.get(url.origin);
    if (!entry) {
      const port = Number(url.port || 80);
      const host = url.hostname.startsWith('[') ? url.hostname.slice(1, -1) : url.hostname;
      entry = { pool: new H1Pool(host, port, this.options), host: url.host };
      this.pools.set(url.origin, entry);
    }
    return entry.pool.request(entry.host, `${url.pathname}${url.search}`, req, sink);
  }

  async close(): Promise<void> {
    await Promise.all([...this.pools.values()].map((e) => e.pool.close()));
    this.pools.clear();
  }
}
