/** The lean transport's pure parts, table-tested: the response head and the chunked decoder. */
import { describe, expect, it } from 'vitest';
import { ChunkedDecoder } from '../../src/probe/h1-chunked.js';
import { bareLf, parseResponseHead } from '../../src/probe/h1-head.js';

describe('parseResponseHead', () => {
  it.each([
    // [head text, method, expected subset]
    ['HTTP/1.1 200 OK\r\ncontent-length: 5', 'GET', { status: 200, statusText: 'OK', body: 'length', contentLength: 5, keepAlive: true }],
    ['HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked', 'GET', { body: 'chunked', keepAlive: true }],
    ['HTTP/1.1 200 OK\r\ntransfer-encoding: gzip, chunked', 'GET', { body: 'chunked' }],
    ['HTTP/1.1 200 OK\r\ntransfer-encoding: chunked, gzip', 'GET', { body: 'close', keepAlive: false }],
    ['HTTP/1.1 200 OK\r\ncontent-type: text/event-stream', 'GET', { body: 'close', keepAlive: false }],
    ['HTTP/1.1 200 OK\r\nconnection: close\r\ncontent-length: 0', 'GET', { body: 'length', keepAlive: false }],
    ['HTTP/1.0 200 OK\r\ncontent-length: 0', 'GET', { keepAlive: false }],
    ['HTTP/1.0 200 OK\r\nConnection: Keep-Alive\r\ncontent-length: 0', 'GET', { keepAlive: true }],
    ['HTTP/1.1 204 No Content', 'GET', { body: 'none', keepAlive: true }],
    ['HTTP/1.1 304 Not Modified\r\ncontent-length: 10', 'GET', { body: 'none' }],
    ['HTTP/1.1 200 OK\r\ncontent-length: 10', 'HEAD', { body: 'none' }],
    ['HTTP/1.1 404', 'GET', { status: 404, statusText: '' }],
    ['HTTP/1.1 200 Ok\xc3\xa9', 'GET', { statusText: 'Oké' }],
  ] as const)('%j (%s)', (text, method, want) => {
    expect(parseResponseHead(text, method)).toMatchObject(want);
  });

  it('header names lower-cased, repeats as arrays in order, values left-trimmed and read as latin1', () => {
    const head = parseResponseHead('HTTP/1.1 200 OK\r\nSet-Cookie: a=1\r\nset-cookie: b=2\r\nX-A:\t  one \r\nx-e:\r\nx-l: caf\xe9', 'GET');
    expect(head).toMatchObject({ headers: { 'set-cookie': ['a=1', 'b=2'], 'x-a': 'one ', 'x-e': '', 'x-l': 'café' } });
  });

  it('a header named __proto__ is data, not the prototype', () => {
    const head = parseResponseHead('HTTP/1.1 200 OK\r\n__proto__: x', 'GET');
    expect(Object.getPrototypeOf((head as { headers: object }).headers)).toBe(Object.prototype);
    expect(Object.keys((head as { headers: object }).headers)).toEqual(['__proto__']);
  });

  it.each([
    ['SSH-2.0-OpenSSH', { error: 'protocol', reason: 'Expected HTTP/, RTSP/ or ICE/' }],
    ['HTTP/1.1 20 OK', { error: 'protocol', reason: 'Invalid status code' }],
    ['HTTP/x 200 OK', { error: 'protocol', reason: 'Invalid HTTP version' }],
    ['HTTP/1.1 200 OK\r\nbad name: 1', { error: 'protocol', reason: 'Invalid header token' }],
    ['HTTP/1.1 200 OK\r\nnocolon', { error: 'protocol', reason: 'Invalid header token' }],
    ['HTTP/1.1 200 OK\r\n: empty name', { error: 'protocol', reason: 'Invalid header token' }],
    ['HTTP/1.1 200 OK\r\nx-a: 1\r\n folded', { error: 'protocol', reason: 'Unexpected whitespace after header value' }],
    ['HTTP/1.1 200 OK\r\nx-a: a\x01b', { error: 'protocol', reason: 'Invalid header value char' }],
    ['HTTP/1.1 200 OK\r\nx-a: a\rb', { error: 'protocol', reason: 'Missing expected LF after header value' }],
    ['HTTP/1.1 200 OK\nx-a: 1', { error: 'protocol', reason: 'Missing expected CR after response line' }],
    ['HTTP/1.1 200 OK\r\nx-a: 1\nx-b: 2', { error: 'protocol', reason: 'Missing expected CR after header value' }],
    ['HTTP/1.1 200 OK\r\ncontent-length: 1\r\ncontent-length: 1', { error: 'content-length', reason: 'Duplicate Content-Length' }],
    ['HTTP/1.1 200 OK\r\ncontent-length: 1x', { error: 'content-length', reason: 'Invalid character in Content-Length' }],
    ['HTTP/1.1 200 OK\r\ncontent-length: 1\r\ntransfer-encoding: chunked', { error: 'content-length', reason: "Content-Length can't be present with Transfer-Encoding" }],
  ] as const)('refuses %j', (text, want) => {
    expect(parseResponseHead(text, 'GET')).toEqual(want);
  });

  it('bareLf finds a line ended by LF alone, and only that', () => {
    expect(bareLf('HTTP/1.1 200 OK\r\nx: 1\r\n')).toBeUndefined();
    expect(bareLf('HTTP/1.1 200 OK\n')).toBe('Missing expected CR after response line');
    expect(bareLf('HTTP/1.1 200 OK\r\nx: 1\n')).toBe('Missing expected CR after header value');
  });
});

describe('ChunkedDecoder', () => {
  const body = '5;ext=1\r\nhello\r\n10\r\n0123456789abcdef\r\n0\r\nx-trailer: t\r\n\r\n';

  /** Feeds `pieces` one after another; the data handed on, and where the message ended in the last piece. */
  function decode(pieces: string[]): { data: string; end: number | { error: string; reason: string } } {
    const d = new ChunkedDecoder();
    let data = '';
    let end: number | { error: string; reason: string } = -1;
    for (const piece of pieces) {
      end = d.feed(Buffer.from(piece, 'latin1'), (chunk) => (data += chunk.toString('latin1')));
      if (typeof end === 'object' || end >= 0) break;
    }
    return { data, end };
  }

  it('decodes the same bytes whatever the split: every cut in two, and byte by byte', () => {
    for (let cut = 0; cut <= body.length; cut++) {
      expect(decode([body.slice(0, cut), body.slice(cut)]).data).toBe('hello0123456789abcdef');
    }
    expect(decode([...body])).toEqual({ data: 'hello0123456789abcdef', end: 1 });
  });

  it('says where the message ended when more bytes follow it', () => {
    expect(decode([`${body}HTTP/1.1`]).end).toBe(body.length);
  });

  it.each([
    ['zz\r\n', 'Invalid character in chunk size'],
    ['\r\n', 'Invalid character in chunk size'],
    ['3\nabc', 'Missing expected CR after chunk size'],
    ['3\rabc', 'Missing expected LF after chunk size'],
    ['3\r\nabcX\r\n', 'Expected LF after chunk data'],
    ['3\r\nabc\rX', 'Expected LF after chunk data'],
    ['11111111111111111\r\n', 'Chunk size overflow'],
    ['3;a\nabc', 'Missing expected CR after chunk extension value'],
  ])('refuses %j: %s', (text, reason) => {
    expect(decode([text]).end).toEqual({ error: 'protocol', reason });
  });

  it('asks for more until the last chunk and the empty line after the trailers', () => {
    expect(decode(['3\r\nabc\r\n0\r\n']).end).toBe(-1);
    expect(decode(['3\r\nabc\r\n0\r\nx: 1\r\n']).end).toBe(-1);
  });
});
