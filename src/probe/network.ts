/**
 * The network between ssedoctor and the target: TLS trust and client certificates, HTTP/2 by ALPN,
 * and forward proxies from the environment. Everything here is plain data (PEM text, URL strings),
 * so ProbeOptions stay serialisable for the load generator's worker threads.
 */
import { createSecureContext, rootCertificates, type SecureContext } from 'node:tls';
import type { Transcript } from '../model.js';

/** TLS settings of the probe's connections; certificates and keys as PEM text, never paths. */
export interface TlsSettings {
  /** Extra trusted CA certificates (PEM), added to Node's bundled roots, not replacing them. */
  ca?: string;
  /** Client certificate chain (PEM), sent when the server asks for one. */
  cert?: string;
  /** Private key of `cert` (PEM). */
  key?: string;
  /** Skip certificate verification altogether (curl's `--insecure`). */
  insecure?: boolean;
}

/** Forward proxies, as `HTTP_PROXY`/`HTTPS_PROXY`/`NO_PROXY` give them (raw: may hold credentials). */
export interface ProxySettings {
  /** Proxy for `http:` targets. */
  httpProxy?: string;
  /** Proxy for `https:` targets (`HTTP_PROXY` when unset, as undici and curl do). */
  httpsProxy?: string;
  /** Comma- or space-separated hosts (`host`, `.domain`, `*.domain`, `host:port`, `*`) reached directly. */
  noProxy?: string;
}

/** The HTTP version a response came over. */
export type HttpProtocol = 'h2' | 'http/1.1';

/**
 * Proxy settings from the environment, lower-case names first (undici's and curl's order), or
 * undefined when no proxy variable is set: then the plain Agent is used and `NO_PROXY` alone
 * changes nothing.
 */
export function proxySettingsFromEnv(env: Record<string, string | undefined>): ProxySettings | undefined {
  // The first non-empty of the two spellings: an exported but empty `https_proxy` unsets nothing.
  const pick = (name: string): string | undefined =>
    [env[name.toLowerCase()], env[name]].map((v) => v?.trim()).find((v) => v !== undefined && v !== '');
  const httpProxy = pick('HTTP_PROXY');
  const httpsProxy = pick('HTTPS_PROXY');
  if (httpProxy === undefined && httpsProxy === undefined) return undefined;
  const noProxy = pick('NO_PROXY');
  return {
    ...(httpProxy !== undefined ? { httpProxy } : {}),
    ...(httpsProxy !== undefined ? { httpsProxy } : {}),
    ...(noProxy !== undefined ? { noProxy } : {}),
  };
}

/** A proxy URL as curl takes it: `proxy:3128` means `http://proxy:3128`. */
export function normaliseProxyUrl(raw: string): string {
  return /^[a-z][a-z0-9+.-]*:\/\//i.test(raw) ? raw : `http://${raw}`;
}

/**
 * The proxy (raw URL) a request to `url` goes through, or undefined when it goes direct. Mirrors
 * undici's EnvHttpProxyAgent: `https:` targets use the HTTPS proxy, else the HTTP one; a `NO_PROXY`
 * entry matches the host or any subdomain of it, on any port unless it names one; `*` matches all.
 * Loopback hosts are NOT exempt by default (undici has no such rule): list them in `NO_PROXY`.
 */
export function proxyFor(url: string, proxy: ProxySettings | undefined): string | undefined {
  if (!proxy) return undefined;
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    return undefined;
  }
  const chosen = u.protocol === 'https:' ? (proxy.httpsProxy ?? proxy.httpProxy) : proxy.httpProxy;
  if (chosen === undefined) return undefined;
  const host = u.host.replace(/:\d*$/, '').toLowerCase();
  const port = Number.parseInt(u.port, 10) || (u.protocol === 'https:' ? 443 : 80);
  const value = proxy.noProxy ?? '';
  if (value.trim() === '*') return undefined;
  for (const entry of value.split(/[,\s]/)) {
    if (!entry) continue;
    const m = /^(.+):(\d+)$/.exec(entry);
    const name = (m ? m[1]! : entry).replace(/^\*?\./, '').toLowerCase();
    if (m && Number.parseInt(m[2]!, 10) !== port) continue;
    if (host === name || host.endsWith(`.${name}`)) return undefined;
  }
  return normaliseProxyUrl(chosen);
}

/** The CAs trusted with `--cacert`: Node's bundled roots plus `ca` (a `ca` option alone replaces the roots). */
export function trustedCas(ca: string): string[] {
  return [...rootCertificates, ca];
}

/**
 * Node TLS connect options for `tls`: one SecureContext for the whole pool. Passing `ca`, `cert`
 * and `key` instead would make Node parse them (and the 140-odd bundled roots) again for every
 * connection, which under load costs more than the handshake itself.
 */
export function tlsConnectOptions(tls: TlsSettings | undefined): { secureContext?: SecureContext; rejectUnauthorized?: boolean } {
  if (!tls) return {};
  const material = {
    ...(tls.ca !== undefined ? { ca: trustedCas(tls.ca) } : {}),
    ...(tls.cert !== undefined ? { cert: tls.cert } : {}),
    ...(tls.key !== undefined ? { key: tls.key } : {}),
  };
  return {
    ...(Object.keys(material).length > 0 ? { secureContext: createSecureContext(material) } : {}),
    ...(tls.insecure ? { rejectUnauthorized: false } : {}),
  };
}

/**
 * The protocol a response came over. undici hands an HTTP/2 response to the handler with an empty
 * status text (HTTP/2 has no reason phrase); over HTTP/1.1 it is the status line's reason phrase.
 * HTTP/2 is only possible when it was offered (`http2`) and is never used for `http:` URLs (no
 * ALPN without TLS), so an HTTP/1.1 server with an empty reason phrase is only misread when
 * `--http2` is on.
 */
export function responseProtocol(statusText: string | undefined, http2: boolean | undefined): HttpProtocol {
  return http2 && statusText === '' ? 'h2' : 'http/1.1';
}

/** The HTTP version of the run's last answered stream request, or undefined when none was answered. */
export function streamProtocol(t: Pick<Transcript, 'attempts'>): HttpProtocol | undefined {
  for (let i = t.attempts.length - 1; i >= 0; i--) {
    const p = t.attempts[i]!.protocol;
    if (p) return p;
  }
  return undefined;
}
