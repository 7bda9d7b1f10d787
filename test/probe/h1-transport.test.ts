/**
 * The lean HTTP/1.1 transport against undici, on the wire: a raw server answers exact bytes (in
 * pieces, with pauses), and both clients must report the same status, reason, headers, body and
 * error code. undici is the oracle here; nobody here wrote it.
 */
import { createServer, type Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Agent, buildConnector, type Dispatcher } from 'undici';
import { H1Agent } from '../../src/probe/h1-transport.js';
import { dispatch } from '../../src/probe/http.js';
import { toNetError } from '../../src/probe/net-error.js';

/** What a client saw of one exchange. */
interface Seen {
  status?: number;
  statusText?: string;
  headers?: Record<string, unknown>;
  body: string;
  error?: string;
  message?: string;
}

function exchange(d: Dispatcher, url: string, method: 'GET' | 'POST' = 'GET', body?: string): Promise<Seen> {
  return new Promise((resolve) => {
    const seen: Seen = { body: '' };
    const chunks: Buffer[] = [];
    dispatch(d, url, { method, headers: { accept: 'text/event-stream' }, ...(body !== undefined ? { body } : {}) }, {
      head: (h) => Object.assign(seen, { status: h.status, statusText: h.statusText, headers: { ...h.headers } }),
      data: (c) => chunks.push(Buffer.from(c)),
      end: () => resolve({ ...seen, body: Buffer.concat(chunks).toString('latin1') }),
      error: (err) => resolve({ ...seen, body: Buffer.concat(chunks).toString('latin1'), error: toNetError(err).code, message: err.message }),
    });
  });
}

/** Each case: the bytes the server writes, in pieces (a number is a pause in ms), then it ends the socket unless `keepOpen`. */
const CASES: Record<string, { pieces: (string | number)[]; keepOpen?: boolean; method?: 'POST' }> = {
  'content-length body': { pieces: ['HTTP/1.1 200 OK\r\ncontent-type: text/plain\r\ncontent-length: 5\r\n\r\nhello'], keepOpen: true },
  'chunked, extensions and trailers, split mid-size and mid-CRLF': {
    pieces: ['HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n5;a=b\r\nhel', 5, 'lo\r', 5, '\n1', 5, '0\r\n0123456789abcdef\r\n0\r\nx-trailer: t\r\n\r\n'],
    keepOpen: true,
  },
  // The status line goes whole: undici keeps only the last piece of a reason phrase split across reads
  // (client-h1 onStatus overwrites statusText), which made this case fail when the bytes came apart.
  'chunked one byte at a time': { pieces: ['HTTP/1.1 200 OK\r\n', 1, ...[...'Transfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n'].flatMap((c) => [c, 1])], keepOpen: true },
  'body until the connection closes': { pieces: ['HTTP/1.1 200 OK\r\ncontent-type: text/event-stream\r\n\r\ndata: 1\n\n', 10, 'data: 2\n\n'] },
  '204 without a body': { pieces: ['HTTP/1.1 204 No Content\r\nx-a: 1\r\n\r\n'], keepOpen: true },
  'repeated headers, names in any case': { pieces: ['HTTP/1.1 200 OK\r\nSet-Cookie: a=1\r\nset-cookie: b=2\r\nX-A: 1\r\nx-a: 2\r\nX-a: 3\r\ncontent-length: 0\r\n\r\n'], keepOpen: true },
  'spaces and tabs around values, an empty value': { pieces: ['HTTP/1.1 200 OK\r\nx-a:  \t spaced \t \r\nx-empty:\r\nx-b:tight\r\ncontent-length: 0\r\n\r\n'], keepOpen: true },
  'latin1 in a value and in the reason': { pieces: [Buffer.from('HTTP/1.1 200 Ok\xe9\r\nx-a: caf\xe9\r\ncontent-length: 0\r\n\r\n', 'latin1').toString('latin1')], keepOpen: true },
  'no reason phrase': { pieces: ['HTTP/1.1 404\r\ncontent-length: 2\r\n\r\n{}'], keepOpen: true },
  'HTTP/1.0 with a length': { pieces: ['HTTP/1.0 200 OK\r\ncontent-length: 2\r\n\r\nok'] },
  '100 Continue before the answer': { pieces: ['HTTP/1.1 100 Continue\r\n\r\n', 5, 'HTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\nok'], keepOpen: true },
  'a POST answered with JSON': { pieces: ['HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: 24\r\n\r\n{"decision_set_id":"d1"}'], keepOpen: true, method: 'POST' },
  'the head split inside its final CRLFCRLF': { pieces: ['HTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r', 5, '\nok'], keepOpen: true },
  'Connection: close on HTTP/1.1': { pieces: ['HTTP/1.1 200 OK\r\nconnection: close\r\ncontent-length: 2\r\n\r\nok'] },
  'a coding other than chunked: read to the end': { pieces: ['HTTP/1.1 200 OK\r\ntransfer-encoding: gzip\r\n\r\nraw', 5, 'bytes'] },
  'bare LF line endings': { pieces: ['HTTP/1.1 200 OK\ncontent-length: 2\n\nok'] },
  'a folded header line': { pieces: ['HTTP/1.1 200 OK\r\nx-a: one\r\n two\r\ncontent-length: 0\r\n\r\n'] },
  'not HTTP at all': { pieces: ['SSH-2.0-OpenSSH_9.2\r\n\r\n'] },
  'HTTP/2.0 in a status line': { pieces: ['HTTP/2.0 200 OK\r\ncontent-length: 0\r\n\r\n'] },
  'a status of two digits': { pieces: ['HTTP/1.1 20 OK\r\ncontent-length: 0\r\n\r\n'] },
  'a space in a header name': { pieces: ['HTTP/1.1 200 OK\r\nbad header: 1\r\ncontent-length: 0\r\n\r\n'] },
  'a header line without a colon': { pieces: ['HTTP/1.1 200 OK\r\nnocolon\r\ncontent-length: 0\r\n\r\n'] },
  'a bare CR inside a value': { pieces: ['HTTP/1.1 200 OK\r\nx-a: a\rb\r\ncontent-length: 0\r\n\r\n'] },
  'a control character in a value': { pieces: ['HTTP/1.1 200 OK\r\nx-a: a\x01b\r\ncontent-length: 0\r\n\r\n'] },
  'Content-Length and Transfer-Encoding both': { pieces: ['HTTP/1.1 200 OK\r\ncontent-length: 3\r\ntransfer-encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n'] },
  'two different Content-Lengths': { pieces: ['HTTP/1.1 200 OK\r\ncontent-length: 3\r\ncontent-length: 4\r\n\r\nabcd'] },
  'a letter in Content-Length': { pieces: ['HTTP/1.1 200 OK\r\ncontent-length: 3x\r\n\r\nabc'] },
  'a bad chunk size': { pieces: ['HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\nzz\r\nabc\r\n0\r\n\r\n'] },
  'a chunk size ended by LF alone': { pieces: ['HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n3\nabc\r\n0\r\n\r\n'] },
  'no CRLF after chunk data': { pieces: ['HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n3\r\nabcX\r\n0\r\n\r\n'] },
  'body cut short of its length': { pieces: ['HTTP/1.1 200 OK\r\ncontent-length: 10\r\n\r\nabc'] },
  'chunked cut before the last chunk': { pieces: ['HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n3\r\nabc\r\n'] },
  'closed before any answer': { pieces: [] },
  'a head over 16 KiB': { pieces: [`HTTP/1.1 200 OK\r\nx-big: ${'a'.repeat(17 * 1024)}\r\ncontent-length: 0\r\n\r\n`] },
};

describe('lean HTTP/1.1 transport: the same answers as undici, byte for byte', () => {
  let server: ReturnType<typeof createServer>;
  let base = '';
  const sockets = new Set<Socket>();
  const timeoutMs = 2000;
  const undici = new Agent({ bodyTimeout: 0, headersTimeout: timeoutMs, connectTimeout: timeoutMs, keepAliveTimeout: 4000 });
  const lean = new H1Agent({ headersTimeoutMs: timeoutMs, keepAliveMs: 4000, connect: buildConnector({ timeout: timeoutMs }), fallback: () => new Agent() });

  beforeAll(async () => {
    server = createServer((socket) => {
      sockets.add(socket);
      socket.on('close', () => sockets.delete(socket));
      socket.on('error', () => undefined);
      let head = '';
      socket.on('data', async (d) => {
        head += d.toString('latin1');
        const end = head.indexOf('\r\n\r\n');
        if (end < 0) return;
        const name = decodeURIComponent(head.slice(head.indexOf(' ') + 2, head.indexOf(' HTTP/')));
        head = '';
        const c = CASES[name];
        if (!c) return socket.destroy();
        for (const piece of c.pieces) {
          if (typeof piece === 'number') await new Promise((r) => setTimeout(r, piece));
          else socket.write(Buffer.from(piece, 'latin1'));
        }
        if (!c.keepOpen) socket.end();
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const address = server.address();
    base = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}/`;
  });
  afterAll(async () => {
    await Promise.all([undici.destroy(), lean.destroy()]);
    for (const s of sockets) s.destroy();
    await new Promise((resolve) => server.close(resolve));
  });

  it.each(Object.keys(CASES))('%s', async (name) => {
    const url = base + encodeURIComponent(name);
    const method = CASES[name]!.method ?? 'GET';
    const body = method === 'POST' ? '{"messages":[]}' : undefined;
    const expected = await exchange(undici, url, method, body);
    const actual = await exchange(lean, url, method, body);
    expect(actual).toEqual(expected);
  });

  it('reuses one socket for answers that keep it alive, and opens another when the server closed it', async () => {
    const name = encodeURIComponent('content-length body');
    const before = sockets.size;
    for (let i = 0; i < 3; i++) expect((await exchange(lean, base + name)).body).toBe('hello');
    expect(sockets.size - before).toBeLessThanOrEqual(1);
    const closing = encodeURIComponent('HTTP/1.0 with a length');
    for (let i = 0; i < 3; i++) expect((await exchange(lean, base + closing)).body).toBe('ok');
  });
});

describe('lean HTTP/1.1 transport: requests as undici sends them', () => {
  /** Sends `opts` through `d`'s dispatch API and returns the request head the server read. */
  async function requestHead(d: Dispatcher, opts: Omit<Dispatcher.DispatchOptions, 'origin'>): Promise<string> {
    let seen = '';
    const server = createServer((socket) => {
      socket.on('error', () => undefined);
      socket.once('data', (chunk) => {
        seen = chunk.toString('latin1');
        socket.end('HTTP/1.1 204 No Content\r\n\r\n');
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const address = server.address();
    const origin = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
    try {
      await new Promise<void>((resolve, reject) =>
        d.dispatch({ origin, ...opts } as Dispatcher.DispatchOptions, {
          onRequestStart: () => undefined,
          onResponseEnd: () => resolve(),
          onResponseError: (_c, err) => reject(err),
        }),
      );
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
    return seen.slice(0, seen.indexOf('\r\n\r\n'));
  }
  const lean = (): H1Agent => new H1Agent({ headersTimeoutMs: 2000, keepAliveMs: 4000, connect: buildConnector({ timeout: 2000 }), fallback: () => new Agent() });

  it.each([
    ['headers as an object', { 'x-a': '1', accept: 'text/event-stream' }],
    ['headers as a flat array (undici carries it)', ['x-a', '1', 'accept', 'text/event-stream']],
  ])('%s: the server reads them', async (_what, headers) => {
    const agent = lean();
    try {
      const head = await requestHead(agent, { path: '/s?q=1', method: 'GET', headers: headers as Dispatcher.DispatchOptions['headers'] });
      expect(head).toMatch(/^GET \/s\?q=1 HTTP\/1\.1\r\n/);
      expect(head.toLowerCase()).toContain('\r\nx-a: 1');
      expect(head.toLowerCase()).toContain('\r\naccept: text/event-stream');
    } finally {
      await agent.destroy();
    }
  });

  it.each([
    ['a line break in a value', { 'x-a': 'a\r\nb' }],
    ['a space in a name', { 'x a': '1' }],
  ])('a header undici refuses (%s): the same error, nothing sent', async (_what, headers) => {
    const refused = async (d: Dispatcher): Promise<string> => {
      const seen = await exchangeWithHeaders(d, headers);
      return `${seen.error} ${seen.message}`;
    };
    const agent = lean();
    const reference = new Agent();
    try {
      expect(await refused(agent)).toBe(await refused(reference));
    } finally {
      await Promise.all([agent.destroy(), reference.destroy()]);
    }
  });
});

/** An exchange to a port nobody listens on, with `headers`: only a refusal before sending can answer it alike for both clients. */
function exchangeWithHeaders(d: Dispatcher, headers: Record<string, string>): Promise<Seen> {
  return new Promise((resolve) => {
    dispatch(d, 'http://127.0.0.1:9/x', { method: 'GET', headers }, {
      head: () => undefined,
      data: () => undefined,
      end: () => resolve({ body: '' }),
      error: (err) => resolve({ body: '', error: toNetError(err).code, message: err.message }),
    });
  });
}

describe('lean HTTP/1.1 transport: a kept-alive socket the server closes', () => {
  /**
   * `answer`: answers every request, then closes the socket (no Connection: close). `close-after-300ms`:
   * answers the POST and keeps the socket, then closes it 300 ms after reading the GET sent on it.
   */
  async function closingServer(mode: 'answer' | 'close-after-300ms'): Promise<{ url: string; requests: number; close(): Promise<void> }> {
    const state = { requests: 0 };
    const server = createServer((socket) => {
      socket.on('error', () => undefined);
      socket.on('data', (d) => {
        state.requests++;
        const get = d.toString('latin1').startsWith('GET');
        if (mode === 'answer') return void socket.end('HTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\nok');
        if (get) return void setTimeout(() => socket.destroy(), 300);
        socket.write('HTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\nok');
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const address = server.address();
    return {
      url: `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}/`,
      get requests() {
        return state.requests;
      },
      close: () => new Promise((resolve) => server.close(() => resolve())),
    };
  }
  const agent = (): H1Agent => new H1Agent({ headersTimeoutMs: 2000, keepAliveMs: 4000, connect: buildConnector({ timeout: 2000 }), fallback: () => new Agent() });

  it('closed right after its answer: the next request goes out on a new socket and is answered', async () => {
    const server = await closingServer('answer');
    const lean = agent();
    try {
      expect(await exchange(lean, server.url, 'POST', '{}')).toMatchObject({ status: 200, body: 'ok' });
      for (let i = 0; i < 3; i++) expect(await exchange(lean, server.url)).toMatchObject({ status: 200, body: 'ok' });
    } finally {
      await lean.destroy();
      await server.close();
    }
  });

  it('a server that closes every new connection at once: the request fails, it is not retried for ever', async () => {
    let accepted = 0;
    const server = createServer((socket) => {
      accepted++;
      socket.destroy();
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const address = server.address();
    const lean = agent();
    try {
      const seen = await exchange(lean, `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}/`);
      expect(seen.error).toMatch(/^(UND_ERR_SOCKET|ECONNRESET|EPIPE)$/);
      expect(accepted).toBeLessThanOrEqual(2);
    } finally {
      await lean.destroy();
      await new Promise((resolve) => server.close(resolve));
    }
  });

  it('closed 300 ms after a GET went out on it: the error is kept, the GET is not sent again', async () => {
    const server = await closingServer('close-after-300ms');
    const lean = agent();
    try {
      expect(await exchange(lean, server.url, 'POST', '{}')).toMatchObject({ status: 200 });
      const seen = await exchange(lean, server.url);
      expect(seen).toMatchObject({ error: 'UND_ERR_SOCKET', message: 'other side closed' });
      expect(server.requests).toBe(2);
    } finally {
      await lean.destroy();
      await server.close();
    }
  });
});
