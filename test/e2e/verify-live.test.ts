/**
 * Live verify: the built CLI prints each step on stderr as it happens, with times since T0;
 * results stay on stdout (`--json` stays one document); secrets stay out of both.
 */
import { spawn } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startReferenceServer, type ReferenceServer } from '../../src/server/index.js';
import { BIN, ssedoctor } from '../helpers/cli.js';

const noCi = { CI: '', GITHUB_ACTIONS: '' };
let server: ReferenceServer;

beforeAll(async () => {
  server = await startReferenceServer({ scenario: 'healthy', log: { level: 'off', format: 'text' } });
});
afterAll(() => server.close());

/** The `+  12.3 ms` times of the step lines, in order. */
const times = (stderr: string): number[] => [...stderr.matchAll(/^\+\s*(\d+\.\d) ms /gm)].map((m) => Number(m[1]));

describe('verify --live', () => {
  it('prints every step in order with increasing times; stdout is the report', async () => {
    const r = await ssedoctor(['verify', '--url', server.url, '--live'], noCi);
    expect(r.code).toBe(0);
    const t = times(r.stderr);
    expect(t.length).toBeGreaterThan(20);
    for (let i = 1; i < t.length; i++) expect(t[i]).toBeGreaterThanOrEqual(t[i - 1]!);
    expect(r.stderr).toMatch(/→ POST http:\/\/127\.0\.0\.1:\d+\/api\/chat\/async/);
    expect(r.stderr).toMatch(/← 200 enqueue answered: id \S+/);
    expect(r.stderr).toMatch(/→ GET .*\/api\/streams\/\S+ \(attempt 1, Accept-Encoding: gzip, deflate, br\)/);
    expect(r.stderr).toMatch(/← 200 response head\n(.*< .*\n)*.*< content-type: text\/event-stream/);
    expect(r.stderr).toMatch(/event node-start node=intake_extract \(read \d+\)/);
    expect(r.stderr).toMatch(/event workflow-complete/);
    expect(r.stderr).toMatch(/attempt 1 ended: terminal \(\d+ reads, \d+ bytes\)/);
    expect(r.stdout).toMatch(/^✔ healthy/);
    expect(r.stdout).not.toMatch(/ms → POST/);
  });

  it('steps reach stderr while the run goes on, not at its end', async () => {
    // When each line arrived in this process, ms since spawn.
    const arrivals: { at: number; text: string }[] = [];
    const start = performance.now();
    await new Promise<void>((resolve) => {
      const child = spawn(process.execPath, [BIN, 'verify', '--url', server.url, '--live'], { env: { ...process.env, ...noCi, NO_COLOR: '1' } });
      child.stderr.on('data', (c: Buffer) => arrivals.push({ at: performance.now() - start, text: c.toString() }));
      child.stdout.resume();
      child.on('close', () => resolve());
    });
    const when = (re: RegExp): number => arrivals.find((a) => re.test(a.text))!.at;
    // The healthy stream spreads its nodes over ≈ 500 ms after the head.
    expect(when(/workflow-complete/) - when(/response head/)).toBeGreaterThan(200);
  });

  it('off by default when stderr is not a terminal and not in CI; on in CI logs', async () => {
    const quiet = await ssedoctor(['verify', '--url', server.url], noCi);
    expect(times(quiet.stderr)).toEqual([]);
    const ci = await ssedoctor(['verify', '--url', server.url], { CI: 'true', GITHUB_ACTIONS: '' });
    expect(times(ci.stderr).length).toBeGreaterThan(20);
    const forcedOff = await ssedoctor(['verify', '--url', server.url, '--no-live'], { CI: 'true' });
    expect(times(forcedOff.stderr)).toEqual([]);
  });

  it('--json --verbose: stdout is one JSON document; stderr has heads and payloads, secrets redacted', async () => {
    const base = server.url.replace('http://', 'http://alice:pw-s3cret@') + '/?token=tok-s3cret';
    const r = await ssedoctor(['verify', '--url', base, '--json', '--live', '--verbose', '-H', 'X-Api-Key: key-s3cret'], noCi);
    expect(r.code).toBe(0);
    const doc = JSON.parse(r.stdout) as { outcome: string; target: { baseUrl: string } };
    expect(doc.outcome).toBe('healthy');
    expect(doc.target.baseUrl).not.toMatch(/s3cret|alice/);
    expect(r.stderr).toMatch(/> accept: text\/event-stream/);
    expect(r.stderr).toMatch(/> x-api-key: \[redacted\]/);
    expect(r.stderr).toMatch(/> authorization: \[redacted\]/); // the URL's userinfo, sent as Basic auth
    expect(r.stderr).toMatch(/< \{"decision_set_id"/); // the enqueue answer body
    expect(r.stderr).toMatch(/ {2}data: \{.*"node"/); // event payloads
    expect(r.stderr).not.toMatch(/s3cret/);
    expect(r.stdout).not.toMatch(/s3cret/);
  });

  it('a 404 body is shown live without --verbose', async () => {
    const early = await startReferenceServer({ scenario: 'early-404', log: { level: 'off', format: 'text' } });
    try {
      const r = await ssedoctor(['verify', '--url', early.url, '--live', '--attempts', '0'], noCi);
      expect(r.code).toBe(1);
      expect(r.stderr).toMatch(/← 404 response head/);
      expect(r.stderr).toMatch(/attempt 1 ended: rejected .*\n.*< \{"detail":/);
    } finally {
      await early.close();
    }
  });
});
