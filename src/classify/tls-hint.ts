/**
 * The hint for a run that never got an HTTP answer because TLS failed: which flag fixes it. Pure;
 * reads only the error codes on the transcript (Node's OpenSSL verify codes and ERR_SSL_* alerts).
 */
import type { NetError, Transcript } from '../model.js';

/** Certificate verification failures (Node's `err.code` from OpenSSL's verify result). */
const UNTRUSTED = new Set([
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'UNABLE_TO_GET_ISSUER_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'CERT_UNTRUSTED',
  'CERT_SIGNATURE_FAILURE',
]);
const EXPIRED = new Set(['CERT_HAS_EXPIRED', 'CERT_NOT_YET_VALID']);

/** The first TLS error of the run (enqueue, then stream attempts), or undefined. */
function tlsError(t: Transcript): NetError | undefined {
  const errors = [t.enqueue.error, ...t.attempts.map((a) => a.error)].filter((e): e is NetError => e !== undefined);
  return errors.find((e) => e.codes.some((c) => UNTRUSTED.has(c) || EXPIRED.has(c) || c === 'ERR_TLS_CERT_ALTNAME_INVALID' || c.startsWith('ERR_SSL_')));
}

/** A sharper hint when TLS is why there was no answer; undefined otherwise. */
export function tlsHint(t: Transcript): string | undefined {
  const e = tlsError(t);
  if (!e) return undefined;
  const has = (p: (c: string) => boolean): boolean => e.codes.some(p);
  if (has((c) => UNTRUSTED.has(c))) {
    return `TLS: the server's certificate is not trusted (${e.code}). If a private or corporate CA signed it, pass that CA with --cacert ca.pem (it is added to the public roots); --insecure skips verification, for testing only.`;
  }
  if (has((c) => EXPIRED.has(c))) return `TLS: the server's certificate is outside its validity period (${e.code}); renew it, or check this machine's clock.`;
  if (has((c) => c === 'ERR_TLS_CERT_ALTNAME_INVALID')) {
    return `TLS: the server's certificate does not name this host (${e.code}); use a host name the certificate lists in --url, or fix the certificate.`;
  }
  if (has((c) => /CERTIFICATE_REQUIRED|HANDSHAKE_FAILURE|BAD_CERTIFICATE|UNKNOWN_CA/.test(c))) {
    return `TLS: the server refused the handshake (${e.code}); when it requires a client certificate, pass it with --cert cert.pem --key key.pem.`;
  }
  if (has((c) => c === 'ERR_SSL_WRONG_VERSION_NUMBER')) {
    return `TLS: the other end does not speak TLS on this port (${e.code}); use http:// in --url, or the server's HTTPS port.`;
  }
  return `TLS: the handshake failed (${e.code}: ${e.message}).`;
}
