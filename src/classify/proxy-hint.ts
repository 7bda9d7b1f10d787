/**
 * The hint for a run a proxy refused: the configured forward proxy refusing a CONNECT tunnel or
 * asking for credentials (see probe/dispatcher.ts), or a 407 answer from a proxy nobody configured.
 * Pure.
 */
import type { NetError, Transcript } from '../model.js';

/** A sharper hint when a proxy refused the run; undefined otherwise. */
export function proxyHint(t: Transcript): string | undefined {
  const e = [t.enqueue.error, ...t.attempts.map((a) => a.error)].find((x): x is NetError => x?.codes.includes('SSEDOCTOR_PROXY_REFUSED') ?? false);
  // A 407 that reached the client as an answer did not come from the configured forward proxy (undici
  // turns that one's 407 into the refusal above): a proxy past it, or with none configured, intercepts.
  if (!e) {
    return answered407(t)
      ? 'A proxy on the path answered 407 Proxy Authentication Required as the HTTP answer itself (a configured forward proxy\'s refusal is reported as such): one between ssedoctor and the server intercepts the requests and wants credentials. Ask for it to let this host through, or configure it as the forward proxy with its credentials in the URL (HTTP_PROXY=http://user:password@proxy:port).'
      : undefined;
  }
  const status = e.codes.find((c) => c.startsWith('PROXY_STATUS_'))?.slice('PROXY_STATUS_'.length);
  if (status === '407') {
    const variable = t.enqueue.url.startsWith('http:') ? 'HTTP_PROXY' : 'HTTPS_PROXY';
    return `The forward proxy wants credentials (407): put them in the proxy URL, ${variable}=http://user:password@proxy:port (they are sent as Proxy-Authorization and redacted in every report).`;
  }
  return `The forward proxy refused the tunnel (${status ?? e.code}): it does not allow this host or port, or cannot reach it; list hosts to reach directly in NO_PROXY.`;
}

/** Only a proxy sends 407 (RFC 9110 §15.5.8): the enqueue's or a stream request's answer. */
function answered407(t: Transcript): boolean {
  return t.enqueue.status === 407 || t.attempts.some((a) => a.status === 407);
}
