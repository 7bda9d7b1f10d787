/**
 * TLS trust, client certificates, HTTP/2 by ALPN and forward proxies, on the wire: a private CA
 * made with openssl, an HTTPS/HTTP/2 front (node:http2) before the reference server, and a forward
 * proxy that counts what it carries.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { classify } from '../../src/classify/classify.js';
import { diagnose } from '../../src/classify/diagnose.js';
import { runProbe } from '../../src/probe/run-probe.js';
import { parseDistribution, startReferenceServer, type ReferenceServer } from '../../src/server/index.js';
import { makePki, startOrigin, startForwardProxy, startTlsFront, type ForwardProxy, type LoopbackPeer, type Pki } from '../helpers/tls-peers.js';

const fast = { timeoutMs: 3000, observeMs: 10_000, attempts: 0 };

let ref: ReferenceServer;
let pki: Pki;
let front: LoopbackPeer & { protocols: string[] };
let mtls: LoopbackPeer & { protocols: string[] };
let proxy: ForwardProxy;
let ca: string;

beforeAll(async () => {
  // Quick persistence and nodes: the network is under test here, not the race.
  const quick = { persistDelay: parseDistribution('20ms'), workerDelay: parseDistribution('5ms'), nodeDuration: parseDistribution('2ms') };
  ref = await startReferenceServer({ scenario: 'healthy', ...quick, log: { level: 'off', format: 'text' } });
  pki = makePki();
  ca = pki.pem(pki.caCert);
  front = await startTlsFront(pki, ref.url);
  mtls = await startTlsFront(pki, ref.url, { requireClientCert: true });
  proxy = await startForwardProxy();
});
afterAll(async () => {
  await Promise.all([front?.close(), mtls?.close(), proxy?.close()]);
  await ref?.close();
  pki?.remove();
});

describe('TLS', () => {
  it('a private CA not trusted: the enqueue fails with the certificate error, classified unreachable', async () => {
    const t = await runProbe({ ...fast, baseUrl: front.url });
    expect(t.enqueue.error?.code).toBe('UNABLE_TO_VERIFY_LEAF_SIGNATURE');
    expect(classify(t).outcome).toBe('unreachable');
    expect(classify(t).detail).toMatch(/certificate/);
    expect(diagnose(t).hint).toMatch(/^TLS: the server's certificate is not trusted \(UNABLE_TO_VERIFY_LEAF_SIGNATURE\)\. .*--cacert ca\.pem/);
  });

  it('--cacert: trusted in addition to the public roots, the run is healthy over HTTP/1.1', async () => {
    const t = await runProbe({ ...fast, baseUrl: front.url, tls: { ca } });
    expect(classify(t).outcome).toBe('healthy');
    expect(t.attempts[0]!.protocol).toBe('http/1.1');
    expect(t.attempts[0]!.proxy).toBeUndefined();
  });

  it('--insecure: no verification, healthy', async () => {
    const t = await runProbe({ ...fast, baseUrl: front.url, tls: { insecure: true } });
    expect(classify(t).outcome).toBe('healthy');
  });

  it('client certificate: refused without one, healthy with --cert/--key', async () => {
    const without = await runProbe({ ...fast, baseUrl: mtls.url, tls: { ca } });
    expect(classify(without).outcome).toBe('unreachable');
    // Over HTTP/2 the server's TLS alert reaches the client before a request is written, so it is named;
    // over HTTP/1.1 (TLS 1.3) the request goes out first and undici sees only "other side closed".
    const alerted = await runProbe({ ...fast, baseUrl: mtls.url, tls: { ca }, http2: true });
    expect(alerted.enqueue.error?.code).toBe('ERR_SSL_TLSV13_ALERT_CERTIFICATE_REQUIRED');
    expect(diagnose(alerted).hint).toMatch(/^TLS: the server refused the handshake \(ERR_SSL_\w+\); .*--cert cert\.pem --key key\.pem/);
    const t = await runProbe({ ...fast, baseUrl: mtls.url, tls: { ca, cert: pki.pem(pki.clientCert), key: pki.pem(pki.clientKey) } });
    expect(classify(t).outcome).toBe('healthy');
  });
});

describe('HTTP/2', () => {
  it('--http2 negotiates h2 by ALPN and records it; the server saw HTTP/2 too', async () => {
    const before = front.protocols.length;
    const t = await runProbe({ ...fast, baseUrl: front.url, tls: { ca }, http2: true });
    expect(classify(t).outcome).toBe('healthy');
    expect(t.attempts[0]!.protocol).toBe('h2');
    expect(front.protocols.slice(before)).toEqual(['h2', 'h2']); // enqueue and stream
  });

  it('without --http2 the same server is spoken to in HTTP/1.1', async () => {
    const before = front.protocols.length;
    const t = await runProbe({ ...fast, baseUrl: front.url, tls: { ca } });
    expect(t.attempts[0]!.protocol).toBe('http/1.1');
    expect(front.protocols.slice(before)).toEqual(['http/1.1', 'http/1.1']);
  });

  it('--http2 against an ingress that offers only http/1.1: ALPN settles on HTTP/1.1, recorded as such', async () => {
    const h1 = await startTlsFront(pki, ref.url, { http1Only: true });
    try {
      const t = await runProbe({ ...fast, baseUrl: h1.url, tls: { ca }, http2: true });
      expect(classify(t).outcome).toBe('healthy');
      expect(t.attempts[0]!.protocol).toBe('http/1.1');
      expect(h1.protocols).toEqual(['http/1.1', 'http/1.1']);
    } finally {
      await h1.close();
    }
  });

  it('--http2 on a plain http:// URL stays HTTP/1.1 (no ALPN without TLS)', async () => {
    const t = await runProbe({ ...fast, baseUrl: ref.url, http2: true });
    expect(classify(t).outcome).toBe('healthy');
    expect(t.attempts[0]!.protocol).toBe('http/1.1');
  });
});

describe('forward proxy', () => {
  it('HTTPS_PROXY with credentials: tunnelled with CONNECT, credentials sent to the proxy, recorded redacted; h2 inside the tunnel', async () => {
    const before = proxy.connects.length;
    const withCreds = proxy.url.replace('http://', 'http://alice:s3cret@');
    const t = await runProbe({ ...fast, baseUrl: front.url, tls: { ca }, http2: true, proxy: { httpsProxy: withCreds } });
    expect(classify(t).outcome).toBe('healthy');
    expect(proxy.connects.slice(before)).toContain(`127.0.0.1:${front.port}`);
    expect(proxy.auth.at(-1)).toBe(`Basic ${Buffer.from('alice:s3cret').toString('base64')}`);
    expect(t.attempts[0]!.protocol).toBe('h2');
    expect(t.attempts[0]!.proxy).toBe(`http://[redacted]@127.0.0.1:${proxy.port}`);
    expect(JSON.stringify(t)).not.toContain('s3cret');
  });

  it('HTTP_PROXY for an http:// target: absolute-URI requests, both of them through the proxy', async () => {
    const before = proxy.relayed.length;
    const t = await runProbe({ ...fast, baseUrl: ref.url, proxy: { httpProxy: proxy.url } });
    expect(classify(t).outcome).toBe('healthy');
    const seen = proxy.relayed.slice(before);
    expect(seen[0]).toBe(`${ref.url}/api/chat/async`);
    expect(seen[1]).toMatch(new RegExp(`^${ref.url}/api/streams/`));
    expect(t.attempts[0]!.proxy).toBe(proxy.url);
  });

  it('NO_PROXY naming the host (with its port): direct, nothing through the proxy', async () => {
    const before = proxy.relayed.length + proxy.connects.length;
    const t = await runProbe({ ...fast, baseUrl: ref.url, proxy: { httpProxy: proxy.url, noProxy: `example.com, 127.0.0.1:${ref.port}` } });
    expect(classify(t).outcome).toBe('healthy');
    expect(proxy.relayed.length + proxy.connects.length).toBe(before);
    expect(t.attempts[0]!.proxy).toBeUndefined();
  });

  it('a proxy that refuses the tunnel (407): unreachable with the proxy\'s status and a hint about credentials, not "interrupted"', async () => {
    const refusing = await startForwardProxy({ refuse: 407 });
    try {
      const t = await runProbe({ ...fast, baseUrl: front.url, tls: { ca }, proxy: { httpsProxy: refusing.url } });
      expect(t.enqueue.error).toEqual({
        code: 'SSEDOCTOR_PROXY_REFUSED',
        codes: ['SSEDOCTOR_PROXY_REFUSED', 'PROXY_STATUS_407'],
        message: `the proxy answered 407 to CONNECT 127.0.0.1:${front.port}`,
      });
      const d = diagnose(t);
      expect(d.outcome.code).toBe('unreachable');
      expect(d.hint).toMatch(/^The forward proxy wants credentials \(407\): .*HTTPS_PROXY=http:\/\/user:password@proxy:port/);
      const forbidden = await startForwardProxy({ refuse: 403 });
      try {
        const f = await runProbe({ ...fast, baseUrl: front.url, tls: { ca }, proxy: { httpsProxy: forbidden.url } });
        expect(diagnose(f).hint).toMatch(/^The forward proxy refused the tunnel \(403\)/);
      } finally {
        await forbidden.close();
      }
    } finally {
      await refusing.close();
    }
  });

  it('HTTP_PROXY answering 407 to a plain http:// request: unreachable, refused by the proxy, and a hint about its credentials (not undici\'s "invalid argument")', async () => {
    const refusing = await startForwardProxy({ refuse: 407 });
    try {
      const t = await runProbe({ ...fast, baseUrl: ref.url, proxy: { httpProxy: refusing.url } });
      expect(t.enqueue.error).toEqual({
        code: 'SSEDOCTOR_PROXY_REFUSED',
        codes: ['SSEDOCTOR_PROXY_REFUSED', 'PROXY_STATUS_407'],
        message: 'the proxy answered 407 to an absolute-URI request',
      });
      expect(refusing.relayed).toEqual([`${ref.url}/api/chat/async`]);
      const d = diagnose(t);
      expect(d.outcome.code).toBe('unreachable');
      expect(d.hint).toMatch(/^The forward proxy wants credentials \(407\): .*HTTP_PROXY=http:\/\/user:password@proxy:port/);
    } finally {
      await refusing.close();
    }
  });

  it('a proxy that is down: the run is unreachable, not a crash', async () => {
    const t = await runProbe({ ...fast, baseUrl: ref.url, proxy: { httpProxy: 'http://127.0.0.1:1' } });
    expect(classify(t).outcome).toBe('unreachable');
  });
});

describe('HTTP/2 head held until the first DATA frame', () => {
  // An ingress that sends the HEADERS frame only with the first DATA frame, before a job whose first event takes 1.5 s.
  const heldRun = async (http2: boolean) => {
    const slow = await startOrigin(1500);
    const held = await startTlsFront(pki, slow.url, { holdHead: true });
    try {
      const t = await runProbe({ ...fast, baseUrl: held.url, tls: { ca }, http2 });
      return { t, d: diagnose(t) };
    } finally {
      await held.close();
      await slow.close();
    }
  };

  it('the waterfall shows head ≈ first byte ≈ first event, and head-held names HTTP/2 with its evidence', async () => {
    const { t, d } = await heldRun(true);
    const a = t.attempts[0]!;
    expect(a.protocol).toBe('h2');
    expect(a.firstByteMs! - a.headersMs!).toBeLessThan(50);
    expect(d.waterfall.firstEventMs! - d.waterfall.headMs!).toBeLessThan(50);
    expect(d.waterfall.headMs! - d.waterfall.getSentMs!).toBeGreaterThan(1000);
    const f = d.findings.find((x) => x.code === 'head-held');
    expect(f?.message).toMatch(/over HTTP\/2 \(h2\) the HEADERS frame arrived with the first DATA frame/);
    expect(f?.evidence).toMatchObject({ protocol: 'h2' });
  }, 15_000);

  it('the same hold over HTTP/1.1: head-held, without claiming HTTP/2', async () => {
    const { d } = await heldRun(false);
    const f = d.findings.find((x) => x.code === 'head-held');
    expect(f).toBeDefined();
    expect(f?.message).not.toMatch(/HTTP\/2/);
    expect(f?.evidence).toMatchObject({ protocol: 'http/1.1' });
  }, 15_000);
});
