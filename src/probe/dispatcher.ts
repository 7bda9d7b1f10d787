/** The HTTP client pool used by probes. */
import { Agent, Client, EnvHttpProxyAgent, Pool, type Dispatcher } from 'undici';
import { H1Agent } from './h1-transport.js';
import { normaliseProxyUrl, tlsConnectOptions, type ProxySettings, type TlsSettings } from './network.js';
import { sourcePortConnector } from './source-ports.js';

/** How the probe reaches the target: TLS trust, HTTP/2 offer and forward proxies (see network.ts). */
export interface NetworkSettings {
  tls?: TlsSettings;
  /** Offer HTTP/2 by ALPN (`h2` next to `http/1.1`) on TLS connections. */
  http2?: boolean;
  /** Forward proxies; undefined: every request goes direct. */
  proxy?: ProxySettings;
  /**
   * Source addresses of the connections (see local-addresses.ts); undefined: the system picks.
   * {@link createDispatcher} uses the first, {@link createDispatchers} makes one Agent per address.
   */
  localAddresses?: string[];
}

/**
 * An undici dispatcher fit for streams: no body timeout (a quiet stream is data, not a client
 * failure; undici's default would kill it at 300 s), headers and connect limited by `timeoutMs`.
 * It follows no redirects: the stream request follows them itself, hop by hop, to record the chain
 * (attach.ts), and the enqueue POST reports one instead of silently turning into a GET.
 *
 * With a proxy it is undici's EnvHttpProxyAgent, given the settings explicitly (it never reads
 * `process.env` itself): `https:` targets are tunnelled with CONNECT, `http:` targets are sent to
 * the proxy as absolute-URI requests, as curl does (many proxies only allow CONNECT to port 443).
 */
export function createDispatcher(timeoutMs: number, connections?: number, network: NetworkSettings = {}): Dispatcher {
  return buildDispatcher(timeoutMs, connections, network, network.localAddresses?.[0]);
}

/**
 * One dispatcher per source address in `network.localAddresses` (one, unbound, without them),
 * each allowed its share of `connections` (rounded up). The load runner hands them to runs in turn,
 * so one destination can take more connections than one source address has ephemeral ports.
 */
export function createDispatchers(timeoutMs: number, connections: number | undefined, network: NetworkSettings = {}): Dispatcher[] {
  const addresses = network.localAddresses?.length ? network.localAddresses : [undefined];
  const share = connections ? Math.ceil(connections / addresses.length) : undefined;
  return addresses.map((address) => buildDispatcher(timeoutMs, share, network, address));
}

function buildDispatcher(timeoutMs: number, connections: number | undefined, network: NetworkSettings, localAddress: string | undefined): Dispatcher {
  const tls = tlsConnectOptions(network.tls);
  const allowH2 = network.http2 ?? false;
  const timeouts = { bodyTimeout: 0, headersTimeout: timeoutMs };
  const connect = localAddress ? sourcePortConnector({ localAddress, timeoutMs, tls, allowH2 }) : undefined;
  const base = {
    ...timeouts,
    connectTimeout: timeoutMs,
    keepAliveTimeout: 4000,
    allowH2,
    ...(connections ? { connections } : {}),
    // With a source address, ssedoctor picks the source ports too: the kernel's own pick stalls at scale (source-ports.ts).
    ...(connect
      ? { connect }
      : Object.keys(tls).length > 0
        ? { connect: tls }
        : {}),
  };
  if (!network.proxy) {
    if (process.env.SSEDOCTOR_TRANSPORT === 'undici') return new Agent(base);
    // Plain-http origins on the lean transport; the rest (https:, h2) on undici with the same settings.
    return new H1Agent({
      ...(connections ? { connections } : {}),
      headersTimeoutMs: timeoutMs,
      keepAliveMs: 4000,
      connect: connect ?? sourcePortConnector({ timeoutMs }),
      fallback: () => new Agent(base),
    });
  }
  const p = network.proxy;
  const proxied = new EnvHttpProxyAgent({
    ...base,
    // '' rather than undefined: undici would fall back to process.env.
    httpProxy: p.httpProxy !== undefined ? normaliseProxyUrl(p.httpProxy) : '',
    httpsProxy: p.httpsProxy !== undefined ? normaliseProxyUrl(p.httpsProxy) : '',
    noProxy: p.noProxy ?? '',
    proxyTunnel: false,
    // The TLS session inside a CONNECT tunnel is built from requestTls alone, ALPN offer included.
    requestTls: { ...tls, allowH2, timeout: timeoutMs },
    // The pool towards the proxy for absolute-URI requests gets only `connect` from undici: without
    // this its body timeout would cut a quiet stream at 300 s.
    factory: (origin: string | URL, opts: object): Dispatcher => {
      const o = { ...opts, ...timeouts };
      return (o as { connections?: number }).connections === 1 ? new Client(origin, o) : new Pool(origin, o);
    },
    clientFactory: (origin: URL, opts: object): Dispatcher => refusalAware(new Pool(origin, opts)),
  });
  // undici's ProxyAgent writes a Host header into the headers object it is given; a run's header
  // objects are shared by every request it makes (http.ts withHeaderDefaults), so it gets a copy.
  return proxied.compose((dispatch) => (opts, handler) => dispatch({ ...opts, headers: { ...(opts.headers as Record<string, string>) } }, proxyAuthAware(handler)));
}

/**
 * undici's ProxyAgent answers a 407 to an absolute-URI request (plain http through the proxy) with
 * an InvalidArgumentError, the code of a bad call; the handler gets the refusal it is instead, as
 * for a refused tunnel (`SSEDOCTOR_PROXY_REFUSED`, cause `PROXY_STATUS_407`). Only that error of
 * that agent is matched, by its code and the status undici puts in its message.
 */
function proxyAuthAware(handler: Dispatcher.DispatchHandler): Dispatcher.DispatchHandler {
  return {
    ...handler,
    onResponseError(controller, err) {
      const proxy407 = (err as { code?: string }).code === 'UND_ERR_INVALID_ARG' && err.message.includes('(407)');
      handler.onResponseError?.(controller, proxy407 ? proxyRefused(407, 'to an absolute-URI request') : err);
    },
  };
}

/** The error of a request the proxy refused with `status`: its code, and the status as a code on its cause. */
function proxyRefused(status: number, what: string): Error {
  // The status travels as a code on the cause chain, where toNetError collects codes.
  const message = `the proxy answered ${status} ${what}`;
  const cause = Object.assign(new Error(message), { code: `PROXY_STATUS_${status}` });
  return Object.assign(new Error(message, { cause }), { code: 'SSEDOCTOR_PROXY_REFUSED' });
}

/**
 * The pool that sends CONNECT to the proxy, with a refusal turned into its own error. undici reports
 * a tunnel the proxy refused (407, 403, 502...) as UND_ERR_ABORTED, the code of a run the user
 * interrupted; this one says what happened: `SSEDOCTOR_PROXY_REFUSED`, and `PROXY_STATUS_<status>` as its cause.
 */
function refusalAware(pool: Pool): Pool {
  const connect = pool.connect.bind(pool) as (o: Dispatcher.ConnectOptions) => Promise<Dispatcher.ConnectData>;
  const checked = async (o: Dispatcher.ConnectOptions): Promise<Dispatcher.ConnectData> => {
    const answer = await connect(o);
    if (answer.statusCode === 200) return answer;
    answer.socket.destroy();
    throw proxyRefused(answer.statusCode, `to CONNECT ${o.path}`);
  };
  pool.connect = checked as Pool['connect'];
  return pool;
}
