/** Pure pieces of the CLI hardening: the one duration grammar, help text, output paths, result files, clamped figures. */
import { chmodSync, mkdtempSync, mkdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Option } from 'commander';
import { describe, expect, it } from 'vitest';
import { parseDurationMs } from '../../src/duration.js';
import { optionHelp, unwrap } from '../../src/cli/help.js';
import { unwritableReason } from '../../src/cli/output-paths.js';
import { readSaved } from '../../src/cli/result-files.js';
import { parseDuration, parseHeader, parsePositiveDuration } from '../../src/cli/options.js';
import { parseDistribution } from '../../src/server/distribution.js';
import { parseThreshold } from '../../src/load/thresholds.js';
import { metricFigures } from '../../src/load/summary.js';
import { SsedoctorError } from '../../src/errors.js';

describe('one duration grammar', () => {
  it.each([
    ['500ms', 500], // milliseconds
    ['2.5s', 2500], // fractional seconds
    ['.5s', 500], // leading dot
    ['2m', 120_000], // minutes
    ['1h', 3_600_000], // hours
    ['1m30s', 90_000], // combined terms
    ['0', 0], // zero alone needs no unit
    [' 3s ', 3000], // surrounding blanks
  ])('%j → %d ms', (text, ms) => expect(parseDurationMs(text)).toBe(ms));

  it.each([
    '5', // a bare number: seconds or ms? refused
    '', // empty
    '-1s', // negative
    '5 s', // a blank inside
    '1.s', // dangling dot
    's', // unit alone
    '5sec', // unknown unit
    'NaNs', // not a number
    'Infinitys', // not a number
  ])('refuses %j', (text) => expect(parseDurationMs(text)).toBeUndefined());

  it('is the grammar of flags, distributions and thresholds alike', () => {
    for (const text of ['250ms', '1.5s', '2m', '1m30s']) {
      const ms = parseDurationMs(text)!;
      expect(parseDuration(text, '--x')).toBe(ms);
      expect(parseDistribution(text).sample(() => 0.5)).toBe(ms);
      expect(parseThreshold(`p99(total)<${text}`)).toMatchObject({ value: ms });
    }
    for (const text of ['5', '5sec']) {
      expect(() => parseDuration(text, '--x')).toThrow(SsedoctorError);
      expect(() => parseDistribution(text)).toThrow(/bad delay distribution/);
      expect(() => parseThreshold(`p99(total)<${text}`)).toThrow(SsedoctorError);
    }
  });

  it('--duration 0s is refused where zero would do nothing', () => {
    expect(() => parsePositiveDuration('0s', '--duration')).toThrow(/must be longer than 0/);
    expect(parsePositiveDuration('1ms', '--duration')).toBe(1);
  });
});

describe('headers the client must set itself', () => {
  it.each(['Content-Length: 5', 'Transfer-Encoding: chunked', 'connection: close', 'Keep-Alive: 5', 'Upgrade: h2c', 'TE: trailers', 'Trailer: x', 'Expect: 100-continue'])(
    'refuses %j',
    (text) => expect(() => parseHeader(text)).toThrow(/set by the HTTP client itself/),
  );

  it('never echoes the value of a malformed header', () => {
    expect(() => parseHeader('Authorization Bearer s3cr3t')).toThrow(SsedoctorError);
    try {
      parseHeader('Authorization Bearer s3cr3t');
    } catch (err) {
      expect((err as Error).message).not.toContain('s3cr3t');
    }
  });
});

describe('help text', () => {
  it.each([
    // one paragraph's line breaks are joined, so commander wraps once
    ['a\nb', 'a b'],
    // a blank line stays a paragraph break
    ['a\n\nb', 'a\n\nb'],
  ])('unwrap(%j)', (text, want) => expect(unwrap(text)).toBe(want));

  it.each([
    // a string default is shown as typed, not quoted
    [new Option('--timeout <d>', 'limit').default('15s'), 'limit (default: 15s)'],
    // an empty list is no default
    [new Option('-H <h>', 'header').default([]), 'header'],
    // choices unquoted too
    [new Option('--f <x>', 'format').choices(['a', 'b']).default('a'), 'format (choices: a, b; default: a)'],
    // a switch shows no default
    [new Option('--json', 'json'), 'json'],
  ])('%#: %s', (option, want) => expect(optionHelp(option)).toBe(want));
});

describe('output paths, checked before any work', () => {
  const dir = mkdtempSync(join(tmpdir(), 'ssedoctor-paths-'));
  mkdirSync(join(dir, 'sub'));
  writeFileSync(join(dir, 'file'), 'x');
  it.each([
    [join(dir, 'new.json'), undefined], // a new file in a writable directory
    [join(dir, 'file'), undefined], // an existing file is overwritten
    [join(dir, 'sub'), 'is a directory'], // a directory
    [join(dir, 'missing', 'x.json'), 'does not exist'], // a missing directory
    [join(dir, 'file', 'x.json'), 'is not a directory'], // a file used as a directory
    ['', 'is empty'], // nothing
  ])('%s', (path, why) => {
    const got = unwritableReason(path);
    if (why === undefined) expect(got).toBeUndefined();
    else expect(got).toContain(why);
  });

  it('a read-only directory (when not root)', () => {
    if (process.getuid?.() === 0) return; // root writes anywhere
    const ro = join(dir, 'ro');
    mkdirSync(ro);
    chmodSync(ro, 0o500);
    expect(unwritableReason(join(ro, 'x'))).toMatch(/cannot be created/);
  });
});

describe('result files: one line, exit 2, whatever is in them', () => {
  const dir = mkdtempSync(join(tmpdir(), 'ssedoctor-results-'));
  const file = (name: string, text: string): string => {
    const p = join(dir, name);
    writeFileSync(p, text);
    return p;
  };
  it.each([
    // the schema alone: structure checked, not "internal error"
    ['bare.json', '{"schema":"ssedoctor.verify/v1"}', /damaged verify result: \$\.tool: missing/],
    // a newer version is named as such
    ['newer.json', '{"schema":"ssedoctor.load/v2"}', /written by a newer ssedoctor \(schema ssedoctor\.load\/v2\); this version reads ssedoctor\.load\/v1/],
    // truncated JSON
    ['cut.json', '{"schema":"ssedoctor.verify/v1","tool":{"na', /not valid JSON/],
    // not ours
    ['other.json', '{"name":"x"}', /not an ssedoctor result/],
    // JSON, but not an object
    ['array.json', '[1,2]', /not a result object/],
    // NDJSON cut off before its summary line
    ['cut.ndjson', '{"type":"run","n":1}\n{"type":"run","n":2}\n', /2 NDJSON run lines but no summary line/],
    // a load result whose histogram is damaged
    ['hist.json', JSON.stringify(loadDoc({ histograms: { total: 'not base64!!' } })), /encoded histograms do not decode/],
    // a load result whose counts disagree with its histograms
    ['counts.json', JSON.stringify({ ...loadDoc({}), runs: 7 }), /outcome counts add up to 0, the file says 7 runs/],
    // wrong type in a core field
    ['type.json', JSON.stringify({ ...loadDoc({}), runs: 'many' }), /\$\.runs: expected integer, found string/],
  ])('%s', (name, text, want) => {
    try {
      readSaved(file(name, text));
      expect.unreachable();
    } catch (err) {
      expect(err).toBeInstanceOf(SsedoctorError);
      expect((err as SsedoctorError).exitCode).toBe(2);
      expect((err as Error).message).toMatch(want);
      expect((err as Error).message).not.toContain('\n');
    }
  });

  it('a missing file', () => expect(() => readSaved(join(dir, 'nope.json'))).toThrow(/cannot read .*ENOENT/));

  it('re-renders never show a secret an older file held in its URL', () => {
    const saved = readSaved(file('old.json', JSON.stringify({ ...loadDoc({}), target: { baseUrl: 'https://u:pw@h/?token=abc' } })));
    expect((saved.doc as { target?: { baseUrl: string } }).target?.baseUrl).toBe('https://[redacted]@h/?token=[redacted]');
  });
});

describe('metric figures', () => {
  it('clamps percentiles to [min, max] and rounds timings to 0.1 ms', () => {
    // HDR reports a bucket's upper edge: p99.9 4016.127 above the exact max 4015.933
    const f = metricFigures('total', { count: 3, min: 1.04, mean: 2000.123, p50: 2000.26, p90: 4016.127, p99: 4016.127, p999: 4016.127, max: 4015.933 });
    expect(f).toMatchObject({ unit: 'ms', min: 1, mean: 2000.1, p50: 2000.3, p90: 4015.9, p99: 4015.9, p999: 4015.9, max: 4015.9 });
  });
  it('labels counts', () => expect(metricFigures('client-attempts', { count: 1, min: 1, mean: 1, p50: 1, p90: 1, p99: 1, p999: 1, max: 1 }).unit).toBe('count'));
});

/** A minimal valid load document with an empty aggregate. */
function loadDoc(encoded: { histograms?: Record<string, string> }): Record<string, unknown> {
  return {
    schema: 'ssedoctor.load/v1',
    tool: { name: 'ssedoctor', version: '0.0.0' },
    startedAt: '2026-01-01T00:00:00.000Z',
    durationMs: 1,
    stoppedBy: 'completed',
    target: { baseUrl: 'http://h' },
    model: {},
    runs: 0,
    dropped: 0,
    outcomes: [],
    metrics: {},
    thresholds: [],
    generator: { loopDelayMs: { p50: 0, p99: 0, max: 0 }, peakInflight: 0, saturated: false },
    encoded: { outcomes: {}, dropped: 0, histograms: encoded.histograms ?? {}, timeline: [] },
  };
}
