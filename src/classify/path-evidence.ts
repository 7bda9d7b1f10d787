/**
 * What the response headers show about the path a stream took: a proxy (a `Via` header, a
 * `Server` naming a proxy or CDN, a CDN's own request-id header) or an application server named by
 * `Server`. Findings name a layer only from this evidence. Pure.
 */

/** The layer a finding blames; `unknown` when no header shows which. */
export type Layer = 'application' | 'proxy' | 'server' | 'network' | 'unknown';

/** `Server` values of proxies, load balancers and CDNs (lower-case substrings). */
const PROXY_SERVERS = ['nginx', 'openresty', 'envoy', 'cloudflare', 'haproxy', 'caddy', 'traefik', 'squid', 'varnish', 'akamai', 'cloudfront', 'awselb', 'google frontend', 'kong', 'apisix'];
/** `Server` values of application servers (lower-case substrings). */
const APP_SERVERS = ['uvicorn', 'hypercorn', 'gunicorn', 'daphne', 'granian', 'waitress', 'werkzeug', 'tornado', 'aiohttp', 'node', 'express', 'deno', 'bun', 'kestrel', 'jetty', 'puma', 'gin', 'actix'];
/** Headers only a CDN or proxy adds: their presence is evidence of one on the path. */
const PROXY_ONLY_HEADERS = ['cf-ray', 'x-amz-cf-id', 'x-served-by', 'x-envoy-upstream-service-time'];

export interface PathEvidence {
  /** Evidence of a proxy on the path. */
  proxy: boolean;
  /** The `Server` header names an application server (and nothing shows a proxy). */
  application: boolean;
  server: string | null;
  via: string | null;
  /** The header that shows a proxy, as `name: value`, when one does. */
  proxyHeader: string | null;
  /** The evidence in words: `server: uvicorn, no Via`, `via: 1.1 nginx`, `no Server or Via header`. */
  text: string;
}

/** Reads the path evidence off one response's headers (lower-case names). */
export function pathEvidence(headers: Record<string, string> | undefined): PathEvidence {
  const server = headers?.server ?? null;
  const via = headers?.via ?? null;
  const lower = (server ?? '').toLowerCase();
  const proxyServer = PROXY_SERVERS.some((p) => lower.includes(p));
  const extra = PROXY_ONLY_HEADERS.find((h) => headers?.[h] !== undefined);
  const proxyHeader = via ? `via: ${via}` : proxyServer ? `server: ${server}` : extra ? `${extra}: ${headers![extra]}` : null;
  const proxy = proxyHeader !== null;
  const application = !proxy && APP_SERVERS.some((p) => lower.includes(p));
  const text = proxyHeader ?? (server ? `server: ${server}, no Via` : 'no Server or Via header');
  return { proxy, application, server, via, proxyHeader, text };
}

/** The layer to blame for something held on the way: a proxy only with proxy evidence. */
export function heldLayer(p: PathEvidence): Layer {
  return p.proxy ? 'proxy' : p.application ? 'application' : 'unknown';
}
