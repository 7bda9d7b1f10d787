/** The HTTP client pool used by probes. */
import { Agent } from 'undici';

/**
 * An undici Agent fit for streams: no body timeout (a quiet stream is data, not a client
 * failure; undici's default would kill it at 300 s), headers and connect limited by `timeoutMs`.
 * It follows no redirects: the stream request follows them itself, hop by hop, to record the chain
 * (attach.ts), and the enqueue POST reports one instead of silently turning into a GET.
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
