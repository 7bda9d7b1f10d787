/**
 * Keeps secrets out of transcripts and reports: credentials in headers, URL userinfo and every
 * query (and fragment) value are replaced before anything is stored or printed. Redaction is on
 * by default everywhere: a URL's query names stay readable, its values never reach an output.
 */

const SECRET_HEADERS = new Set(['authorization', 'proxy-authorization', 'cookie', 'set-cookie', 'x-api-key', 'api-key', 'x-auth-token', 'x-csrf-token']);

/** The placeholder written instead of a secret. */
export const REDACTED = '[redacted]';

/**
 * Headers with lower-cased names, secret values replaced, repeated ones joined: a copy, or
 * `headers` itself when it is that already (most answers: a held stream then keeps one object, not
 * two). Neither is to be changed afterwards.
 */
export function redactHeaders(headers: Record<string, string | string[] | undefined>): Record<string, string> {
  if (isClean(headers)) return headers as Record<string, string>;
  const out: Record<string, string> = {};
  for (const name in headers) {
    const value = headers[name];
    if (value === undefined || !Object.hasOwn(headers, name)) continue;
    const lower = name.toLowerCase();
    out[lower] = SECRET_HEADERS.has(lower) ? REDACTED : Array.isArray(value) ? value.join(', ') : value;
  }
  return out;
}

/** Every name lower-case and not a secret, every value one string. */
function isClean(headers: Record<string, string | string[] | undefined>): boolean {
  for (const name in headers) {
    if (typeof headers[name] !== 'string' || SECRET_HEADERS.has(name) || !Object.hasOwn(headers, name)) return false;
    if (/[A-Z]/.test(name)) return false;
  }
  return true;
}

/**
 * `a=1&b&c=2` → `a=[redacted]&b&c=[redacted]`: names kept (they say what was sent), every value
 * replaced (a token can hide behind any name: `?t=`, `?replay=`, `?sig=`).
 */
function redactPairs(text: string): string {
  return text
    .split('&')
    .map((pair) => {
      const eq = pair.indexOf('=');
      return eq < 0 ? pair : `${pair.slice(0, eq)}=${REDACTED}`;
    })
    .join('&');
}

/**
 * A URL safe to print: userinfo (user name too) becomes `[redacted]@`, every query and fragment
 * value becomes `[redacted]`, names kept. Text that does not parse as a URL goes through
 * {@link redactText}, so a malformed `--url` echoed in an error message is safe as well.
 */
export function redactUrl(raw: string): string {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return redactText(unparsedUserinfo(raw));
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return redactText(unparsedUserinfo(raw));
  const userinfo = url.username || url.password ? `${REDACTED}@` : '';
  const query = url.search ? `?${redactPairs(url.search.slice(1))}` : '';
  const hash = url.hash ? `#${redactPairs(url.hash.slice(1))}` : '';
  // `http://h` stays `http://h`: the WHATWG parser's added `/` is not what the user wrote.
  const path = url.pathname === '/' && !/^\s*[a-z][a-z0-9+.-]*:\/\/[^/?#]*\//i.test(raw) ? '' : url.pathname;
  return `${url.protocol}//${userinfo}${url.host}${path}${query}${hash}`;
}

/** In text meant as one URL, the whole authority up to its last `@` is userinfo, spaces and all. */
function unparsedUserinfo(raw: string): string {
  return raw.replace(/^(\s*(?:[a-z][a-z0-9+.-]*:)?\/\/)[^/?#]*@/i, `$1${REDACTED}@`);
}

/**
 * Free text (an error message, a log line) with every URL-like part redacted: userinfo before an
 * `@` in an authority, and the values of query strings. Works on text that is not a valid URL.
 */
export function redactText(text: string): string {
  return (
    text
      // scheme://user:pw@host or //user@host: everything between // and the last @ of the authority.
      .replace(/(\/\/)[^/?#\s"'<>@]*@/g, `$1${REDACTED}@`)
      // user:pw@host without a scheme, at the start of a token.
      .replace(/(^|[\s"'(=])[^\s"'/?#:@]+:[^\s"'/?#@]*@(?=[^\s"'@]+)/g, `$1${REDACTED}@`)
      // ?a=1&b=2 and #a=1: every value.
      .replace(/([?#&][^=\s"'&#?<>]+=)[^&#\s"'<>]*/g, `$1${REDACTED}`)
  );
}
