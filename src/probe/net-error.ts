/**
 * Turns a thrown transport error into data. Codes come from the error and its `cause` chain
 * (undici's `UND_ERR_*`, Node's `ECONNREFUSED`...), never from parsing messages.
 */
import type { NetError } from '../model.js';

/** Extracts every `code` along the cause chain; `UNKNOWN` when there is none. */
export function toNetError(err: unknown): NetError {
  const codes: string[] = [];
  let message = String(err);
  const seen = new Set<unknown>();
  for (let e: unknown = err; e && typeof e === 'object' && !seen.has(e); e = (e as { cause?: unknown }).cause) {
    seen.add(e);
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string' && !codes.includes(code)) codes.push(code);
    if (e instanceof Error && e.message) message = e.message;
    // AggregateError (happy eyeballs over several addresses) keeps the real causes in `errors`.
    const inner = (e as { errors?: unknown[] }).errors;
    if (Array.isArray(inner)) {
      for (const sub of inner) {
        const c = (sub as { code?: unknown }).code;
        if (typeof c === 'string' && !codes.includes(c)) codes.push(c);
      }
    }
  }
  if (err instanceof Error && err.name === 'AbortError' && !codes.includes('ABORT_ERR')) codes.push('ABORT_ERR');
  const specific = codes.find((c) => !GENERIC.has(c)) ?? codes[0] ?? 'UNKNOWN';
  return { code: specific, codes, message };
}

/** Wrapper codes that say less than what they wrap. */
const GENERIC = new Set(['UND_ERR', 'ERR_INVALID_STATE']);
