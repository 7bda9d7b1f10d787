/** The hint for a run whose forward proxy refused the CONNECT tunnel (see probe/dispatcher.ts). Pure. */
import type { NetError, Transcript } from '../model.js';

/** A sharper hint when the proxy refused the tunnel; undefined otherwise. */
export function proxyHint(t: Transcript): string | undefined {
  const e = [t.enqueue.error, ...t.attempts.map((a) => a.error)].find((x): x is NetError => x?.codes.includes('SSEDOCTOR_PROXY_REFUSED') ?? false);
  if (!e) return undefined;
  const status = e.codes.find((c) => c.startsWith('PROXY_STATUS_'))?.slice('PROXY_STATUS_'.length);
  if (status === '407') {
    return 'The forward proxy wants credentials (407): put them in the proxy URL, HTTPS_PROXY=http://user:password@proxy:port (they are sent as Proxy-Authorization and redacted in every report).';
  }
  return `The forward proxy refused the tunnel (${status ?? e.code}): it does not allow this host or port, or cannot reach it; list hosts to reach directly in NO_PROXY.`;
}
