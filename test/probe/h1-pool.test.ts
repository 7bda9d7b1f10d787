import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { H1Agent } from '../../src/probe/h1-pool.js';
import type { HttpHead } from '../../src/probe/http.js';
import { startRawServer, sleep, type RawServer } from '../helpers/raw-server.js';

interface Got {
  head?: HttpHead;
  body: string;
  end?: boolean;
  error?: string;
}

/** One request through the agent, collected. */
function fetchVia(agent: H1Agent, url: string, method: 'GET' | 'POST' = 'GET', body?: string): Promise<Got> {
  return new Promise((resolve) => {
    const got: Got = { body: '' };
    agent.request(new URL(url), { method, headers: { accept: '*/*' }, body }, {
      head: (h) => (got.head = h),
      data: (c) => (got.body += c.toString('latin1')),
      end: () => resolve({ ...got, end: true }),
      error: (e) => resolve({ ...got, error: (e as { code?: string }).code ?? e.message }),
    });
  });
}

let server: RawServer | undefined;
let agent: H1Agent | undefined;
afterEach(async () => {
  await agent?.close();
  await server?.close();
  [server, agent] = [undefined, undefined];
});

describe('H1Agent on the wire', () => {
  it.each([
    // name, response bytes (written in pieces of 3 bytes), expected body, expected ending
    ['content-length', 'HTTP/1.1 200 OK\r\ncontent-length: 5\r\n\r\nhello', 'hello', 'end'],
    ['chunked with extension and trailer', 'HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n3;x=1\r\nabc\r\n2\r\nde\r\n0\r\nx-t: 1\r\n\r\n', 'abcde', 'end'],
    ['close-delimited (HTTP/1.0)', 'HTTP/1.0 200 OK\r\ncontent-type: text/event-stream\r\n\r\ndata: 1\n\n', 'data: 1\n\n', 'end'],
    ['204 has no body', 'HTTP/1.1 204 No Content\r\n\r\n', '', 'end'],
    ['100 Continue, then the answer', 'HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\nok', 'ok', 'end'],
    ['truncated chunk', 'HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n5\r\nab', 'ab', 'UND_ERR_SOCKET'],
    ['bad chunk size', 'HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\nzz\r\n', '', 'HPE_INVALID_CHUNK_SIZE'],
    ['not HTTP', 'SSH-2.0-OpenSSH\r\n\r\n', '', 'HPE_INVALID_CONSTANT'],
  ])('%s', async (_name, bytes, body, ending) => {
    server = await startRawServer(async (_req, socket) => {
      for (let i = 0; i < bytes.length; i += 3) {
        socket.write(bytes.slice(i, i + 3), 'latin1');
        await sleep(1);
      }
      socket.end();
    });
    agent = new H1Agent({ connections: 2, timeoutMs: 2000 });
    const got = await fetchVia(agent, `${server.url}/x`);
    expect(got.body).toBe(body);
    expect(got.end ? 'end' : got.error).toBe(ending);
  });

  it('keeps the connection alive, sends Host, body and content-length', async () => {
    const sockets = new Set<unknown>();
    const http = createServer((req, res) => {
      sockets.add(req.socket);
      let body = '';
      req.on('data', (c) => (body += c));
      req.on('end', () => res.end(`${req.method} ${req.url} host=${req.headers.host} len=${req.headers['content-length'] ?? '-'} ${body}`));
    });
    await new Promise<void>((r) => http.listen(0, '127.0.0.1', r));
    const url = `http://127.0.0.1:${(http.address() as AddressInfo).port}`;
    try {
      agent = new H1Agent({ connections: 1, timeoutMs: 2000 });
      const a = await fetchVia(agent, `${url}/a?q=1`, 'POST', '{"x":1}');
      const b = await fetchVia(agent, `${url}/b`);
      expect(a.body).toBe(`POST /a?q=1 host=${new URL(url).host} len=7 {"x":1}`);
      expect(b.body).toMatch(/^GET \/b /);
      expect(sockets.size).toBe(1);
    } finally {
      await agent?.close();
      http.closeAllConnections();
      await new Promise((r) => http.close(r));
    }
  });

  it('times out a head that never comes, with the undici code', async () => {
    server = await startRawServer(() => undefined);
    agent = new H1Agent({ connections: 1, timeoutMs: 300 });
    const got = await fetchVia(agent, `${server.url}/x`);
    expect(got.error).toBe('UND_ERR_HEADERS_TIMEOUT');
  });

  it('reports a refused connection', async () => {
    agent = new H1Agent({ connections: 1, timeoutMs: 1000 });
    const got = await fetchVia(agent, 'http://127.0.0.1:1/x');
    expect(got.error).toBe('ECONNREFUSED');
  });
});
