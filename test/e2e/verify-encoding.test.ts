/** The built CLI checks the stream as a browser receives it, and against identity when that stays silent. */
import { describe, expect, it } from 'vitest';
import type { Transcript } from '../../src/model.js';
import { ssedoctor } from '../helpers/cli.js';

const noCi = { CI: '', GITHUB_ACTIONS: '' };

describe('verify and Accept-Encoding (embedded compressed scenario)', () => {
  it('default: red, with the identity run that got the events kept in the transcript', async () => {
    const r = await ssedoctor(['verify', '--scenario', 'compressed', '--observe', '2s', '--json'], noCi);
    expect(r.code).toBe(1);
    const doc = JSON.parse(r.stdout) as { outcome: string; transcript: Transcript };
    expect(doc.outcome).not.toBe('healthy');
    expect(doc.transcript.attempts[0]!.acceptEncoding).toBe('gzip, deflate, br');
    const check = doc.transcript.encodingCheck!;
    expect(check.acceptEncoding).toBe('identity');
    expect(check.transcript.attempts[0]!.counts['node-complete']).toBeGreaterThan(0);
  });

  it('--identity: the stream itself is healthy, no check run', async () => {
    const r = await ssedoctor(['verify', '--scenario', 'compressed', '--identity', '--json'], noCi);
    expect(r.code).toBe(0);
    const doc = JSON.parse(r.stdout) as { outcome: string; transcript: Transcript };
    expect(doc.outcome).toBe('healthy');
    expect(doc.transcript.encodingCheck).toBeUndefined();
  });

  it('--compressed: browser-like only, no check run', async () => {
    const r = await ssedoctor(['verify', '--scenario', 'compressed', '--compressed', '--observe', '1500ms', '--json'], noCi);
    expect(r.code).toBe(1);
    expect((JSON.parse(r.stdout) as { transcript: Transcript }).transcript.encodingCheck).toBeUndefined();
  });

  it('--compressed with --identity is a usage error', async () => {
    const r = await ssedoctor(['verify', '--compressed', '--identity'], noCi);
    expect(r.code).toBe(2);
    expect(r.stderr.trim()).toBe('ssedoctor: --compressed and --identity ask for opposite encodings; use one');
  });
});
