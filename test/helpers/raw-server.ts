/**
 * A raw-bytes HTTP server for edge cases the reference server must not be bent into: it reads
 * the request head, then hands the socket to a script that writes exact bytes with pauses.
 */
import { createServer, type Socket } from 'node:net';

export interface RawRequest {
  method: string;
  path: string;
  headers: Record<string, string>;
  body: string;
}

/** A script gets the parsed request and the socket; it writes bytes and ends or destroys it. */
export type RawScript = (req: RawRequest, socket: Socket) => void | Promise<void>;

export interface RawServer {
  url: string;
  requests: RawRequest[];
  close(): Promise<void>;
}

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Starts a loopback server on port 0 that runs `script` for every request. */
export async function startRawServer(script: RawScript): Promise<RawServer> {
  const sockets = new Set<Socket>();
  const requests: RawRequest[] = [];
  const server = createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => undefined);
    let buffered = Buffer.alloc(0);
    const onData = (chunk: Buffer): void => {
      buffered = Buffer.concat([buffered, chunk]);
      const end = buffered.indexOf('\r\n\r\n');
      if (end < 0) return;
      const [line = '', ...rest] = buffered.subarray(0, end).toString('latin1').split('\r\n');
      const headers = Object.fromEntries(
        rest.map((h) => [h.slice(0, h.indexOf(':')).toLowerCase(), h.slice(h.indexOf(':') + 1).trim()]),
      );
      const length = Number(headers['content-length'] ?? 0);
      if (buffered.length < end + 4 + length) return;
      socket.off('data', onData);
      const [method = '', path = ''] = line.split(' ');
      const req = { method, path, headers, body: buffered.subarray(end + 4, end + 4 + length).toString('utf8') };
      requests.push(req);
      void script(req, socket);
    };
    socket.on('data', onData);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}

/** The head of a chunked SSE response. */
export function sseHead(extra = ''): string {
  return `HTTP/1.1 200 OK\r\ncontent-type: text/event-stream\r\ncache-control: no-cache\r\nx-accel-buffering: no\r\ntransfer-encoding: chunked\r\n${extra}\r\n`;
}

/** One HTTP/1.1 chunk carrying `data`. */
export function chunk(data: string | Buffer): Buffer {
  const bytes = typeof data === 'string' ? Buffer.from(data) : data;
  return Buffer.concat([Buffer.from(`${bytes.length.toString(16)}\r\n`), bytes, Buffer.from('\r\n')]);
}

/** A JSON response with a content-length. */
export function jsonResponse(status: number, body: unknown): string {
  const text = JSON.stringify(body);
  return `HTTP/1.1 ${status} X\r\ncontent-type: application/json\r\ncontent-length: ${Buffer.byteLength(text)}\r\nconnection: close\r\n\r\n${text}`;
}

/** Answers the enqueue POST with `{"decision_set_id": id}` and runs `stream` for the stream GET. */
export function enqueueThen(stream: RawScript, id = 'ds-1'): RawScript {
  return (req, socket) => {
    if (req.method === 'POST') {
      socket.end(jsonResponse(200, { decision_set_id: id, thread_id: 't', job_id: 'j', status: 'queued' }));
      return;
    }
    return stream(req, socket);
  };
}
