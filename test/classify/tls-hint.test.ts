/** tlsHint: which flag fixes a TLS failure, read from the error codes alone. */
import { describe, expect, it } from 'vitest';
import { tlsHint } from '../../src/classify/tls-hint.js';
import { attempt, transcript } from './builders.js';

const failedEnqueue = (code: string) =>
  transcript([], { enqueue: { url: 'https://x/api/chat/async', sentMs: 0, error: { code, codes: [code], message: 'm' } } });

describe('tlsHint', () => {
  it.each([
    // a private CA: --cacert, --insecure as the testing-only way out
    ['SELF_SIGNED_CERT_IN_CHAIN', /not trusted \(SELF_SIGNED_CERT_IN_CHAIN\).*--cacert ca\.pem.*--insecure/],
    ['UNABLE_TO_GET_ISSUER_CERT_LOCALLY', /not trusted/],
    // expired: no flag, the certificate or the clock
    ['CERT_HAS_EXPIRED', /validity period.*clock/],
    // wrong host name
    ['ERR_TLS_CERT_ALTNAME_INVALID', /does not name this host/],
    // the server wants a client certificate
    ['ERR_SSL_TLSV13_ALERT_CERTIFICATE_REQUIRED', /--cert cert\.pem --key key\.pem/],
    // https:// against a plain HTTP port
    ['ERR_SSL_WRONG_VERSION_NUMBER', /does not speak TLS.*http:\/\//],
    // any other TLS alert: named, no guess
    ['ERR_SSL_SOMETHING_ELSE', /^TLS: the handshake failed \(ERR_SSL_SOMETHING_ELSE: m\)\.$/],
  ])('%s', (code, hint) => {
    expect(tlsHint(failedEnqueue(code))).toMatch(hint);
  });

  it('not TLS: no hint (the outcome table speaks)', () => {
    expect(tlsHint(failedEnqueue('ECONNREFUSED'))).toBeUndefined();
    expect(tlsHint(transcript([attempt({ status: 200 })]))).toBeUndefined();
  });

  it('a stream attempt that failed TLS counts too', () => {
    const t = transcript([attempt({ error: { code: 'CERT_HAS_EXPIRED', codes: ['CERT_HAS_EXPIRED'], message: 'expired' } })]);
    expect(tlsHint(t)).toMatch(/validity period/);
  });
});
