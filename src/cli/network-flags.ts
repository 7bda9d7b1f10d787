/**
 * `--cacert`, `--cert`/`--key`, `--insecure`, `--http2` and the proxy variables, checked before any
 * work: an unreadable or invalid file is a one-line usage error (exit 2), never a TLS failure later.
 */
import { X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createSecureContext } from 'node:tls';
import { usageError } from '../errors.js';
import type { ProbeOptions } from '../probe/options.js';
import { normaliseProxyUrl, proxySettingsFromEnv, type ProxySettings, type TlsSettings } from '../probe/network.js';
import { redactUrl } from '../probe/redact.js';

export interface NetworkFlags {
  cacert?: string;
  cert?: string;
  key?: string;
  insecure?: boolean;
  http2?: boolean;
}

/** The probe options these flags and `env` set; `warn` gets one line when verification is off. */
export function networkOptionsFromFlags(
  f: NetworkFlags,
  env: Record<string, string | undefined>,
  warn?: (line: string) => void,
): Pick<ProbeOptions, 'tls' | 'http2' | 'proxy'> {
  const tls: TlsSettings = {};
  if (f.cacert !== undefined) tls.ca = readCertificates(f.cacert, '--cacert') + extraCas(env);
  if (f.key !== undefined && f.cert === undefined) throw usageError('conflicting-flags', '--key needs --cert (the client certificate it belongs to)');
  if (f.cert !== undefined) {
    const certText = readPem(f.cert, '--cert');
    readCertificates(f.cert, '--cert', certText);
    // One file may hold both, as curl accepts; otherwise --key is required.
    const keyText = f.key !== undefined ? readPem(f.key, '--key') : /-----BEGIN [A-Z ]*PRIVATE KEY-----/.test(certText) ? certText : undefined;
    if (keyText === undefined) throw usageError('missing-key', `--cert: ${f.cert} holds no private key; give it with --key FILE`);
    try {
      createSecureContext({ cert: certText, key: keyText });
    } catch (err) {
      throw usageError('bad-client-cert', `--cert/--key: not a usable certificate and private key pair (${(err as Error).message})`);
    }
    tls.cert = certText;
    tls.key = keyText;
  }
  if (f.insecure) {
    tls.insecure = true;
    warn?.('ssedoctor: --insecure: TLS certificates are NOT verified; anyone on the path can read and change this traffic\n');
  }
  const proxy = checkedProxy(proxySettingsFromEnv(env));
  return {
    ...(Object.keys(tls).length > 0 ? { tls } : {}),
    ...(f.http2 ? { http2: true } : {}),
    ...(proxy ? { proxy } : {}),
  };
}

/**
 * `NODE_EXTRA_CA_CERTS`, which Node adds to its default store: a `ca` list replaces that store, so
 * with --cacert the extra file is listed again. Unreadable: left out, as Node itself only warns.
 */
function extraCas(env: Record<string, string | undefined>): string {
  const path = env.NODE_EXTRA_CA_CERTS;
  if (!path) return '';
  try {
    return `\n${readFileSync(path, 'utf8')}`;
  } catch {
    return '';
  }
}

function readPem(path: string, flag: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (err) {
    throw usageError('unreadable-file', `${flag}: cannot read ${path} (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`);
  }
}

/** The file's text when it holds at least one PEM certificate and every one of them parses. */
function readCertificates(path: string, flag: string, text = readPem(path, flag)): string {
  const blocks = text.match(/-----BEGIN CERTIFICATE-----[\s\S]*?-----END CERTIFICATE-----/g) ?? [];
  if (blocks.length === 0) throw usageError('bad-certificate', `${flag}: ${path} holds no PEM certificate (-----BEGIN CERTIFICATE-----)`);
  for (const block of blocks) {
    try {
      new X509Certificate(block);
    } catch (err) {
      throw usageError('bad-certificate', `${flag}: ${path} holds a certificate that does not parse (${(err as Error).message})`);
    }
  }
  return text;
}

/** Proxy URLs must parse as http(s); the message shows them redacted (they may carry credentials). */
function checkedProxy(proxy: ProxySettings | undefined): ProxySettings | undefined {
  if (!proxy) return undefined;
  for (const [name, raw] of [['HTTP_PROXY', proxy.httpProxy], ['HTTPS_PROXY', proxy.httpsProxy]] as const) {
    if (raw === undefined) continue;
    let ok = false;
    try {
      const u = new URL(normaliseProxyUrl(raw));
      ok = (u.protocol === 'http:' || u.protocol === 'https:') && u.hostname !== '';
    } catch {
      ok = false;
    }
    if (!ok) throw usageError('bad-proxy', `${name}: "${redactUrl(raw)}" is not an http:// or https:// proxy URL`);
  }
  return proxy;
}
