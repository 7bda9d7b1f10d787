/**
 * Debian's nginx as a proxy that wants credentials (test/peers/nginx/proxy-auth-407.conf answers 407
 * with a Basic challenge), through the built binary: as the configured forward proxy (HTTP_PROXY) the
 * run is refused by the proxy, with its status and the credentials hint; in front of the server with
 * no proxy configured, the 407 is the enqueue's answer and the hint says a proxy on the path sent it.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startReferenceServer, type ReferenceServer } from '../../src/server/index.js';
import { ssedoctor } from '../helpers/cli.js';
import { peersAvailable, startNginx, type Peer } from '../helpers/peers.js';

const NO_ENV_PROXY = { HTTP_PROXY: '', http_proxy: '', HTTPS_PROXY: '', https_proxy: '', NO_PROXY: '', no_proxy: '' };
const quick = ['--timeout', '3s', '--observe', '5s', '--no-live', '--json'];

interface Doc {
  outcome: string;
  hint: string;
  transcript: { enqueue: { status?: number; error?: { code: string; codes: string[] } } };
}

describe.runIf(peersAvailable('test/e2e/peers-proxy-auth.test.ts', ['nginx']))('nginx answering 407 (built binary)', () => {
  let ref: ReferenceServer;
  let nginx: Peer;

  beforeAll(async () => {
    ref = await startReferenceServer({ log: { level: 'off', format: 'text' } });
    nginx = await startNginx('proxy-auth-407', ref.url);
  }, 30_000);
  afterAll(async () => {
    await nginx?.close();
    await ref?.close();
  });

  it('as HTTP_PROXY for an http:// target: unreachable, refused by the proxy with 407, and the credentials hint', async () => {
    const r = await ssedoctor(['verify', '--url', ref.url, ...quick], { ...NO_ENV_PROXY, HTTP_PROXY: nginx.url });
    const doc = JSON.parse(r.stdout) as Doc;
    expect(doc.outcome, nginx.stderr()).toBe('unreachable');
    expect(r.code).toBe(3);
    expect(doc.transcript.enqueue.error).toMatchObject({ code: 'SSEDOCTOR_PROXY_REFUSED', codes: ['SSEDOCTOR_PROXY_REFUSED', 'PROXY_STATUS_407'] });
    expect(doc.hint).toMatch(/^The forward proxy wants credentials \(407\): .*HTTP_PROXY=http:\/\/user:password@proxy:port/);
  });

  it('in front of the server, no proxy configured: the 407 is the enqueue\'s answer, and the hint names a proxy on the path', async () => {
    const r = await ssedoctor(['verify', '--url', nginx.url, ...quick], NO_ENV_PROXY);
    const doc = JSON.parse(r.stdout) as Doc;
    expect(doc.outcome).toBe('enqueue-failed');
    expect(doc.transcript.enqueue.status).toBe(407);
    expect(doc.hint).toMatch(/^A proxy on the path answered 407 Proxy Authentication Required as the HTTP answer itself/);
  });
});
