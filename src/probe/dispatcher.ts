/** The HTTP client pool used by probes. */
import { Agent, interceptors, type Dispatcher } from 'undici';

/** Redirects followed per stream request, as an EventSource follows 301/302/303/307/308 (WHATWG §9.2.2). */
const MAX_REDIRECTS = 5;

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

const following = new WeakMap<Dispatcher, Dispatcher>();

/**
 * The same pool, following redirects. Only stream requests use it: the enqueue POST reports a
 * redirect instead of silently turning into a GET, and the other requests skip the extra handler.
 */
export function followingRedirects(dispatcher: Dispatcher): Dispatcher {
  let d = following.get(dispatcher);
  if (!d) following.set(dispatcher, (d = dispatcher.compose(interceptors.redirect({ maxRedirections: MAX_REDIRECTS }))));
  return d;
}
