/**
 * UTF-8 decoding of the SSE reader, which makes its TextDecoder only at the first byte above 0x7F
 * (ASCII streams decode without one): the text must be exactly what one decoder from the first
 * byte would give, whatever came before that byte and however the reads split.
 */
import { describe, expect, it } from 'vitest';
import { SseReader } from '../../src/probe/sse-reader.js';

function events(chunks: Buffer[]): string[] {
  const reader = new SseReader({ maxBufferSize: 1 << 16, previewChars: 1 << 16 });
  const out: string[] = [];
  for (const c of chunks) for (const r of reader.feed(c).records) if (r.kind === 'event') out.push(r.data);
  for (const r of reader.end().records) if (r.kind === 'event') out.push(r.data);
  return out;
}

const utf8 = (s: string): Buffer => Buffer.from(s, 'utf8');

describe('SseReader decoding', () => {
  it.each([
    // ASCII only: no decoder ever, same text
    [['data: plain\n\n'], ['plain']],
    // ASCII first, then a multi-byte character split across reads
    [['data: a\n\n', Buffer.from([0x64, 0x61, 0x74, 0x61, 0x3a, 0xc3]), Buffer.from([0xa9, 0x0a, 0x0a])], ['a', 'é']],
    // a four-byte character split three ways after ASCII reads
    [['data: x\n\ndata:', Buffer.from([0xf0, 0x9f]), Buffer.from([0x98]), Buffer.from([0x80, 0x0a, 0x0a])], ['x', '😀']],
    // invalid bytes after ASCII become U+FFFD
    [['data: ok\n\n', Buffer.from([0x64, 0x61, 0x74, 0x61, 0x3a, 0xff, 0x0a, 0x0a])], ['ok', '\uFFFD']],
    // a character cut off at the end of the stream: U+FFFD in the unterminated block (discarded), nothing else
    [['data: ok\n\ndata:', Buffer.from([0xc3])], ['ok']],
  ])('%#', (chunks, expected) => {
    expect(events(chunks.map((c) => (typeof c === 'string' ? utf8(c) : c)))).toEqual(expected);
  });

  it('a BOM after ASCII bytes is content, not a leading BOM (it spoils that line, as the spec says)', () => {
    // One decoder from the first byte would keep this U+FEFF: the field name becomes "\uFEFFdata".
    expect(events([utf8('data:1\n\n'), utf8('\uFEFFdata:2\n\ndata:3\n\n')])).toEqual(['1', '3']);
  });

  it('a leading BOM is still stripped when it is the first byte', () => {
    expect(events([utf8('\uFEFFdata:1\n\n')])).toEqual(['1']);
  });

  it('an empty first read does not count as content before a BOM', () => {
    expect(events([Buffer.alloc(0), utf8('\uFEFFdata:1\n\n')])).toEqual(['1']);
  });
});
