/**
 * Source ports chosen by ssedoctor for connections from a `--local-address`. Given only a source
 * address, Node binds it with port 0 before connecting, and the kernel then searches the ephemeral
 * range for a free port, a search that grows with every socket bound to that address and runs on
 * the event loop: measured here with 16,000 connections over 4 loopback addresses and the previous
 * run's sockets still in TIME_WAIT, opening them took 68 s with event-loop stalls of up to 2 s;
 * with the ports chosen here it took 2.6 s, stalls under 70 ms. A port that is taken (another
 * process, or the same address, port and destination still in TIME_WAIT) is skipped.
 */
import { readFileSync } from 'node:fs';
import net from 'node:net';
import tls from 'node:tls';
import { buildConnector, errors } from 'undici';

/** The kernel's ephemeral port range, both ends included (Linux: `ip_local_port_range`). */
export function ephemeralPortRange(): [number, number] {
  try {
    const [lo, hi] = readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().split(/\s+/).map(Number);
    if (Number.isInteger(lo) && Number.isInteger(hi) && lo! > 0 && hi! >= lo!) return [lo!, hi!];
  } catch {
    // not Linux: the IANA range
  }
  return [49152, 65535];
}

/**
 * Hands out the ports of `[lo, hi]` in turn, from `start`, wrapping around. One per source
 * address; a random start keeps processes and threads that share an address apart.
 */
export class PortCycle {
  private next: number;

  constructor(
    private readonly lo: number,
    private readonly hi: number,
    start = lo + Math.floor(Math.random() * (hi - lo + 1)),
  ) {
    this.next = Math.min(hi, Math.max(lo, start));
  }

  /** The next port to try. */
  take(): number {
    const port = this.next;
    this.next = port >= this.hi ? this.lo : port + 1;
    return port;
  }

  /** Goes on from another place in the range (`random` in [0, 1)): out of a run of taken ports. */
  jump(random = Math.random()): void {
    this.next = this.lo + Math.min(this.size - 1, Math.floor(random * this.size));
  }

  /** How many ports it cycles through. */
  get size(): number {
    return this.hi - this.lo + 1;
  }
}

let start: number | undefined;
/**
 * The first port of every address's cycle in this thread, random once. Addresses walking the same
 * port numbers keep the set of ports in use small. Linux does not give a port bound explicitly
 * to a plain connect() elsewhere while a socket on it lingers in TIME_WAIT: measured, after
 * 19,000 streams over 4 addresses on distinct ports, a plain client on the same machine could
 * open only about 10,000 connections for the next minute.
 */
function processStart(): number {
  const [lo, hi] = ephemeralPortRange();
  return (start ??= lo + Math.floor(Math.random() * (hi - lo + 1)));
}

/** Ports tried for one connection before it fails as the client limit it is (EADDRNOTAVAIL). */
export const PORT_TRIES = 64;

/**
 * Taken ports tried one after another before the cycle jumps elsewhere. Several processes (or
 * threads) on one address each walk the range from their own random start; one that runs into
 * another's block of ports would find every next port taken (measured: 139 of 50,001 streams over
 * 3 processes failed with EADDRINUSE when each try took the next port).
 */
export const SEQUENTIAL_TRIES = 8;

/** Errors that mean "this source port, not this connection": try the next port. */
const TAKEN = new Set(['EADDRINUSE', 'EADDRNOTAVAIL']);

export interface SourcePortConnectorOptions {
  /**
   * The source address; undefined: the system picks address and port. (That plain connect is used
   * over undici's own connector too: undici leaves an error listener and its connect-timeout
   * state on every socket, ≈ 0.3 KiB per open stream; these listeners go once it connects.)
   */
  localAddress?: string | undefined;
  /** Connect limit per attempt, ms (undici's `connectTimeout`). */
  timeoutMs: number;
  /** TLS options for `https:` origins (a shared SecureContext, `rejectUnauthorized`). */
  tls?: tls.ConnectionOptions;
  /** Offer HTTP/2 by ALPN on TLS connections. */
  allowH2?: boolean;
  /** Ports to cycle through (default: the ephemeral range). */
  ports?: PortCycle;
}

/**
 * An undici `connect` function that binds `localAddress` with a port it chooses itself. A TLS
 * upgrade over an existing socket (a CONNECT tunnel) needs no port: undici's own connector does it.
 */
export function sourcePortConnector(o: SourcePortConnectorOptions): buildConnector.connector {
  const ports = o.localAddress ? (o.ports ?? new PortCycle(...ephemeralPortRange(), processStart())) : undefined;
  const tries = ports ? Math.min(PORT_TRIES, ports.size) : 1;
  const upgrade = buildConnector({ ...o.tls, timeout: o.timeoutMs, allowH2: o.allowH2 ?? false });
  return (opts, callback) => {
    if (opts.httpSocket) return upgrade(opts, callback);
    const secure = opts.protocol === 'https:';
    const port = Number(opts.port) || (secure ? 443 : 80);
    let attempt = 0;
    const connect = (): void => {
      const endpoint = ports ? { host: opts.hostname, port, localAddress: o.localAddress, localPort: ports.take() } : { host: opts.hostname, port };
      const socket = secure
        ? tls.connect({
            ...o.tls,
            ...endpoint,
            servername: opts.servername || (net.isIP(opts.hostname) ? undefined : opts.hostname),
            ALPNProtocols: o.allowH2 ? ['http/1.1', 'h2'] : ['http/1.1'],
          })
        : net.connect(endpoint);
      socket.setNoDelay(true).setKeepAlive(true, 60_000);
      const timer = setTimeout(() => socket.destroy(new errors.ConnectTimeoutError(`connect timeout (${o.timeoutMs} ms)`)), o.timeoutMs);
      const onError = (err: NodeJS.ErrnoException): void => {
        clearTimeout(timer);
        socket.off(secure ? 'secureConnect' : 'connect', onConnect);
        if (err.code && TAKEN.has(err.code) && ++attempt < tries) {
          if (attempt >= SEQUENTIAL_TRIES) ports!.jump();
          return connect();
        }
        callback(err, null);
      };
      const onConnect = (): void => {
        clearTimeout(timer);
        socket.off('error', onError);
        callback(null, socket);
      };
      socket.once('error', onError).once(secure ? 'secureConnect' : 'connect', onConnect);
    };
    connect();
  };
}
