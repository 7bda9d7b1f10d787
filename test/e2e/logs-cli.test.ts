/**
 * `ssedoctor logs` through the built binary, on logs the reference server wrote while real probes
 * ran against it (JSON and text formats), joined with the client's own results; stdin, errors, help.
 */
import { spawn } from 'node:child_process';
import { createWriteStream, mkdtempSync, readFileSync, writeFileSync, type WriteStream } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseDistribution, startReferenceServer, type ServerOverrides } from '../../src/server/index.js';
import { BIN, ssedoctor, type Run } from '../helpers/cli.js';

const tmp = (): string => mkdtempSync(join(tmpdir(), 'ssedoctor-logs-'));
const closed = (s: WriteStream): Promise<void> => new Promise((resolve) => s.end(resolve));
const fixture = (name: string): string => new URL(`../../fixtures/logs/${name}`, import.meta.url).pathname;

/** Starts the reference server logging to a file in `format`. */
async function serverWithLog(format: 'json' | 'text', overrides: ServerOverrides, dir: string) {
  const path = join(dir, `backend-${format}.log`);
  const stream = createWriteStream(path);
  const server = await startReferenceServer({ ...overrides, log: { level: 'info', format, stream } });
  return {
    server,
    path,
    stop: async () => {
      await server.close();
      await closed(stream);
    },
  };
}

function withStdin(args: string[], input: string): Promise<Run> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [BIN, ...args], { env: { ...process.env, NO_COLOR: '1' } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c) => (stdout += c));
    child.stderr.on('data', (c) => (stderr += c));
    child.on('close', (code) => resolve({ code, stdout, stderr }));
    child.stdin.end(input);
  });
}

describe('ssedoctor logs (built binary)', () => {
  it('load and logs give one MAX_WAIT answer for one distribution, and the join agrees run by run', async () => {
    const dir = tmp();
    // Persistence exp(800 ms) behind a 1 s window: the case; the 99.9 % point is ≈ 5.5 s.
    const { server, path, stop } = await serverWithLog(
      'json',
      {
        lookup: 'window',
        maxWaitMs: 1000,
        retryDelayMs: 200,
        persistDelay: parseDistribution('exp(800ms)'),
        workerDelay: parseDistribution('0'),
        nodeDuration: parseDistribution('0'),
        endOnComplete: true,
        seed: 3,
      },
      dir,
    );
    let load: Run;
    try {
      load = await ssedoctor(['load', '--url', server.url, '-n', '400', '-c', '100', '--ndjson', '--no-progress']);
    } finally {
      await stop();
    }
    expect(load.code).toBe(0);
    const runsFile = join(dir, 'runs.ndjson');
    writeFileSync(runsFile, load.stdout);
    const lines = load.stdout.trim().split('\n').map((l) => JSON.parse(l));
    const summary = lines.at(-1);
    const early = summary.outcomes.find((o: { code: string }) => o.code === 'early-404')?.count ?? 0;
    expect(early).toBeGreaterThan(40); // about 29 % exceed 1 s

    const r = await ssedoctor(['logs', path, '--join', runsFile, '--json']);
    expect(r.code).toBe(0);
    const doc = JSON.parse(r.stdout);
    expect(doc.schema).toBe('ssedoctor.logs/v1');
    expect(doc.lines.bad).toBe(0);
    expect(doc.totals.connections).toBe(400);
    expect(doc.totals.byLookup.exhausted).toBe(early);
    expect(doc.totals.notEnqueued).toBe(0);
    // Read off the spacing of the waits: a busy machine's late timers stretch it a little.
    expect(doc.waits.retryDelayMs).toBeGreaterThanOrEqual(195);
    expect(doc.waits.retryDelayMs).toBeLessThanOrEqual(230);
    expect(doc.join).toMatchObject({ clientOnly: 0, serverOnly: 0, disagreeing: 0 });
    expect(doc.join.joined).toHaveLength(400);

    const truth = 800 * Math.log(1000);
    const fromLoad = summary.recommendation.suggestedMs;
    const fromLogs = doc.recommendation.suggestedMs;
    expect(summary.recommendation.kind).toBe('exceeded');
    expect(doc.recommendation.kind).toBe('exceeded');
    expect(Math.abs(fromLoad - truth) / truth).toBeLessThan(0.25);
    expect(Math.abs(fromLogs - truth) / truth).toBeLessThan(0.25);
    expect(Math.abs(fromLoad - fromLogs) / fromLogs).toBeLessThanOrEqual(0.2);
  }, 60_000);

  it('reads the text format, reports lookups per stream and joins a verify --out document', async () => {
    const dir = tmp();
    const { server, path, stop } = await serverWithLog('text', { lookup: 'window', persistDelay: parseDistribution('500ms'), retryDelayMs: 200, seed: 1 }, dir);
    const out = join(dir, 'verify.json');
    try {
      const v = await ssedoctor(['verify', '--url', server.url, '--out', out, '--observe', '5s']);
      expect(v.code).toBe(0);
    } finally {
      await stop();
    }
    const id = JSON.parse(readFileSync(out, 'utf8')).transcript.enqueue.id as string;
    expect(readFileSync(path, 'utf8')).toMatch(/Decision set lookup succeeded after retries decision_set_id=\S+ attempts=3 wait_seconds=0\.6/);
    const r = await ssedoctor(['logs', path, '--join', out]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/1 stream connection\(s\) to 1 decision set\(s\); 1 job\(s\) enqueued in this log/);
    expect(r.stdout).toMatch(/found after retries\s+│\s+1 │ wait p50 6\d\d ms, p99 6\d\d ms, max 6\d\d ms; retry delay 2\d\d ms/);
    expect(r.stdout).toContain(id);
    expect(r.stdout).toMatch(/1 joined by decision-set id, 0 client run\(s\) not in this log, .*no disagreement/);
  }, 30_000);

  it('finds a heartbeat-only stream in the server log', async () => {
    const dir = tmp();
    const { server, path, stop } = await serverWithLog('json', { lookup: 'window', heartbeatIntervalMs: 300, faults: { noWorker: true } }, dir);
    try {
      const v = await ssedoctor(['verify', '--url', server.url, '--idle-heartbeats', '2', '--observe', '10s']);
      expect(v.code).toBe(1);
    } finally {
      await stop();
    }
    const r = await ssedoctor(['logs', path, '--json']);
    const doc = JSON.parse(r.stdout);
    expect(doc.totals.heartbeatOnly).toBe(1);
    expect(doc.connections[0]).toMatchObject({ heartbeatOnly: true });
    expect(['at-once', 'after-retries']).toContain(doc.connections[0].lookup);
    expect(doc.connections[0].events.HEARTBEAT).toBeGreaterThanOrEqual(2);
  }, 30_000);

  it('reads stdin with -', async () => {
    const r = await withStdin(['logs', '-', '--json'], readFileSync(fixture('origin-json.log'), 'utf8'));
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ source: 'stdin', lines: { lines: 17, bad: 2 }, totals: { heartbeatOnly: 1 } });
  });

  it('an unreadable file or a bad miss rate is one line and exit 2', async () => {
    const missing = await ssedoctor(['logs', '/nonexistent/backend.log']);
    expect(missing.code).toBe(2);
    expect(missing.stderr.trim()).toBe('ssedoctor: cannot read "/nonexistent/backend.log" (ENOENT)');
    const dirRead = await ssedoctor(['logs', tmp()]);
    expect(dirRead.code).toBe(2);
    expect(dirRead.stderr).toMatch(/^ssedoctor: cannot read ".*" \(EISDIR\)\n$/);
    const rate = await ssedoctor(['logs', fixture('origin-json.log'), '--target-miss-rate', '75%']);
    expect(rate.code).toBe(2);
    expect(rate.stderr).toMatch(/^ssedoctor: --target-miss-rate: "75%" is not a miss rate/);
  });

  it('--help shows examples', async () => {
    const r = await ssedoctor(['logs', '--help']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/Examples:\n\s+\$ ssedoctor logs backend\.log/);
    expect(r.stdout).toContain('--join <file>');
  });
});
