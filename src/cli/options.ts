/**
 * Pure parsers for flag values. Each returns a typed value or throws a SsedoctorError with a
 * one-line message that names the flag and shows a valid example (exit code 2).
 */
import { readFileSync } from 'node:fs';
import { DURATION_GRAMMAR, parseDurationMs } from '../duration.js';
import { usageError } from '../errors.js';
import { redactUrl } from '../probe/redact.js';

/** A duration flag (the one grammar of src/duration.ts) → milliseconds. */
export function parseDuration(text: string, flag: string): number {
  const ms = parseDurationMs(text);
  if (ms === undefined) throw usageError('bad-duration', `${flag}: "${text}" is not a duration; use ${DURATION_GRAMMAR}`);
  return ms;
}

/** A duration that must be above zero (`--duration 0s` would run nothing and pass). */
export function parsePositiveDuration(text: string, flag: string): number {
  const ms = parseDuration(text, flag);
  if (ms <= 0) throw usageError('bad-duration', `${flag}: "${text}" must be longer than 0, e.g. 30s`);
  return ms;
}

/** A whole number within bounds. */
export function parseInteger(text: string, flag: string, min = 0, max = Number.MAX_SAFE_INTEGER): number {
  const n = Number(text);
  if (!/^\s*-?\d+\s*$/.test(text) || n < min || n > max) {
    throw usageError('bad-number', `${flag}: "${text}" must be a whole number from ${min} to ${max}`);
  }
  return n;
}

/** `1mb`, `64kb`, `1024` (bytes) → bytes. */
export function parseSize(text: string, flag: string): number {
  const m = /^\s*(\d+(?:\.\d+)?)\s*(b|kb|kib|mb|mib)?\s*$/i.exec(text);
  if (!m) throw usageError('bad-size', `${flag}: "${text}" is not a size; use e.g. 64kb or 1mb`);
  const unit = (m[2] ?? 'b').toLowerCase();
  const factor = unit.startsWith('k') ? 1024 : unit.startsWith('m') ? 1024 * 1024 : 1;
  return Math.floor(Number(m[1]) * factor);
}

/** An http(s) base URL. Error messages echo it redacted: a bad --url may still carry a token. */
export function parseBaseUrl(text: string, flag = '--url'): string {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw usageError('bad-url', `${flag}: "${redactUrl(text)}" is not a URL; use e.g. http://localhost:8000`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw usageError('bad-url', `${flag}: "${redactUrl(text)}" must start with http:// or https://`);
  }
  if (url.hostname === '') throw usageError('bad-url', `${flag}: "${redactUrl(text)}" names no host`);
  return url.toString().replace(/\/+$/, '');
}

/**
 * Headers that frame the message or belong to one connection (RFC 9110 §7.6.1, RFC 9112). The
 * client sets them itself; a user-supplied one would corrupt the request on the wire.
 */
const FORBIDDEN_HEADERS = new Set(['content-length', 'transfer-encoding', 'connection', 'keep-alive', 'upgrade', 'te', 'trailer', 'proxy-connection', 'expect']);

/** `Name: value` → [name, value]; header names must be RFC 9110 tokens. The value is never echoed. */
export function parseHeader(text: string): [string, string] {
  const i = text.indexOf(':');
  const name = i > 0 ? text.slice(0, i).trim() : '';
  if (!/^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/.test(name)) {
    // Echo at most the first word: a header without its colon still holds its secret.
    const first = text.trim().split(/[\s:]/)[0] ?? '';
    throw usageError('bad-header', `-H: "${first}${first.length < text.trim().length ? '…' : ''}" is not a header; use "Name: value", e.g. -H "Authorization: Bearer TOKEN"`);
  }
  if (FORBIDDEN_HEADERS.has(name.toLowerCase())) {
    throw usageError('bad-header', `-H: "${name}" is set by the HTTP client itself (message framing or the connection); remove it`);
  }
  const raw = text.slice(i + 1);
  const value = raw.trim();
  if (/[\r\n\0]/.test(raw)) throw usageError('bad-header', `-H: the value of "${name}" contains a line break or NUL`);
  return [name, value];
}

/** Collects repeatable `-H` values into a header record (later values win). */
export function parseHeaders(list: string[]): Record<string, string> {
  return Object.fromEntries(list.map(parseHeader));
}

/** `--body` as JSON text or `@file`; validated as JSON so mistakes surface before any request. */
export function parseBody(text: string, readFile: (path: string) => string = (p) => readFileSync(p, 'utf8')): string {
  let body = text;
  if (text.startsWith('@')) {
    const path = text.slice(1);
    try {
      body = readFile(path);
    } catch (err) {
      const code = (err as { code?: string }).code ?? 'error';
      throw usageError('unreadable-file', `--body: cannot read "${path}" (${code})`);
    }
  }
  try {
    JSON.parse(body);
  } catch {
    throw usageError('bad-json', `--body: ${text.startsWith('@') ? `"${text.slice(1)}"` : 'the value'} is not valid JSON`);
  }
  return body;
}

/** The enqueue body for `--prompt`: the origin frontend's ChatRequest. */
export function promptBody(prompt: string): string {
  return JSON.stringify({ messages: [{ role: 'user', content: prompt }] });
}

/** One of a fixed list of choices. */
export function parseChoice<T extends string>(text: string, flag: string, choices: readonly T[]): T {
  if ((choices as readonly string[]).includes(text)) return text as T;
  throw usageError('bad-choice', `${flag}: "${text}" is not one of ${choices.join(', ')}`);
}
