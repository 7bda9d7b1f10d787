/**
 * `load --local-address` from the built binary: the connections come from every address named and
 * the result records them; an address this machine lacks is one usage line (exit 2); a model past
 * the open-file limit is warned about before the run, naming both numbers and the fix.
 */
import { spawn } from 'node:child_process';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BIN, ssedoctor } from '../helpers/cli.js';

let server: Server;
let url: string;
const seen = new Set<string>();
beforeAll(async () => {
  server = createServer((req, res) => {
    seen.add(req.socket.remoteAddress ?? '');
    if (req.method === 'POST') {
      req.resume();
      res.writeHead(200, { 'content-type': 'application/json' }).end('{"decision_set_id":"ds-1"}');
      return;
    }
    res.writeHead(200, { 'content-type': 'text/event-stream' }).end('event: workflow-complete\ndata: {}\n\n');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => server.close());

describe('load --local-address', () => {
  it('spreads connections over the range and records it in the result', async () => {
    seen.clear();
    const r = await ssedoctor(['load', '--url', url, '-c', '4', '-n', '8', '--workers', '1', '--job-status-path', '', '--local-address', '127.0.0.2-127.0.0.5', '--json', '--no-progress']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const doc = JSON.parse(r.stdout);
    expect(doc.target.localAddresses).toEqual(['127.0.0.2', '127.0.0.3', '127.0.0.4', '127.0.0.5']);
    expect([...seen].sort()).toEqual(['127.0.0.2', '127.0.0.3', '127.0.0.4', '127.0.0.5']);
  }, 20_000);

  it('crosses to generator threads: two threads, every address still used', async () => {
    seen.clear();
    const r = await ssedoctor(['load', '--url', url, '-c', '4', '-n', '12', '--workers', '2', '--job-status-path', '', '--local-address', '127.0.0.6,127.0.0.7,127.0.0.8', '--json', '--no-progress']);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout).runs).toBe(12);
    expect([...seen].sort()).toEqual(['127.0.0.6', '127.0.0.7', '127.0.0.8']);
  }, 20_000);

  it('an address this machine does not have: one line, exit 2, nothing sent', async () => {
    seen.clear();
    const r = await ssedoctor(['load', '--url', url, '-n', '2', '--local-address', '127.0.0.1,192.0.2.10']);
    expect(r.code).toBe(2);
    expect(r.stderr.trim().split('\n')[0]).toMatch(/--local-address 192\.0\.2\.10: this machine has no such address/);
    expect(r.stderr).not.toMatch(/\n\s+at /); // no stack trace
    expect(seen.size).toBe(0);
  }, 20_000);

  it('a malformed list: exit 2 naming the item', async () => {
    const r = await ssedoctor(['load', '--url', url, '-n', '2', '--local-address', '127.0.0.9-127.0.0.1']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/"127\.0\.0\.9-127\.0\.0\.1" ends before it starts/);
  }, 20_000);
});

describe('limits named before the run', () => {
  it('more streams than the open-file limit: a warning with both numbers and the fix, at once', async () => {
    const cmd = 'ulimit -n 200 && exec "$0" "$@"';
    const args = ['load', '--url', url, '-c', '300', '-n', '2', '--workers', '1', '--job-status-path', '', '--json', '--no-progress'];
    const r = await new Promise<{ code: number | null; stderr: string }>((resolve) => {
      const child = spawn('sh', ['-c', cmd, process.execPath, BIN, ...args], { env: { ...process.env, NO_COLOR: '1' } });
      let stderr = '';
      child.stderr.on('data', (c) => (stderr += c));
      child.on('close', (code) => resolve({ code, stderr }));
    });
    expect(r.stderr).toMatch(/warning: --concurrency 300 needs about 364 open files .* may open 200 \(ulimit -n\)/);
    expect(r.stderr).toMatch(/ulimit -n 364|--shard/);
    expect(r.code).toBe(0); // two runs fit: it warns, it does not refuse
  }, 20_000);
});
