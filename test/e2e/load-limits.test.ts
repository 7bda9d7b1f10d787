/**
 * A load that outgrows ssedoctor's own file-descriptor limit: the runs that could not start are
 * `client-limit` (not "unreachable": the target is fine), the run stops there, says which limit
 * and exits 4. The generator runs under `ulimit -n` in a shell; the target is a real loopback server.
 */
import { spawn } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseDistribution, startReferenceServer, type ReferenceServer } from '../../src/server/index.js';
import { BIN } from '../helpers/cli.js';

let server: ReferenceServer;
beforeAll(async () => {
  server = await startReferenceServer({ log: { level: 'off', format: 'text' }, scenario: 'healthy', persistDelay: parseDistribution('300ms'), nodeDuration: parseDistribution('50ms') });
});
afterAll(() => server.close());

function underLimit(fds: number, args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const cmd = `ulimit -n ${fds} && exec "$0" "$@"`;
    const child = spawn('sh', ['-c', cmd, process.execPath, BIN, ...args], { env: { ...process.env, NO_COLOR: '1' } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c) => (stdout += c));
    child.stderr.on('data', (c) => (stderr += c));
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

describe('load at the edge of ssedoctor\'s own limits', () => {
  it('out of file descriptors: client-limit, stopped, the limit named, exit 4', async () => {
    const r = await underLimit(80, ['load', '--url', server.url, '-c', '150', '-n', '300', '--workers', '1', '--no-progress', '--json']);
    expect(r.code).toBe(4);
    const doc = JSON.parse(r.stdout);
    expect(doc.stoppedBy).toBe('client-limit');
    expect(doc.outcomes.map((o: { code: string }) => o.code)).toContain('client-limit');
    expect(doc.outcomes.map((o: { code: string }) => o.code)).not.toContain('unreachable');
    expect(doc.generator.limited).toBe(true);
    expect(doc.generator.reasons[0]).toMatch(/failed on ssedoctor's own limits \(file descriptors or local ports\) with \d+ runs in flight/);
    expect(r.stderr).toMatch(/ran out of file descriptors or local ports \(open files: limit 80, hard limit \d+/);
  }, 30_000);
});
