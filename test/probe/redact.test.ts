import { describe, expect, it } from 'vitest';
import { REDACTED, redactHeaders, redactText, redactUrl } from '../../src/probe/redact.js';

describe('redactUrl', () => {
  it.each([
    // userinfo: user and password both go, the host stays
    ['https://user:pass@api.example.com/x', `https://${REDACTED}@api.example.com/x`],
    // a user name alone can be a token (https://TOKEN@host)
    ['https://ghp_abc@api.example.com/', `https://${REDACTED}@api.example.com/`],
    // every query value, names kept, order kept
    ['http://h/api?token=abc&page=2', `http://h/api?token=${REDACTED}&page=${REDACTED}`],
    // the brief's example: a harmless-looking name is redacted too
    ['http://h/api/streams/123?replay=1', `http://h/api/streams/123?replay=${REDACTED}`],
    // a bare name has no value to hide
    ['http://h/api?debug', 'http://h/api?debug'],
    // fragment values (OAuth implicit flow puts tokens there)
    ['http://h/cb#access_token=xyz&state=1', `http://h/cb#access_token=${REDACTED}&state=${REDACTED}`],
    // nothing secret: unchanged
    ['http://127.0.0.1:8000', 'http://127.0.0.1:8000'],
    // the path is kept as written
    ['http://h/', 'http://h/'],
    ['http://h?token=1', `http://h?token=${REDACTED}`],
    // not a URL: free-text rules still apply
    ['not a url', 'not a url'],
    // unparseable, with userinfo and a query
    ['http://us er:pw@h:99999/?k=v', `http://${REDACTED}@h:99999/?k=${REDACTED}`],
  ])('%s', (input, want) => expect(redactUrl(input)).toBe(want));

  it('is idempotent', () => {
    const once = redactUrl('https://u:p@h/x?a=1&b=2#c=3');
    expect(redactUrl(once)).toBe(once);
  });
});

describe('redactText', () => {
  it.each([
    // a URL inside an error message
    ['--url: "https://u:pw@h/?token=s3cr3t" is bad', `--url: "https://${REDACTED}@h/?token=${REDACTED}" is bad`],
    // userinfo without a scheme
    ['user:pw@host:8000', `${REDACTED}@host:8000`],
    // plain prose stays as it is
    ['cannot write "out.json" (EACCES)', 'cannot write "out.json" (EACCES)'],
  ])('%s', (input, want) => expect(redactText(input)).toBe(want));
});

describe('redactHeaders', () => {
  it('replaces credentials in headers, keeps the rest, lower-cases names', () => {
    expect(
      redactHeaders({ Authorization: 'Bearer x', Cookie: 'a=b', 'Set-Cookie': ['s=1', 's=2'], 'X-Api-Key': 'k', 'Content-Type': 'text/event-stream', skipped: undefined }),
    ).toEqual({ authorization: REDACTED, cookie: REDACTED, 'set-cookie': REDACTED, 'x-api-key': REDACTED, 'content-type': 'text/event-stream' });
  });

  // Headers already in their reported form are returned as they are (a held stream keeps one object).
  it.each([
    ['lower-case names, one string each, no secret', { 'content-type': 'text/event-stream', 'x-request-id': 'abc' }, true],
    ['no headers', {}, true],
    ['a secret', { 'content-type': 'text/plain', cookie: 'a=b' }, false],
    ['an upper-case name', { 'Content-Type': 'text/plain' }, false],
    ['a repeated header', { via: ['1.1 a', '1.1 b'] }, false],
    ['an undefined value', { 'content-type': 'text/plain', gone: undefined }, false],
  ])('%s: the same object %s', (_why, headers: Record<string, string | string[] | undefined>, same) => {
    const out = redactHeaders(headers);
    expect(out === headers).toBe(same);
    expect(Object.values(out).every((v) => typeof v === 'string' && v !== REDACTED) || !same).toBe(true);
  });

  it('an inherited property is not taken for a header', () => {
    const headers = Object.assign(Object.create({ inherited: 'x' }) as Record<string, string>, { 'content-type': 'text/plain' });
    expect(redactHeaders(headers)).toEqual({ 'content-type': 'text/plain' });
    expect(Object.keys(redactHeaders(headers))).toEqual(['content-type']);
  });
});
