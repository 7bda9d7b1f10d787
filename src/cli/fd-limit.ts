/** The process's open-file limit, for the message when a load runs out of file descriptors. */
import { readFileSync } from 'node:fs';

/** `{ soft, hard }` from /proc/self/limits (Linux); undefined elsewhere or when unlimited. */
export function openFileLimit(): { soft: number; hard: number } | undefined {
  try {
    const m = /^Max open files\s+(\d+)\s+(\d+)/m.exec(readFileSync('/proc/self/limits', 'utf8'));
    return m ? { soft: Number(m[1]), hard: Number(m[2]) } : undefined;
  } catch {
    return undefined;
  }
}

/** The one stderr line after a load stopped on ssedoctor's own limits. */
export function clientLimitMessage(inflight: number | undefined): string {
  const limit = openFileLimit();
  const raise = limit && limit.hard > limit.soft ? `; \`ulimit -n ${limit.hard}\` raises it` : '';
  const fds = limit ? ` (open files: limit ${limit.soft}, hard limit ${limit.hard}${raise})` : '';
  const at = inflight !== undefined ? ` at ${inflight} runs in flight` : '';
  return `ssedoctor: the load stopped${at}: ssedoctor ran out of file descriptors or local ports${fds}; lower --concurrency/--max-inflight or spread it with --shard over processes or machines`;
}
