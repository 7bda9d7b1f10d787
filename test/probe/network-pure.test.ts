/** Pure parts of network.ts: which proxy a URL takes, proxy variables, protocol reading, TLS options. */
import { rootCertificates } from 'node:tls';
import { describe, expect, it } from 'vitest';
import { normaliseProxyUrl, proxyFor, proxySettingsFromEnv, responseProtocol, streamProtocol, tlsConnectOptions, trustedCas } from '../../src/probe/network.js';

const P = { httpProxy: 'http://p:3128', httpsProxy: 'http://s:3129' };

describe('proxyFor (undici EnvHttpProxyAgent semantics)', () => {
  it.each([
    // https targets take the HTTPS proxy, http targets the HTTP one
    ['https://api.example.com/x', P, 'http://s:3129'],
    ['http://api.example.com/x', P, 'http://p:3128'],
    // no HTTPS proxy: https targets fall back to the HTTP one (undici, curl)
    ['https://api.example.com', { httpProxy: 'http://p:3128' }, 'http://p:3128'],
    // only an HTTPS proxy: http targets go direct
    ['http://api.example.com', { httpsProxy: 'http://s:3129' }, undefined],
    // loopback is NOT exempt by default
    ['http://127.0.0.1:8000', P, 'http://p:3128'],
    // exact host, subdomain, leading dot and *. forms
    ['https://api.example.com', { ...P, noProxy: 'example.com' }, undefined],
    ['https://api.example.com', { ...P, noProxy: '.example.com' }, undefined],
    ['https://api.example.com', { ...P, noProxy: '*.example.com' }, undefined],
    // a suffix that is not a domain boundary does not match
    ['https://badexample.com', { ...P, noProxy: 'example.com' }, 'http://s:3129'],
    // a port in the entry must match (default ports count)
    ['http://127.0.0.1:8000', { ...P, noProxy: '127.0.0.1:9000' }, 'http://p:3128'],
    ['http://127.0.0.1:8000', { ...P, noProxy: 'x.org 127.0.0.1:8000' }, undefined],
    ['https://h.example', { ...P, noProxy: 'h.example:443' }, undefined],
    // * means never
    ['https://anything', { ...P, noProxy: '*' }, undefined],
    // curl's scheme-less proxy form gets http://
    ['http://a', { httpProxy: 'proxy:3128' }, 'http://proxy:3128'],
    // no settings: direct
    ['http://a', undefined, undefined],
  ])('%s with %j → %s', (url, settings, expected) => {
    expect(proxyFor(url, settings)).toBe(expected);
  });
});

describe('proxySettingsFromEnv', () => {
  it.each([
    // nothing set, or only NO_PROXY: no proxy agent at all
    [{}, undefined],
    [{ NO_PROXY: 'x' }, undefined],
    // lower case wins over upper case when both are set
    [{ http_proxy: 'http://l', HTTP_PROXY: 'http://u' }, { httpProxy: 'http://l' }],
    // an empty lower-case variable does not hide the upper-case one
    [{ https_proxy: '', HTTPS_PROXY: 'http://u', no_proxy: ' a,b ' }, { httpsProxy: 'http://u', noProxy: 'a,b' }],
  ])('%j → %j', (env, expected) => {
    expect(proxySettingsFromEnv(env)).toEqual(expected);
  });
});

describe('responseProtocol, streamProtocol, normaliseProxyUrl, tlsConnectOptions', () => {
  it('h2 only when offered and the answer has no reason phrase', () => {
    expect(responseProtocol('', true)).toBe('h2');
    expect(responseProtocol('OK', true)).toBe('http/1.1');
    expect(responseProtocol('', false)).toBe('http/1.1'); // never offered: an empty reason phrase is HTTP/1.1
    expect(responseProtocol(undefined, true)).toBe('http/1.1');
  });

  it('the last answered attempt decides the run protocol', () => {
    expect(streamProtocol({ attempts: [] })).toBeUndefined();
    const a = (protocol?: 'h2' | 'http/1.1') => ({ protocol }) as never;
    expect(streamProtocol({ attempts: [a('http/1.1'), a('h2'), a(undefined)] })).toBe('h2');
  });

  it('scheme-less proxy URLs', () => {
    expect(normaliseProxyUrl('p:3128')).toBe('http://p:3128');
    expect(normaliseProxyUrl('https://p')).toBe('https://p');
  });

  it('a CA is added to the bundled roots, not in place of them', () => {
    const cas = trustedCas('PEM');
    expect(cas).toHaveLength(rootCertificates.length + 1);
    expect(cas.at(-1)).toBe('PEM');
    // --insecure alone: no context of its own (Node's default one), verification off
    expect(tlsConnectOptions({ insecure: true })).toEqual({ rejectUnauthorized: false });
    expect(tlsConnectOptions(undefined)).toEqual({});
  });
});
