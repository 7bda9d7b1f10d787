/** Small facts about HTTP answers shared by the probe and the classifier. Pure. */

/** True for `text/event-stream` with any parameters, in any case (the MIME essence check of WHATWG §9.2.2). */
export function isEventStream(contentType: string | undefined): boolean {
  if (contentType === 'text/event-stream' || contentType?.startsWith('text/event-stream;')) return true; // the usual spellings, per stream under load
  return (contentType ?? '').split(';')[0]!.trim().toLowerCase() === 'text/event-stream';
}

/**
 * True for a framework's routing 404 (FastAPI/Starlette: `{"detail":"Not Found"}`): the path is
 * wrong, so no retry can help, unlike a handler's "Decision set not found".
 */
export function isRoutingNotFound(status: number | undefined, body: string | undefined): boolean {
  if (status !== 404) return false;
  try {
    return (JSON.parse(body ?? '') as { detail?: unknown }).detail === 'Not Found';
  } catch {
    return false;
  }
}

/**
 * The heartbeat event types as a Set, made once per array: a load hands the same array to every
 * run, and each run looks types up several times (attach, waterfall, metrics).
 */
export function heartbeatTypes(types: readonly string[]): ReadonlySet<string> {
  let set = heartbeatSets.get(types);
  if (!set) heartbeatSets.set(types, (set = new Set(types)));
  return set;
}
const heartbeatSets = new WeakMap<readonly string[], ReadonlySet<string>>();
