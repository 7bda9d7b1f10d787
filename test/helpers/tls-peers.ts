/**
 * TLS, HTTP/2 and proxy peers for network tests, all on loopback port 0:
 * - `makePki()`: a private CA, a server certificate for 127.0.0.1/localhost and a client
 *   certificate, made with Debian's `openssl` in a temporary directory;
 * - `startTlsFront()`: a `node:http2` secure server (HTTP/2 by ALPN, HTTP/1.1 allowed) that forwards
 *   every request to an upstream base URL (the reference server) and streams the answer back;
 * - `startForwardProxy()`: a forward proxy that tunnels CONNECT and relays absolute-URI requests,
 *   counting both;
 * - `startNginxTls()`: Debian's nginx as a TLS + HTTP/2 terminator before an upstream.
 */
import { execFileSync, spawn } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer as createHttpServer, request as httpRequest, type IncomingHttpHeaders } from 'node:http';
import { createSecureServer, type Http2ServerRequest, type Http2ServerResponse } from 'node:http2';
import { createServer as createHttpsServer } from 'node:https';
import { connect as netConnect, createServer as createNetServer, type AddressInfo, type Socket } from 'node:net';
import { connect as tlsConnect } from 'node:tls';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseDistribution, startReferenceServer, type ReferenceServer } from '../../src/server/index.js';

/** The reference server behind the TLS peers: a quick healthy job whose first event comes `firstEventMs` after its head. */
export function startOrigin(firstEventMs = 5): Promise<ReferenceServer> {
  return startReferenceServer({
    scenario: 'healthy',
    persistDelay: parseDistribution('20ms'),
    workerDelay: parseDistribution(`${firstEventMs}ms`),
    nodeDuration: parseDistribution('2ms'),
    log: { level: 'off', format: 'text' },
  });
}

export const OPENSSL = process.env.PEERS_OPENSSL ?? '/usr/bin/openssl';

/** Paths of the generated PEM files (and their texts). */
export interface Pki {
  dir: string;
  caCert: string;
  serverCert: string;
  serverKey: string;
  clientCert: string;
  clientKey: string;
  pem(path: string): string;
  remove(): void;
}

/** Generates a CA, a server certificate (SAN 127.0.0.1, localhost) and a client certificate. */
export function makePki(): Pki {
  if (!existsSync(OPENSSL)) throw new Error(`no openssl at ${OPENSSL} (apt-get install openssl)`);
  const dir = mkdtempSync(join(tmpdir(), 'ssedoctor-pki-'));
  const p = (name: string): string => join(dir, name);
  const ssl = (...args: string[]): void => void execFileSync(OPENSSL, args, { cwd: dir, stdio: 'pipe' });
  // EC keys: generated in milliseconds, unlike RSA.
  const key = (name: string): void => ssl('ecparam', '-name', 'prime256v1', '-genkey', '-noout', '-out', p(name));
  key('ca.key');
  ssl('req', '-x509', '-new', '-key', p('ca.key'), '-days', '2', '-subj', '/CN=ssedoctor test CA', '-out', p('ca.pem'));
  const signed = (name: string, cn: string, ext: string): void => {
    key(`${name}.key`);
    ssl('req', '-new', '-key', p(`${name}.key`), '-subj', `/CN=${cn}`, '-out', p(`${name}.csr`));
    writeFileSync(p(`${name}.ext`), ext);
    ssl('x509', '-req', '-in', p(`${name}.csr`), '-CA', p('ca.pem'), '-CAkey', p('ca.key'), '-CAcreateserial', '-days', '2', '-extfile', p(`${name}.ext`), '-out', p(`${name}.pem`));
  };
  signed('server', '127.0.0.1', 'subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth\n');
  signed('client', 'ssedoctor client', 'extendedKeyUsage=clientAuth\n');
  return {
    dir,
    caCert: p('ca.pem'),
    serverCert: p('server.pem'),
    serverKey: p('server.key'),
    clientCert: p('client.pem'),
    clientKey: p('client.key'),
    pem: (path) => readFileSync(path, 'utf8'),
    remove: () => rmSync(dir, { recursive: true, force: true }),
  };
}

/** A running loopback peer. */
export interface LoopbackPeer {
  url: string;
  port: number;
  close(): Promise<void>;
}

/** Hop-by-hop and HTTP/2-forbidden response headers, not forwarded. */
const HOP = new Set(['connection', 'keep-alive', 'transfer-encoding', 'upgrade', 'proxy-connection', 'te', 'trailer']);

/**
 * An HTTPS front (HTTP/2 and HTTP/1.1 by ALPN) forwarding to `upstream`. With `requireClientCert`,
 * only clients presenting a certificate signed by the test CA get through the handshake; with
 * `holdHead`, each response head is held until the upstream's first body bytes; with `http1Only`,
 * a `node:https` server that offers only `http/1.1` by ALPN (an ingress without HTTP/2).
 */
export async function startTlsFront(
  pki: Pki,
  upstream: string,
  opts: { requireClientCert?: boolean; holdHead?: boolean; http1Only?: boolean } = {},
): Promise<LoopbackPeer & { protocols: string[] }> {
  const protocols: string[] = [];
  const up = new URL(upstream);
  const tls = {
    cert: pki.pem(pki.serverCert),
    key: pki.pem(pki.serverKey),
    ...(opts.requireClientCert ? { requestCert: true, rejectUnauthorized: true, ca: pki.pem(pki.caCert) } : {}),
  };
  const handler = (req: Http2ServerRequest, res: Http2ServerResponse): void => {
    protocols.push(req.httpVersion === '2.0' ? 'h2' : 'http/1.1');
    const headers: IncomingHttpHeaders = {};
    for (const [k, v] of Object.entries(req.headers)) if (!k.startsWith(':') && !HOP.has(k)) headers[k] = v;
    headers.host = up.host;
    const fwd = httpRequest({ host: up.hostname, port: up.port, method: req.method, path: req.url, headers }, (answer) => {
      const out: Record<string, string | string[]> = {};
      for (const [k, v] of Object.entries(answer.headers)) if (v !== undefined && !HOP.has(k)) out[k] = v;
      // holdHead: the head leaves with the first body bytes, as HTTP/2 ingresses that wait for a DATA frame do.
      const head = (): void => void (res.headersSent || res.writeHead(answer.statusCode ?? 502, out));
      if (!opts.holdHead) head();
      answer.on('data', (c: Buffer) => {
        head();
        res.write(c);
      });
      answer.on('end', () => {
        head();
        res.end();
      });
      answer.on('error', () => res.destroy());
    });
    fwd.on('error', () => (res.headersSent ? res.destroy() : res.writeHead(502).end()));
    res.on('close', () => fwd.destroy());
    req.pipe(fwd);
  };
  // The https server's req/res carry the same members the handler uses.
  const server = opts.http1Only
    ? createHttpsServer(tls, handler as unknown as Parameters<typeof createHttpsServer>[1])
    : createSecureServer({ allowHTTP1: true, ...tls }, handler);
  const sockets = new Set<Socket>();
  server.on('secureConnection', (s: Socket) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  server.on('tlsClientError', () => undefined); // a client that distrusts us just hangs up
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `https://127.0.0.1:${port}`,
    port,
    protocols,
    close: () =>
      new Promise((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}

/** A forward proxy on loopback; `connects` and `relayed` list what went through it. */
export interface ForwardProxy extends LoopbackPeer {
  /** `host:port` of each CONNECT tunnel. */
  connects: string[];
  /** Absolute URIs of each relayed plain request. */
  relayed: string[];
  /** Proxy-Authorization headers seen (to check credentials reached the proxy). */
  auth: string[];
}

/**
 * Starts a forward proxy: CONNECT tunnels and absolute-URI requests, with no access control, or,
 * with `refuse`, answering every request and tunnel with that status (407, 403...).
 */
export async function startForwardProxy(opts: { refuse?: number } = {}): Promise<ForwardProxy> {
  const connects: string[] = [];
  const relayed: string[] = [];
  const auth: string[] = [];
  const sockets = new Set<Socket>();
  const server = createHttpServer((req, res) => {
    relayed.push(req.url ?? '');
    if (req.headers['proxy-authorization']) auth.push(req.headers['proxy-authorization']);
    if (opts.refuse) return void res.writeHead(opts.refuse, { 'proxy-authenticate': 'Basic realm="test"' }).end();
    let target: URL;
    try {
      target = new URL(req.url ?? '');
    } catch {
      res.writeHead(400).end('absolute URI required');
      return;
    }
    const headers = { ...req.headers };
    delete headers['proxy-authorization'];
    delete headers['proxy-connection'];
    const fwd = httpRequest({ host: target.hostname, port: target.port, method: req.method, path: `${target.pathname}${target.search}`, headers }, (answer) => {
      res.writeHead(answer.statusCode ?? 502, answer.headers);
      answer.pipe(res);
    });
    fwd.on('error', () => (res.headersSent ? res.destroy() : res.writeHead(502).end()));
    res.on('close', () => fwd.destroy());
    req.pipe(fwd);
  });
  server.on('connect', (req, client: Socket, head: Buffer) => {
    connects.push(req.url ?? '');
    if (req.headers['proxy-authorization']) auth.push(req.headers['proxy-authorization']);
    if (opts.refuse) return void client.end(`HTTP/1.1 ${opts.refuse} Refused\r\nProxy-Authenticate: Basic realm="test"\r\n\r\n`);
    const [host, port] = (req.url ?? '').split(':');
    const upstream = netConnect(Number(port), host, () => {
      client.write('HTTP/1.1 200 Connection Established\r\n\r\n');
      if (head.length > 0) upstream.write(head);
      upstream.pipe(client);
      client.pipe(upstream);
    });
    for (const s of [client, upstream]) {
      sockets.add(s);
      s.on('close', () => sockets.delete(s));
      s.on('error', () => undefined);
    }
    upstream.on('close', () => client.destroy());
    client.on('close', () => upstream.destroy());
  });
  server.on('connection', (s: Socket) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    connects,
    relayed,
    auth,
    close: () =>
      new Promise((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}

export const NGINX = process.env.PEERS_NGINX ?? '/usr/sbin/nginx';

/** A free loopback port (closed again at once; nginx binds it a moment later). */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createNetServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const port = (server.address() as AddressInfo).port;
      server.close(() => resolve(port));
    });
  });
}

/** True once a TLS handshake with the test CA succeeds on `port`. */
function handshakes(port: number, ca: string): Promise<boolean> {
  return new Promise((resolve) => {
    const s = tlsConnect({ host: '127.0.0.1', port, ca, servername: 'localhost' }, () => {
      s.destroy();
      resolve(true);
    });
    s.on('error', () => resolve(false));
    s.setTimeout(1000, () => {
      s.destroy();
      resolve(false);
    });
  });
}

/**
 * Starts nginx in the foreground with `test/peers/nginx/tls-h2.conf.template` (TLS with the test
 * server certificate, HTTP/2 and HTTP/1.1 by ALPN) proxying to `upstream`; every file it writes stays
 * in a temporary directory. Resolves once a TLS handshake succeeds.
 */
export async function startNginxTls(pki: Pki, upstream: string): Promise<LoopbackPeer & { log(): string; accessLog(): string }> {
  const prefix = mkdtempSync(join(tmpdir(), 'ssedoctor-nginx-tls-'));
  // As root, nginx's workers run as `nobody`: they must reach the prefix and write its temp paths.
  chmodSync(prefix, 0o755);
  for (const dir of ['client_body', 'proxy', 'fastcgi', 'uwsgi', 'scgi']) {
    mkdirSync(join(prefix, dir));
    chmodSync(join(prefix, dir), 0o777);
  }
  const port = await freePort();
  const template = readFileSync(new URL('../peers/nginx/tls-h2.conf.template', import.meta.url), 'utf8');
  const conf = template
    .replaceAll('{{PREFIX}}', prefix)
    .replaceAll('{{PORT}}', String(port))
    .replaceAll('{{UPSTREAM}}', new URL(upstream).host)
    .replaceAll('{{CERT}}', pki.serverCert)
    .replaceAll('{{KEY}}', pki.serverKey);
  writeFileSync(join(prefix, 'nginx.conf'), conf);
  const child = spawn(NGINX, ['-p', prefix, '-c', join(prefix, 'nginx.conf'), '-e', 'stderr', '-g', 'daemon off;'], { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout?.on('data', (c) => (output += c));
  child.stderr?.on('data', (c) => (output += c));
  let exited = false;
  const exit = new Promise<void>((resolve) => child.on('exit', () => ((exited = true), resolve())));
  const stop = async (): Promise<void> => {
    if (!exited) {
      child.kill('SIGTERM');
      const killer = setTimeout(() => child.kill('SIGKILL'), 5000);
      await exit;
      clearTimeout(killer);
    }
    rmSync(prefix, { recursive: true, force: true });
  };
  const ca = pki.pem(pki.caCert);
  const deadline = Date.now() + 20_000;
  while (!(await handshakes(port, ca))) {
    if (exited || Date.now() > deadline) {
      await stop();
      throw new Error(`nginx (TLS) did not come up on ${port}:\n${output}`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  const read = (name: string): string => (existsSync(join(prefix, name)) ? readFileSync(join(prefix, name), 'utf8') : '');
  return {
    url: `https://127.0.0.1:${port}`,
    port,
    close: stop,
    log: () => output + read('error.log'),
    accessLog: () => read('access.log'),
  };
}
