/**
 * Debian's nginx as the TLS + HTTP/2 terminator (test/peers/nginx/tls-h2.conf.template) before the
 * reference server, through the built binary: a real ingress negotiates h2 by ALPN, verify and load
 * record it, and the private CA is trusted only with --cacert.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ReferenceServer } from '../../src/server/index.js';
import { ssedoctor } from '../helpers/cli.js';
import { peersAvailable } from '../helpers/peers.js';
import { makePki, startOrigin, startNginxTls, type LoopbackPeer, type Pki } from '../helpers/tls-peers.js';

const NO_ENV_PROXY = { HTTP_PROXY: '', http_proxy: '', HTTPS_PROXY: '', https_proxy: '', NO_PROXY: '', no_proxy: '' };
const quick = ['--timeout', '3s', '--observe', '10s', '--no-live'];

/** nginx writes an access-log line when it sees the stream closed, a moment after the client hung up. */
async function logged(read: () => string, line: RegExp): Promise<string> {
  for (let i = 0; i < 40 && !line.test(read()); i++) await new Promise((r) => setTimeout(r, 50));
  return read();
}

describe.runIf(peersAvailable('test/e2e/peers-tls.test.ts', ['nginx']))('nginx terminating TLS and HTTP/2 (built binary)', () => {
  let ref: ReferenceServer;
  let pki: Pki;
  let nginx: LoopbackPeer & { log(): string; accessLog(): string };

  beforeAll(async () => {
    ref = await startOrigin();
    pki = makePki();
    nginx = await startNginxTls(pki, ref.url);
  }, 30_000);
  afterAll(async () => {
    await nginx?.close();
    await ref?.close();
    pki?.remove();
  });

  it('--cacert --http2: healthy over h2 through nginx, the head with its server header', async () => {
    const r = await ssedoctor(['verify', '--url', nginx.url, '--cacert', pki.caCert, '--http2', '--json', ...quick], NO_ENV_PROXY);
    expect(r.code, nginx.log()).toBe(0);
    const doc = JSON.parse(r.stdout);
    expect(doc.outcome).toBe('healthy');
    expect(doc.network.protocol).toBe('h2');
    expect(doc.transcript.attempts[0].headers.server).toMatch(/^nginx/);
    // nginx's own access log confirms the protocol on the server side.
    const id = doc.transcript.enqueue.id as string;
    const h2Line = new RegExp(`"GET /api/streams/${id} HTTP/2\\.0" 200`);
    expect(await logged(nginx.accessLog, h2Line)).toMatch(h2Line);
  });

  it('without --http2 the same nginx answers HTTP/1.1; without --cacert the CA is not trusted', async () => {
    const h1 = await ssedoctor(['verify', '--url', nginx.url, '--cacert', pki.caCert, '--json', ...quick], NO_ENV_PROXY);
    expect(h1.code).toBe(0);
    const doc = JSON.parse(h1.stdout);
    expect(doc.network.protocol).toBe('http/1.1');
    const h1Line = new RegExp(`"GET /api/streams/${doc.transcript.enqueue.id} HTTP/1\\.1" 200`);
    expect(await logged(nginx.accessLog, h1Line)).toMatch(h1Line);
    const untrusted = await ssedoctor(['verify', '--url', nginx.url, '--http2', '--json', ...quick], NO_ENV_PROXY);
    expect(untrusted.code).toBe(3);
    expect(JSON.parse(untrusted.stdout).hint).toMatch(/--cacert/);
  });

  it('what HTTP/2 changes on nginx: over h2 the head waits for the first DATA frame (head-held, named h2); over HTTP/1.1 it does not', async () => {
    // The job's first event comes 1.5 s after the head is flushed upstream.
    const slow = await startOrigin(1500);
    const front = await startNginxTls(pki, slow.url);
    try {
      const run = async (extra: string[]) => {
        const r = await ssedoctor(['verify', '--url', front.url, '--cacert', pki.caCert, '--json', ...extra, ...quick], NO_ENV_PROXY);
        expect(r.code, r.stdout).toBe(0);
        return JSON.parse(r.stdout) as { waterfall: Record<string, number>; findings: { code: string; message: string }[]; network: { protocol: string } };
      };
      const h2 = await run(['--http2']);
      expect(h2.network.protocol).toBe('h2');
      expect(h2.waterfall.headMs! - h2.waterfall.getSentMs!).toBeGreaterThan(1000);
      expect(h2.waterfall.firstEventMs! - h2.waterfall.headMs!).toBeLessThan(50);
      expect(h2.findings.find((f) => f.code === 'head-held')?.message).toMatch(/over HTTP\/2 \(h2\) the HEADERS frame arrived with the first DATA frame/);
      const h1 = await run([]);
      expect(h1.network.protocol).toBe('http/1.1');
      expect(h1.waterfall.firstEventMs! - h1.waterfall.headMs!).toBeGreaterThan(1000);
      expect(h1.findings.map((f) => f.code)).not.toContain('head-held');
    } finally {
      await front.close();
      await slow.close();
    }
  }, 20_000);

  it('load over h2: every run healthy and counted as h2', async () => {
    const r = await ssedoctor(['load', '--url', nginx.url, '--cacert', pki.caCert, '--http2', '-n', '20', '-c', '10', '--workers', '1', '--json', '--timeout', '3s'], NO_ENV_PROXY);
    expect(r.code, r.stderr).toBe(0);
    const doc = JSON.parse(r.stdout);
    expect(doc.outcomes).toEqual([expect.objectContaining({ code: 'healthy', count: 20 })]);
    expect(doc.protocols).toEqual({ h2: 20 });
  });
});
