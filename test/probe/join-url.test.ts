import { describe, expect, it } from 'vitest';
import { joinTemplate, joinUrl, shownTemplate } from '../../src/probe/run-probe.js';
import { redactUrl } from '../../src/probe/redact.js';
import { startRawServer } from '../helpers/raw-server.js';
import { runProbe } from '../../src/probe/run-probe.js';

describe('joinUrl', () => {
  it.each([
    // base, path, joined
    ['http://h:8000', '/api/chat/async', 'http://h:8000/api/chat/async'],
    ['http://h/prefix/', '/api/x', 'http://h/prefix/api/x'],
    ['http://h/?token=x', '/api/chat/async', 'http://h/api/chat/async?token=x'],
    ['http://h/p?token=x&t=2', '/api/streams/1?replay=1', 'http://h/p/api/streams/1?replay=1&token=x&t=2'],
    ['http://u:pw@h/', '/a', 'http://u:pw@h/a'],
    ['http://h/', 'https://other/abs?q=1', 'https://other/abs?q=1'],
  ])('%s + %s', (base, path, want) => expect(joinUrl(base, path)).toBe(want));
});

describe('joinTemplate (joined once, the value filled in per run)', () => {
  it.each([
    // base, template, value, joined
    ['http://h:8000', '/api/streams/{id}', 'ds-1', 'http://h:8000/api/streams/ds-1'],
    ['http://h/p?token=x', '/api/streams/{id}?replay=1', 'ds 2/3', 'http://h/p/api/streams/ds%202%2F3?replay=1&token=x'],
    ['http://h/', '/api/streams?id={id}', 'a&b', 'http://h/api/streams?id=a%26b'],
    ['http://h/', '/api/chat/async', '', 'http://h/api/chat/async'],
  ])('%s + %s with %s', (base, path, value, want) => {
    expect(joinTemplate(base, path, '{id}', value)).toBe(want);
    expect(joinTemplate(base, path, '{id}', value)).toBe(want); // from the cache
  });
});

describe('shownTemplate (redacted once per template, the value filled in per run)', () => {
  it.each([
    // base, template, value
    ['http://u:pw@h:8000', '/api/streams/{id}', 'ds-1'],
    ['http://h/p?token=x', '/api/streams/{id}?replay=1', 'ds 2/3'],
    ['http://h/', '/api/streams?id={id}', 'secret&b'],
    ['http://h/', "/api/{id}/x?{id}=1", "it's"],
  ])('%s + %s with %s: as redactUrl of the joined URL', (base, path, value) => {
    expect(shownTemplate(base, path, '{id}', value)).toBe(redactUrl(joinTemplate(base, path, '{id}', value)));
  });
});

describe('credentials in the base URL', () => {
  it('go with both requests: query parameters and userinfo as Basic authentication', async () => {
    const server = await startRawServer((req, socket) => {
      if (req.method === 'POST') {
        const body = '{"decision_set_id":"d1"}';
        socket.end(`HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: ${body.length}\r\n\r\n${body}`);
      } else {
        socket.end('HTTP/1.1 200 OK\r\ncontent-type: text/event-stream\r\n\r\nevent: workflow-complete\r\ndata: {}\r\n\r\n');
      }
    });
    try {
      const base = server.url.replace('http://', 'http://alice:s3cret@') + '/?token=abc';
      await runProbe({ baseUrl: base, attempts: 0 });
      expect(server.requests.map((r) => r.path)).toEqual(['/api/chat/async?token=abc', '/api/streams/d1?token=abc']);
      const basic = `Basic ${Buffer.from('alice:s3cret').toString('base64')}`;
      expect(server.requests.map((r) => r.headers.authorization)).toEqual([basic, basic]);
    } finally {
      await server.close();
    }
  });
});
