/** `--client browser` and `--cut-after` through the built binary (run `npm run build` first). */
import { describe, expect, it } from 'vitest';
import { ssedoctor } from '../helpers/cli.js';

describe('ssedoctor --client browser', () => {
  it('verify --cut-after against the embedded server: replayed, in the report and in --json', async () => {
    const text = await ssedoctor(['verify', '--client', 'browser', '--cut-after', '2', '--reconnect-time', '50ms', '--no-live']);
    expect(text.code).toBe(0);
    expect(text.stdout).toMatch(/reconnects browser client · 1 reconnect · \d+ duplicated/);
    expect(text.stdout).toContain('resume check: cut after 2 events');
    expect(text.stdout).toContain('→ replayed');

    const json = await ssedoctor(['verify', '--client', 'browser', '--cut-after', '2', '--reconnect-time', '50ms', '--json']);
    const doc = JSON.parse(json.stdout);
    expect(doc.reconnects).toMatchObject({ client: 'browser', reconnects: 1, resume: { cutAfterEvents: 2, verdict: 'replayed' } });
    expect(doc.transcript.session).toMatchObject({ client: 'browser', reconnects: 1, cut: { afterEvents: 2, attempt: 1 } });
    expect(doc.transcript.attempts[0].end).toBe('cut');
    expect(doc.findings.map((f: { code: string }) => f.code)).toContain('resume-check');
  });

  it('load --client browser --cut-after finishes and counts the runs that saw duplicates (run lines and summary)', async () => {
    const r = await ssedoctor(['load', '--scenario', 'healthy', '-n', '6', '-c', '3', '--client', 'browser', '--cut-after', '2', '--reconnect-time', '50ms', '--ndjson', '--no-progress']);
    expect(r.code).toBe(0);
    const lines = r.stdout.trim().split('\n').map((l) => JSON.parse(l));
    const runs = lines.filter((l) => l.type === 'run');
    expect(runs).toHaveLength(6);
    for (const run of runs) expect(run.reconnects).toMatchObject({ n: 1, lost: 0, resume: 'replayed' });
    const doc = lines.find((l) => l.type === 'summary');
    expect(doc.runs).toBe(6);
    expect(doc.reconnects).toMatchObject({ runs: 6, reconnected: 6, withDuplicates: 6, resume: { replayed: 6 } });
    expect(doc.metrics.reconnects).toMatchObject({ unit: 'count', count: 6, min: 1, max: 1 });
  });

  it.each([
    [['--client', 'chrome'], '--client: "chrome" is not a client'],
    [['--cut-after', '0'], '--cut-after: "0" must be a whole number'],
    [['--max-reconnects', 'lots'], '--max-reconnects: "lots" must be a whole number'],
  ])('bad input %j is a one-line usage error (exit 2)', async (flags, message) => {
    const r = await ssedoctor(['verify', ...flags]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(message);
    expect(r.stderr).not.toMatch(/\n\s+at /); // no stack trace
  });
});
