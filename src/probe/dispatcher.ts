/** The HTTP client pool used by probes. */
import { Agent } from 'undici';

/**
 * An undici Agent fit for streams: no body timeout (a quiet stream is data, not a client
 * failure; undici's default would kill it at 300 s), headers and connect limited by `timeoutMs`.
 */
export function createDispatcher(timeoutMs: number, connections?: number): Agent {
  return new Agent({
    bodyTimeout: 0,
    headersTimeout: timeoutMs,
    connectTimeout: timeoutMs,
    keepAliveTimeout: 4000,
    ...(connections ? { connections } : {}),
  });
}
