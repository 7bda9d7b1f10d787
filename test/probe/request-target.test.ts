import { describe, expect, it } from 'vitest';
import { requestTarget } from '../../src/probe/http.js';

/** What `new URL` gives: the hand split must agree with it on every input. */
function parsed(url: string): { origin: string; path: string } {
  const u = new URL(url);
  return { origin: u.origin, path: `${u.pathname}${u.search}` };
}

describe('requestTarget', () => {
  it.each([
    // [why, url]
    ['a joined stream URL', 'http://127.0.0.1:8000/api/streams/ds-1'],
    ['a query kept', 'https://api.example.com/prefix/api/streams/a%20b?replay=0&token=x'],
    ['an IPv6 host', 'http://[::1]:9000/api/chat/async'],
    ['no path written', 'http://host'],
    ['upper-case scheme and host', 'HTTP://Host.Example:8080/A/B'],
    ['dot segments', 'http://h/a/./b/../c'],
    ['a fragment', 'http://h/a#frag'],
    ['a space and a quote', "http://h/a b?x='y'"],
    ['non-ASCII', 'http://h/straße?q=ü'],
    ['a default port', 'http://h:80/x'],
    ['a default TLS port', 'https://h:443/x?a=1'],
    ['a zero-padded port', 'http://h:08080/x'],
  ])('%s: as new URL splits it', (_why, url) => {
    const t = requestTarget(url, {});
    expect({ origin: t.origin, path: t.path }).toEqual(parsed(url));
  });

  it('userinfo becomes Basic credentials, as before', () => {
    const t = requestTarget('http://user:p%40ss@h/x', {});
    expect(t).toEqual({ origin: 'http://h', path: '/x', headers: { authorization: `Basic ${Buffer.from('user:p@ss').toString('base64')}` } });
  });
});
