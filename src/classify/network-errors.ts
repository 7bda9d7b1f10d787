/** Pure mapping of transport error codes (undici `UND_ERR_*`, Node errno) to what they mean for a run. */
import type { NetError } from '../model.js';

/** What a transport error says about the target. */
export type NetFailure = 'timeout' | 'unreachable' | 'reset' | 'aborted' | 'client-limit' | 'other';

const TIMEOUT = new Set(['UND_ERR_CONNECT_TIMEOUT', 'UND_ERR_HEADERS_TIMEOUT', 'ETIMEDOUT', 'UND_ERR_BODY_TIMEOUT']);
const UNREACHABLE = new Set([
  'ECONNREFUSED',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ERR_INVALID_URL',
  'UND_ERR_INVALID_ARG',
]);
const RESET = new Set(['ECONNRESET', 'EPIPE', 'UND_ERR_SOCKET', 'UND_ERR_CLOSED', 'ERR_STREAM_PREMATURE_CLOSE', 'HPE_INVALID_CONSTANT']);
const ABORTED = new Set(['UND_ERR_ABORTED', 'ABORT_ERR']);
/** The client's own limits: out of file descriptors, or of local ports (connect's EADDRNOTAVAIL). */
const CLIENT_LIMIT = new Set(['EMFILE', 'ENFILE', 'EADDRNOTAVAIL']);

/** Classifies by the codes on the error's cause chain, most specific first. */
export function classifyNetError(error: NetError): NetFailure {
  for (const code of [error.code, ...error.codes]) {
    if (CLIENT_LIMIT.has(code)) return 'client-limit';
    if (TIMEOUT.has(code)) return 'timeout';
    if (UNREACHABLE.has(code)) return 'unreachable';
    if (RESET.has(code)) return 'reset';
    if (ABORTED.has(code)) return 'aborted';
  }
  return 'other';
}
