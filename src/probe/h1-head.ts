/**
 * The head of an HTTP/1.x response, parsed as undici's llhttp parser reads it: the same header
 * object (lower-case names, repeated headers as arrays, values trimmed and read as latin1), the
 * same body framing, and the same verdicts on what it refuses (undici reports a parser error
 * with llhttp's reason and no code, and a conflicting or malformed Content-Length as a length
 * mismatch). Pure; the differential test (test/probe/h1-transport.test.ts) holds it to undici on
 * the wire.
 */

/** A response head, and how its body is framed. */
export interface ResponseHead {
  status: number;
  statusText: string;
  headers: Record<string, string | string[]>;
  /** `length`: `contentLength` bytes; `chunked`; `close`: until the server closes; `none`: no body. */
  body: 'length' | 'chunked' | 'close' | 'none';
  contentLength: number;
  /** Whether the connection may carry another request after this response. */
  keepAlive: boolean;
}

/** What the parser refuses: a protocol error with llhttp's reason, or a bad Content-Length. */
export interface HeadError {
  error: 'protocol' | 'content-length';
  reason: string;
}

const STATUS_LINE = /^HTTP\/(\d)\.(\d) (\d{3})(?: ([\t\x20-\x7e\x80-\xff]*))?$/;
const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
// Field values: HTAB, SP, visible ASCII and obs-text; no other control character.
const VALUE = /^[\t\x20-\x7e\x80-\xff]*$/;
/** A character no header line may hold (CR and LF only end lines). */
const CONTROL = /[^\t\r\n\x20-\x7e\x80-\xff]|\r(?!\n)/;

/** Parses `text`, the latin1 bytes of a head without its final CRLFCRLF. */
export function parseResponseHead(text: string, method = 'GET'): ResponseHead | HeadError {
  const bare = bareLf(text);
  if (bare) return protocol(bare);
  const firstEnd = text.indexOf('\r\n');
  const first = firstEnd < 0 ? text : text.slice(0, firstEnd);
  if (!first.startsWith('HTTP/')) return protocol('Expected HTTP/, RTSP/ or ICE/');
  const m = STATUS_LINE.exec(first);
  if (!m) return protocol(/^HTTP\/\d\.\d /.test(first) ? 'Invalid status code' : 'Invalid HTTP version');
  // llhttp takes any one-digit version (an "HTTP/2.0" status line is read as a response).
  const major = Number(m[1]);
  const minor = Number(m[2]);
  const status = Number(m[3]);
  const headers: Record<string, string | string[]> = {};
  let contentLength = -1;
  let chunked = false;
  let transferEncoding = false;
  let connection = '';
  // Values are checked one by one only when the head holds a character no value may hold.
  const suspect = CONTROL.test(text);
  for (let start = firstEnd < 0 ? text.length : firstEnd + 2; start < text.length; ) {
    let end = text.indexOf('\r\n', start);
    if (end < 0) end = text.length;
    const lead = text.charCodeAt(start);
    if (lead === 32 || lead === 9) return protocol('Unexpected whitespace after header value');
    const colon = text.indexOf(':', start);
    const name = colon > start && colon < end ? headerName(text.slice(start, colon)) : undefined;
    if (name === undefined) return protocol('Invalid header token');
    let v = colon + 1;
    while (v < end && (text.charCodeAt(v) === 32 || text.charCodeAt(v) === 9)) v++;
    const value = ownString(text, v, end);
    start = end + 2;
    if (suspect && !VALUE.test(value)) return protocol(value.includes('\r') ? 'Missing expected LF after header value' : 'Invalid header value char');
    const prev = Object.hasOwn(headers, name) ? headers[name] : undefined;
    // A header named __proto__ is data, as in undici, not the object's prototype.
    if (prev === undefined) {
      if (name === '__proto__') Object.defineProperty(headers, name, { value, enumerable: true, configurable: true, writable: true });
      else headers[name] = value;
    }
    else if (typeof prev === 'string') headers[name] = [prev, value];
    else prev.push(value);
    if (name === 'content-length') {
      if (contentLength >= 0) return { error: 'content-length', reason: 'Duplicate Content-Length' };
      if (!/^\d+[\t ]*$/.test(value)) return { error: 'content-length', reason: 'Invalid character in Content-Length' };
      contentLength = Number(value);
    } else if (name === 'transfer-encoding') {
      transferEncoding = true;
      // Only a final `chunked` frames the body; any other coding leaves it to the connection's end.
      chunked = /(?:^|,)[\t ]*chunked[\t ]*$/i.test(value);
    } else if (name === 'connection') {
      connection += `,${value.toLowerCase()}`;
    }
  }
  if (transferEncoding && contentLength >= 0) {
    return { error: 'content-length', reason: "Content-Length can't be present with Transfer-Encoding" };
  }
  const close = /(?:^|,)[\t ]*close[\t ]*(?:,|$)/.test(connection);
  let keepAlive = major > 1 || minor >= 1 ? !close : /(?:^|,)[\t ]*keep-alive[\t ]*(?:,|$)/.test(connection) && !close;
  let body: ResponseHead['body'];
  if (method === 'HEAD' || status < 200 || status === 204 || status === 304) body = 'none';
  else if (chunked) body = 'chunked';
  else if (contentLength >= 0 && !transferEncoding) body = 'length';
  else {
    body = 'close';
    keepAlive = false;
  }
  // The reason phrase is read as UTF-8, as undici reads it (header values stay latin1).
  const reason = m[4] ?? '';
  const statusText = /[^\x00-\x7f]/.test(reason) ? Buffer.from(reason, 'latin1').toString('utf8') : reason;
  return { status, statusText, headers, body, contentLength: Math.max(0, contentLength), keepAlive };
}

/**
 * llhttp's reason when `text` (the start of a head) has a line ending in LF without CR, else
 * undefined. Such a head never shows a CRLFCRLF, so the transport checks what it has so far.
 */
export function bareLf(text: string): string | undefined {
  for (let i = text.indexOf('\n'); i >= 0; i = text.indexOf('\n', i + 1)) {
    if (text.charCodeAt(i - 1) !== 13) return text.lastIndexOf('\r\n', i) < 0 ? 'Missing expected CR after response line' : 'Missing expected CR after header value';
  }
  return undefined;
}

/**
 * `text.slice(start, end)` as a string of its own. V8 makes a slice of 13 characters or more a view
 * into `text`, and a value kept in a transcript then kept the whole head alive with it (≈ 0.4 KiB
 * per open stream for two heads); concatenating first makes the slice copy its characters.
 */
function ownString(text: string, start: number, end: number): string {
  return end - start < 13 ? text.slice(start, end) : `${text.slice(start, end)} `.slice(0, -1);
}

/** Lower-cased header names by the raw name servers send (the same few, thousands of times). */
const names = new Map<string, string | null>();
/** The lower-case name, or undefined when `raw` is not a token. */
function headerName(raw: string): string | undefined {
  let name = names.get(raw);
  if (name === undefined) {
    if (names.size >= 512) names.clear();
    names.set(raw, (name = TOKEN.test(raw) ? raw.toLowerCase() : null));
  }
  return name ?? undefined;
}

function protocol(reason: string): HeadError {
  return { error: 'protocol', reason };
}

/** True for a head error rather than a head. */
export function isHeadError(h: ResponseHead | HeadError): h is HeadError {
  return (h as HeadError).error !== undefined;
}
