/**
 * Before a load starts: can this process hold the streams the model asks for? Each open stream
 * takes one file descriptor and, towards one destination, one local port of its source address.
 * A load past either limit would stop with `client-limit` part-way; this says so at once, and
 * names the limit when a load did stop there.
 */
import { readFileSync } from 'node:fs';

/** Descriptors the process needs besides its streams: stdio, epoll, worker threads, the embedded server's pipes, enqueue connections. */
export const FD_SLACK = 64;

export interface CapacityInput {
  /** Streams the model may hold open at once in this process (`--concurrency` or `--max-inflight`, this shard's part). */
  streams: number;
  /** The flag that set `streams`, for the message. */
  flag: '--concurrency' | '--max-inflight';
  /** The process's open-file limits; undefined: unknown (not Linux) or unlimited. */
  openFiles?: { soft: number; hard: number };
  /** The ephemeral port range, both ends included; undefined: unknown. */
  portRange?: { low: number; high: number };
  /** Source addresses the connections are spread over (1 without `--local-address`). */
  localAddresses: number;
}

/** One stderr line per limit the model would cross; none when it fits (pure). */
export function capacityWarnings(c: CapacityInput): string[] {
  const out: string[] = [];
  const need = c.streams + FD_SLACK;
  if (c.openFiles && need > c.openFiles.soft) {
    const { soft, hard } = c.openFiles;
    const fix =
      hard >= need
        ? `raise it first with \`ulimit -n ${need}\` (the hard limit is ${hard})`
        : `the hard limit is ${hard}, so spread the load with --shard over processes or machines (or have an administrator raise the hard limit)`;
    out.push(
      `ssedoctor: warning: ${c.flag} ${c.streams} needs about ${need} open files (one per stream, plus ${FD_SLACK}), ` +
        `but this process may open ${soft} (ulimit -n); the load would stop with client-limit near ${Math.max(0, soft - FD_SLACK)} streams: ${fix}`,
    );
  }
  if (c.portRange) {
    const perAddress = c.portRange.high - c.portRange.low + 1;
    const ports = perAddress * c.localAddresses;
    if (c.streams > ports) {
      const more = Math.ceil(c.streams / perAddress);
      out.push(
        `ssedoctor: warning: ${c.flag} ${c.streams} streams to one destination need as many local ports, but ` +
          `${c.localAddresses} source address${c.localAddresses === 1 ? '' : 'es'} × ${perAddress} ports ` +
          `(ip_local_port_range ${c.portRange.low}–${c.portRange.high}) give ${ports}: ` +
          `spread them over at least ${more} with --local-address (e.g. 127.0.0.1-127.0.0.${more} on loopback), or use --shard over machines`,
      );
    }
  }
  return out;
}

/** The ephemeral port range from /proc (Linux); undefined elsewhere. */
export function localPortRange(): { low: number; high: number } | undefined {
  try {
    const [low, high] = readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().split(/\s+/).map(Number);
    return Number.isInteger(low) && Number.isInteger(high) && high! >= low! ? { low: low!, high: high! } : undefined;
  } catch {
    return undefined;
  }
}

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
