/**
 * Source addresses for load connections (`--local-address`). A TCP connection is named by its
 * source address and port, so one source address reaches one destination through at most the
 * ephemeral port range (`/proc/sys/net/ipv4/ip_local_port_range`, ≈ 28k on Linux); N source
 * addresses multiply that. On Linux every address of 127.0.0.0/8 is local without any setup.
 */
import { isIP, createServer } from 'node:net';
import { usageError } from '../errors.js';

/** Most addresses one `--local-address` may name: far beyond any need, small enough to check each. */
export const MAX_LOCAL_ADDRESSES = 1024;

/**
 * Parses `127.0.0.1,127.0.0.2` or an IPv4 range `127.0.0.1-127.0.0.8` (both ends included; items
 * and ranges may be mixed) into distinct addresses, in order. IPv6 addresses are listed one by one.
 * Throws a usage error (exit 2) naming the bad item.
 */
export function parseLocalAddresses(text: string): string[] {
  const out = new Set<string>();
  for (const raw of text.split(',')) {
    const item = raw.trim();
    if (item === '') continue;
    const dash = item.indexOf('-');
    if (dash < 0) {
      if (isIP(item) === 0) throw bad(item, 'is not an IP address');
      out.add(item);
    } else {
      const [from, to] = [item.slice(0, dash), item.slice(dash + 1)];
      if (isIP(from) !== 4 || isIP(to) !== 4) throw bad(item, 'is not an IPv4 range (FROM-TO, e.g. 127.0.0.1-127.0.0.8)');
      const [a, b] = [ipv4ToNumber(from), ipv4ToNumber(to)];
      if (b < a) throw bad(item, 'ends before it starts');
      if (b - a + 1 > MAX_LOCAL_ADDRESSES) throw bad(item, `holds more than ${MAX_LOCAL_ADDRESSES} addresses`);
      for (let n = a; n <= b; n++) out.add(numberToIpv4(n));
    }
    if (out.size > MAX_LOCAL_ADDRESSES) throw bad(text, `names more than ${MAX_LOCAL_ADDRESSES} addresses`);
  }
  if (out.size === 0) throw bad(text, 'names no address');
  return [...out];
}

/**
 * Checks that this machine owns every address by binding a listener to it (port 0) for a moment.
 * An address it does not own (EADDRNOTAVAIL) is a usage error naming it and the fix.
 */
export async function assertLocalAddresses(addresses: readonly string[]): Promise<void> {
  for (const address of addresses) {
    const err = await tryBind(address);
    if (!err) continue;
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'EADDRNOTAVAIL') {
      throw usageError(
        'bad-local-address',
        `--local-address ${address}: this machine has no such address (EADDRNOTAVAIL)`,
        'use addresses of this machine; every 127.0.0.0/8 address works on loopback (Linux); others need `ip addr add`',
      );
    }
    throw usageError('bad-local-address', `--local-address ${address}: cannot bind to it (${code ?? err.message})`);
  }
}

function tryBind(host: string): Promise<Error | undefined> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', (err) => resolve(err));
    server.listen({ host, port: 0, exclusive: true }, () => server.close(() => resolve(undefined)));
  });
}

function bad(item: string, why: string): Error {
  return usageError('bad-local-address', `--local-address: "${item}" ${why}`);
}

function ipv4ToNumber(ip: string): number {
  return ip.split('.').reduce((n, part) => n * 256 + Number(part), 0);
}

function numberToIpv4(n: number): string {
  return [n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255].join('.');
}
