/**
 * `--cacert`, `--cert`/`--key`, `--insecure`, `--http2` and HTTP(S)_PROXY/NO_PROXY through the built
 * binary, against an HTTPS + HTTP/2 front (private CA made with openssl) before the reference
 * server, and a counting forward proxy.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ReferenceServer } from '../../src/server/index.js';
import { ssedoctor } from '../helpers/cli.js';
import { makePki, startOrigin, startForwardProxy, startTlsFront, type ForwardProxy, type LoopbackPeer, type Pki } from '../helpers/tls-peers.js';

/** The developer's own proxy settings must not leak into these runs. */
const NO_ENV_PROXY = { HTTP_PROXY: '', http_proxy: '', HTTPS_PROXY: '', https_proxy: '', NO_PROXY: '', no_proxy: '' };
const quick = ['--timeout', '3s', '--observe', '10s', '--no-live'];

let ref: ReferenceServer;
let pki: Pki;
let front: LoopbackPeer & { protocols: string[] };
let proxy: ForwardProxy;

beforeAll(async () => {
  ref = await startOrigin();
  pki = makePki();
  front = await startTlsFront(pki, ref.url);
  proxy = await startForwardProxy();
});
afterAll(async () => {
  await Promise.all([front?.close(), proxy?.close()]);
  await ref?.close();
  pki?.remove();
});

describe('verify over TLS and HTTP/2 (built binary)', () => {
  it('a private CA not trusted: exit 3 (unreachable) naming the certificate error, no stack trace', async () => {
    const r = await ssedoctor(['verify', '--url', front.url, ...quick], NO_ENV_PROXY);
    expect(r.code).toBe(3);
    expect(r.stdout).toMatch(/unreachable/);
    expect(r.stdout).toContain('UNABLE_TO_VERIFY_LEAF_SIGNATURE');
    expect(r.stderr + r.stdout).not.toMatch(/\n\s+at /);
  });

  it('--cacert --http2: healthy, h2 recorded in the JSON document and its transcript', async () => {
    const r = await ssedoctor(['verify', '--url', front.url, '--cacert', pki.caCert, '--http2', '--json', ...quick], NO_ENV_PROXY);
    expect(r.code).toBe(0);
    const doc = JSON.parse(r.stdout);
    expect(doc.outcome).toBe('healthy');
    expect(doc.network).toEqual({ protocol: 'h2', proxy: null });
    expect(doc.transcript.attempts[0].protocol).toBe('h2');
  });

  it('the text report names the protocol and the route', async () => {
    const r = await ssedoctor(['verify', '--url', front.url, '--cacert', pki.caCert, ...quick], NO_ENV_PROXY);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/network {4}HTTP\/1\.1 · direct/);
  });

  it('--insecure: healthy without the CA, and stderr says verification is off, once', async () => {
    const r = await ssedoctor(['verify', '--url', front.url, '--insecure', ...quick], NO_ENV_PROXY);
    expect(r.code).toBe(0);
    expect(r.stderr.match(/--insecure: TLS certificates are NOT verified/g)).toHaveLength(1);
  });

  it('NODE_EXTRA_CA_CERTS stays trusted when --cacert adds another CA (a ca list would replace it)', async () => {
    const other = makePki();
    try {
      const env = { ...NO_ENV_PROXY, NODE_EXTRA_CA_CERTS: pki.caCert };
      const r = await ssedoctor(['verify', '--url', front.url, '--cacert', other.caCert, ...quick], env);
      expect(r.code, r.stdout).toBe(0);
      const untrusted = await ssedoctor(['verify', '--url', front.url, '--cacert', other.caCert, ...quick], NO_ENV_PROXY);
      expect(untrusted.code).toBe(3);
    } finally {
      other.remove();
    }
  });

  it.each([
    [['--cacert', '/nonexistent/ca.pem'], /^ssedoctor: --cacert: cannot read \/nonexistent\/ca\.pem \(ENOENT\)/],
    [['--cacert', 'GARBAGE'], /--cacert: .* holds no PEM certificate/],
    [['--cacert', 'BROKEN'], /--cacert: .* holds a certificate that does not parse/],
    [['--key', 'KEY'], /--key needs --cert/],
    [['--cert', 'CERT'], /--cert: .* holds no private key; give it with --key FILE/],
    [['--cert', 'CERT', '--key', 'OTHERKEY'], /--cert\/--key: not a usable certificate and private key pair/],
  ])('bad TLS input %j: exit 2 with one line, before any request', async (args, message) => {
    const files: Record<string, string> = {
      GARBAGE: join(pki.dir, 'garbage.pem'),
      BROKEN: join(pki.dir, 'broken.pem'),
      CERT: pki.clientCert,
      KEY: pki.clientKey,
      OTHERKEY: pki.serverKey,
    };
    writeFileSync(files.GARBAGE!, 'not a certificate\n');
    writeFileSync(files.BROKEN!, '-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n');
    const before = front.protocols.length;
    const r = await ssedoctor(['verify', '--url', front.url, ...(args as string[]).map((a) => files[a] ?? a), ...quick], NO_ENV_PROXY);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(message);
    expect(r.stderr.trim().split('\n').length).toBeLessThanOrEqual(2); // the error, and at most its hint
    expect(r.stderr).not.toMatch(/\n\s+at /);
    expect(front.protocols.length).toBe(before);
  });
});

describe('proxies from the environment (built binary)', () => {
  it('HTTPS_PROXY with credentials: used (CONNECT), reported redacted, the password printed nowhere', async () => {
    const before = proxy.connects.length;
    const env = { ...NO_ENV_PROXY, HTTPS_PROXY: proxy.url.replace('http://', 'http://bob:hunter2@') };
    const r = await ssedoctor(['verify', '--url', front.url, '--cacert', pki.caCert, '--http2', '--json', '--verbose', '--live', ...quick.slice(0, 4)], env);
    expect(r.code).toBe(0);
    const doc = JSON.parse(r.stdout);
    expect(doc.network).toEqual({ protocol: 'h2', proxy: `http://[redacted]@127.0.0.1:${proxy.port}` });
    expect(proxy.connects.length).toBeGreaterThan(before);
    expect(r.stderr).toMatch(/← 200 response head \(h2\)/); // live output names HTTP/2
    expect(r.stdout + r.stderr).not.toContain('hunter2');
  });

  it('NO_PROXY naming the host: direct, the proxy sees nothing', async () => {
    const before = proxy.connects.length + proxy.relayed.length;
    const env = { ...NO_ENV_PROXY, HTTPS_PROXY: proxy.url, no_proxy: 'localhost,127.0.0.1' };
    const r = await ssedoctor(['verify', '--url', front.url, '--cacert', pki.caCert, '--json', ...quick], env);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout).network).toEqual({ protocol: 'http/1.1', proxy: null });
    expect(proxy.connects.length + proxy.relayed.length).toBe(before);
  });

  it('a proxy URL that does not parse: exit 2, shown redacted', async () => {
    const r = await ssedoctor(['verify', '--url', front.url, ...quick], { ...NO_ENV_PROXY, HTTP_PROXY: 'ftp://carol:pw123@proxy:21' });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/HTTP_PROXY: "ftp:\/\/\[redacted\]@proxy:21" is not an http:\/\/ or https:\/\/ proxy URL/);
    expect(r.stderr).not.toContain('pw123');
  });

  it('the embedded server is never proxied, whatever the environment says', async () => {
    const r = await ssedoctor(['verify', '--scenario', 'healthy', '--json', ...quick], { ...NO_ENV_PROXY, HTTP_PROXY: 'http://127.0.0.1:1' });
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout).network.proxy).toBeNull();
  });
});

describe('load over TLS (built binary)', () => {
  it('HTTP/2 through the proxy on two generator threads: every run healthy, protocols (merged) and proxy in the result; the text report', async () => {
    const env = { ...NO_ENV_PROXY, HTTPS_PROXY: proxy.url };
    const json = await ssedoctor(['load', '--url', front.url, '--cacert', pki.caCert, '--http2', '-n', '12', '-c', '4', '--workers', '2', '--json', '--timeout', '3s'], env);
    expect(json.code).toBe(0);
    const doc = JSON.parse(json.stdout);
    expect(doc.outcomes).toEqual([expect.objectContaining({ code: 'healthy', count: 12 })]);
    expect(doc.protocols).toEqual({ h2: 12 });
    expect(doc.target.proxy).toBe(proxy.url);
    const text = await ssedoctor(['load', '--url', front.url, '--cacert', pki.caCert, '-n', '4', '-c', '2', '--workers', '1', '--no-progress', '--timeout', '3s'], NO_ENV_PROXY);
    expect(text.code).toBe(0);
    expect(text.stdout).toMatch(/network HTTP\/1\.1 4 · direct/);
  });
});
