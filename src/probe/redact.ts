/**
 * Keeps secrets out of transcripts and reports: credentials in headers, URL userinfo and
 * token-like query parameters are replaced before anything is stored.
 */

const SECRET_HEADERS = /^(authorization|proxy-authorization|cookie|set-cookie|x-api-key|api-key|x-auth-token|x-csrf-token)$/i;
const SECRET_PARAMS = /token|key|secret|password|passwd|auth|signature|sig$/i;

/** The placeholder written instead of a secret. */
export const REDACTED = '[redacted]';

/** Copies headers with lower-cased names, secret values replaced. */
export function redactHeaders(headers: Record<string, string | string[] | undefined>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (value === undefined) continue;
    const lower = name.toLowerCase();
    out[lower] = SECRET_HEADERS.test(lower) ? REDACTED : Array.isArray(value) ? value.join(', ') : value;
  }
  return out;
}

/** A URL safe to print: no userinfo, token-like query values replaced. */
export function redactUrl(raw: string): string {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return raw;
  }
  if (url.username || url.password) {
    url.username = '';
    url.password = '';
  }
  for (const key of [...url.searchParams.keys()]) {
    if (SECRET_PARAMS.test(key)) url.searchParams.set(key, REDACTED);
  }
  return url.toString();
}
