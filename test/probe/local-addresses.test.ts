/**
 * --local-address: parsing (table), the locality check (real binds), and on the wire: a node:http
 * server that records each connection's remote address sees every source address the load named.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { runLoad } from '../../src/load/runner.js';
import { assertLocalAddresses, MAX_LOCAL_ADDRESSES, parseLocalAddresses } from '../../src/probe/local-addresses.js';
import { DEFAULT_PROBE_OPTIONS } from '../../src/probe/options.js';

describe('parseLocalAddresses', () => {
  it.each([
    // a plain list, in order, duplicates dropped
    ['127.0.0.1,127.0.0.2,127.0.0.1', ['127.0.0.1', '127.0.0.2']],
    // a range, both ends included
    ['127.0.0.1-127.0.0.3', ['127.0.0.1', '127.0.0.2', '127.0.0.3']],
    // a range that crosses an octet
    ['10.0.0.255-10.0.1.1', ['10.0.0.255', '10.0.1.0', '10.0.1.1']],
    // ranges and items mixed, spaces and empty items ignored
    [' 127.0.0.9 , 127.0.0.1-127.0.0.2,', ['127.0.0.9', '127.0.0.1', '127.0.0.2']],
    // IPv6 one by one
    ['::1', ['::1']],
  ])('%s', (text, expected) => {
    expect(parseLocalAddresses(text)).toEqual(expected);
  });

  it.each([
    // not an address at all
    ['localhost', /"localhost" is not an IP address/],
    // an octet out of range
    ['127.0.0.256', /is not an IP address/],
    // an IPv6 range is not supported
    ['::1-::2', /is not an IPv4 range/],
    // backwards
    ['127.0.0.5-127.0.0.1', /ends before it starts/],
    // too many
    ['10.0.0.0-10.0.255.255', new RegExp(`more than ${MAX_LOCAL_ADDRESSES}`)],
    // nothing
    [' , ', /names no address/],
  ])('%s is a usage error', (text, message) => {
    let err: unknown;
    try {
      parseLocalAddresses(text);
    } catch (e) {
      err = e;
    }
    expect(err).toMatchObject({ code: 'bad-local-address', exitCode: 2 });
    expect((err as Error).message).toMatch(message);
  });
});

describe('assertLocalAddresses', () => {
  it('accepts loopback addresses beyond 127.0.0.1 (all of 127.0.0.0/8 is local on Linux)', async () => {
    await expect(assertLocalAddresses(['127.0.0.1', '127.0.0.7'])).resolves.toBeUndefined();
  });

  it('refuses an address this machine does not have, naming it and the fix', async () => {
    // 192.0.2.0/24 is TEST-NET-1: documentation only, never assigned to a machine.
    await expect(assertLocalAddresses(['127.0.0.1', '192.0.2.10'])).rejects.toMatchObject({
      code: 'bad-local-address',
      exitCode: 2,
      message: expect.stringMatching(/192\.0\.2\.10: this machine has no such address \(EADDRNOTAVAIL\)/),
    });
  });
});

/** A minimal origin: enqueue answers an id, the stream sends the terminal event and ends. Records remote addresses. */
function recordingServer(): Promise<{ server: Server; url: string; seen: string[] }> {
  const seen: string[] = [];
  const server = createServer((req, res) => {
    seen.push(req.socket.remoteAddress ?? '');
    if (req.method === 'POST') {
      req.resume();
      res.writeHead(200, { 'content-type': 'application/json' }).end('{"decision_set_id":"ds-1"}');
      return;
    }
    res.writeHead(200, { 'content-type': 'text/event-stream' });
    res.end('event: workflow-complete\ndata: {}\n\n');
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve({ server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, seen })));
}

let open: Server | undefined;
afterEach(() => open?.close());

describe('load with local addresses', () => {
  it('spreads its connections over every source address, round-robin', async () => {
    const { server, url, seen } = await recordingServer();
    open = server;
    const localAddresses = ['127.0.0.1', '127.0.0.2', '127.0.0.3'];
    const result = await runLoad({
      probe: { ...DEFAULT_PROBE_OPTIONS, baseUrl: url, jobStatusPath: '', attempts: 0, localAddresses },
      model: { kind: 'closed', concurrency: 3, requests: 9 },
      graceMs: 1000,
      keepWorst: 0,
      bailAfterUnreachable: 5,
    });
    expect(result.metrics.outcomes.get('healthy')).toBe(9);
    const counts = new Map<string, number>();
    for (const a of seen) counts.set(a, (counts.get(a) ?? 0) + 1);
    expect([...counts.keys()].sort()).toEqual(localAddresses);
    // 9 runs × (POST + GET) over 3 addresses in turn: 6 requests each.
    expect([...counts.values()]).toEqual([6, 6, 6]);
  });

  it('without local addresses the system picks (127.0.0.1 towards 127.0.0.1)', async () => {
    const { server, url, seen } = await recordingServer();
    open = server;
    await runLoad({
      probe: { ...DEFAULT_PROBE_OPTIONS, baseUrl: url, jobStatusPath: '', attempts: 0 },
      model: { kind: 'closed', concurrency: 2, requests: 2 },
      graceMs: 1000,
      keepWorst: 0,
      bailAfterUnreachable: 5,
    });
    expect(new Set(seen)).toEqual(new Set(['127.0.0.1']));
  });
});
