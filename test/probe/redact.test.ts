import { describe, expect, it } from 'vitest';
import { REDACTED, redactHeaders, redactUrl } from '../../src/probe/redact.js';

describe('redaction', () => {
  it.each([
    ['https://user:pass@api.example.com/x', 'https://api.example.com/x'],
    ['http://h/api?token=abc&page=2', `http://h/api?token=${encodeURIComponent(REDACTED)}&page=2`],
    ['http://h/api?api_key=abc', `http://h/api?api_key=${encodeURIComponent(REDACTED)}`],
    ['http://h/api/streams/123?replay=1', 'http://h/api/streams/123?replay=1'],
    ['not a url', 'not a url'],
  ])('%s', (input, want) => expect(redactUrl(input)).toBe(want));

  it('replaces credentials in headers, keeps the rest, lower-cases names', () => {
    expect(
      redactHeaders({ Authorization: 'Bearer x', Cookie: 'a=b', 'Set-Cookie': ['s=1', 's=2'], 'X-Api-Key': 'k', 'Content-Type': 'text/event-stream', skipped: undefined }),
    ).toEqual({ authorization: REDACTED, cookie: REDACTED, 'set-cookie': REDACTED, 'x-api-key': REDACTED, 'content-type': 'text/event-stream' });
  });
});
