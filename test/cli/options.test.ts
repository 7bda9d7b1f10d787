import { describe, expect, it } from 'vitest';
import { parseBaseUrl, parseBody, parseDuration, parseHeader, parseInteger, parseSize } from '../../src/cli/options.js';
import { SsedoctorError } from '../../src/errors.js';

describe('parseDuration', () => {
  it.each([
    ['500ms', 500],
    ['2.5s', 2500],
    ['2m', 120_000],
    ['1m30s', 90_000],
    ['1h', 3_600_000],
    ['0', 0],
  ])('%s → %d ms', (text, ms) => expect(parseDuration(text, '--x')).toBe(ms));

  it.each(['5', '', 'fast', '5 s', '-1s', '1.s', 's'])('rejects %j with exit 2 and the flag name', (text) => {
    try {
      parseDuration(text, '--timeout');
      expect.unreachable();
    } catch (err) {
      expect(err).toBeInstanceOf(SsedoctorError);
      expect((err as SsedoctorError).exitCode).toBe(2);
      expect((err as Error).message).toMatch(/^--timeout: /);
    }
  });
});

describe('other flag parsers', () => {
  it.each([
    ['Authorization: Bearer abc', ['Authorization', 'Bearer abc']],
    ['X-A:b:c', ['X-A', 'b:c']],
    ['x-empty:', ['x-empty', '']],
  ])('header %j', (text, want) => expect(parseHeader(text)).toEqual(want));

  it.each(['no colon', ': value', 'bad name: v', 'x:\r\ny'])('rejects header %j', (text) => {
    expect(() => parseHeader(text)).toThrow(SsedoctorError);
  });

  it('URLs: http(s) only, trailing slash trimmed', () => {
    expect(parseBaseUrl('http://localhost:8000/')).toBe('http://localhost:8000');
    expect(parseBaseUrl('https://h/prefix/')).toBe('https://h/prefix');
    expect(() => parseBaseUrl('localhost:8000')).toThrow(/must start with http/);
    expect(() => parseBaseUrl('nope')).toThrow(/not a URL/);
  });

  it('bodies: JSON text or @file, validated', () => {
    expect(parseBody('{"a":1}')).toBe('{"a":1}');
    expect(parseBody('@f.json', () => '{"b":2}')).toBe('{"b":2}');
    expect(() => parseBody('{nope')).toThrow(/not valid JSON/);
    expect(() => parseBody('@missing.json', () => { throw Object.assign(new Error('x'), { code: 'ENOENT' }); })).toThrow(/cannot read "missing.json" \(ENOENT\)/);
  });

  it('integers and sizes', () => {
    expect(parseInteger('5', '--n', 0, 10)).toBe(5);
    expect(() => parseInteger('11', '--n', 0, 10)).toThrow(/from 0 to 10/);
    expect(() => parseInteger('1.5', '--n')).toThrow();
    expect(parseSize('64kb', '--s')).toBe(65536);
    expect(parseSize('1mb', '--s')).toBe(1048576);
    expect(() => parseSize('big', '--s')).toThrow(/not a size/);
  });
});
