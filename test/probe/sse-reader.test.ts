/**
 * The SSE parser checklist of sse-conformance.md §2, items 1–19 (WPT eventsource/format-*),
 * run through the parser glue fed as one chunk and byte by byte: both must agree.
 */
import { describe, expect, it } from 'vitest';
import { SseReader, type ParsedRecord } from '../../src/probe/sse-reader.js';

interface Parsed {
  events: ParsedRecord[];
  comments: string[];
  retryMs?: number;
  warnings: string[];
  pendingChars: number;
}

function parse(chunks: (string | Buffer)[]): Parsed {
  const reader = new SseReader({ maxBufferSize: 1 << 20, previewChars: 1 << 20 });
  const out: Parsed = { events: [], comments: [], warnings: [], pendingChars: 0 };
  const take = (r: ReturnType<SseReader['feed']>): void => {
    for (const rec of r.records) (rec.kind === 'event' ? out.events : out.comments).push(rec as never);
    if (r.retryMs !== undefined) out.retryMs = r.retryMs;
    out.warnings.push(...r.warnings);
  };
  for (const c of chunks) take(reader.feed(typeof c === 'string' ? Buffer.from(c, 'utf8') : c));
  const end = reader.end();
  take(end);
  out.pendingChars = end.pendingChars;
  out.comments = out.comments.map((c) => (c as unknown as ParsedRecord).data);
  return out;
}

type Mode = 'one chunk' | 'byte by byte';
const MODES: Mode[] = ['one chunk', 'byte by byte'];

function run(input: string | Buffer, mode: Mode): Parsed {
  const bytes = typeof input === 'string' ? Buffer.from(input, 'utf8') : input;
  return parse(mode === 'one chunk' ? [bytes] : [...bytes].map((b) => Buffer.from([b])));
}

const data = (p: Parsed): string[] => p.events.map((e) => e.data);

describe.each(MODES)('SSE parsing, fed %s', (mode) => {
  it('1. CRLF, LF and bare field names: data "test\\n\\ntest" (format-newlines)', () => {
    expect(data(run('data:test\r\ndata\ndata:test\r\n\r\n', mode))).toEqual(['test\n\ntest']);
  });

  it('2. only one leading space is stripped; tab kept; lone CR ends a line (format-leading-space)', () => {
    expect(data(run('data:\ttest\rdata: \ndata:test\n\n', mode))).toEqual(['\ttest\n\ntest']);
  });

  it('3. a second space is kept', () => {
    expect(data(run('data:  2\n\n', mode))).toEqual([' 2']);
  });

  it('4. empty data fires an event with ""; two bare data lines give "\\n" (format-field-data)', () => {
    expect(data(run('data:\n\n', mode))).toEqual(['']);
    expect(data(run('data\ndata\n\n', mode))).toEqual(['\n']);
  });

  it('5. a block with no data fires nothing', () => {
    expect(run('event:x\n\n', mode).events).toEqual([]);
    expect(run('id:1\n\n', mode).events).toEqual([]);
  });

  it('5b. an id-only block still sets the last event ID; a retry-only block still sets retry', () => {
    // The spec keeps the last event ID buffer across blocks (eventsource-parser 3 alone drops it with the block).
    expect(run('id:1\n\ndata:x\n\n', mode).events[0]?.id).toBe('1');
    expect(run('id:1\r\rid:2\r\rdata:x\r\r', mode).events[0]?.id).toBe('2');
    expect(run('data:a\n\nid: 7\n\n:c\ndata:b\n\n', mode).events.map((e) => e.id)).toEqual([undefined, '7']);
    expect(run('retry:700\n\ndata:x\n\n', mode).retryMs).toBe(700);
  });

  it('5c. fields that only look like id are not ids', () => {
    // "idx" and " id" are unknown fields; "id" alone sets the empty id.
    expect(run('id:1\nidx:2\n id:3\ndata:a\n\n', mode).events[0]?.id).toBe('1');
    expect(run('id:1\n\nid\n\ndata:a\n\n', mode).events[0]?.id).toBe('');
  });

  it('6. field names are case-sensitive and exact; NUL kept in data (format-field-parsing)', () => {
    const input = 'data:\0\ndata:  2\rData:1\ndata\0:2\ndata:1\r\0data:4\nda-ta:3\rdata_5\ndata:3\rdata:\r\n data:32\ndata:4\n\n';
    expect(data(run(input, mode))).toEqual(['\0\n 2\n1\n3\n\n4']);
  });

  it('7. comments are ignored as data but reported as comments (format-comments)', () => {
    const long = 'x'.repeat(2048);
    const input = `data:1\r:\0\n:\r\ndata:2\n:${long}\rdata:3\n:data:fail\r:${long}\ndata:4\n\n`;
    const p = run(input, mode);
    expect(data(p)).toEqual(['1\n2\n3\n4']);
    expect(p.comments).toEqual(['\0', '', long, 'data:fail', long]);
  });

  it('8. unknown fields are ignored, with a warning (format-field-unknown)', () => {
    const p = run('data:test\n data\ndata\nfoobar:xxx\njustsometext\n:thisisacommentyay\ndata:test\n\n', mode);
    expect(data(p)).toEqual(['test\n\ntest']);
    expect(p.warnings.some((w) => w.includes('foobar'))).toBe(true);
  });

  it('9. one leading BOM is stripped; a second BOM spoils that line (format-bom, format-bom-2)', () => {
    expect(data(run('\uFEFFdata:1\n\n\uFEFFdata:2\n\ndata:3\n\n', mode))).toEqual(['1', '3']);
    expect(data(run('\uFEFF\uFEFFdata:1\n\ndata:2\n\ndata:3\n\n', mode))).toEqual(['2', '3']);
  });

  it('12. multi-byte UTF-8 decodes across splits; invalid bytes become U+FFFD', () => {
    expect(data(run('data:é€😀\n\n', mode))).toEqual(['é€😀']);
    expect(data(run(Buffer.from([...Buffer.from('data:a'), 0xff, ...Buffer.from('b\n\n')]), mode))).toEqual(['a\uFFFDb']);
  });

  it('14. an id containing NUL is ignored and the previous id kept (format-field-id-null)', () => {
    for (const bad of ['\0\0', 'x\0', '\0x', 'x\0x', ' \0']) {
      const p = run(`id:1\ndata:a\n\nid:${bad}\ndata:b\n\n`, mode);
      expect(p.events.map((e) => e.id)).toEqual(['1', '1']);
    }
  });

  it('15. the id persists to later events; an empty id resets it (format-field-id-3)', () => {
    const p = run('id: 1\ndata:a\n\ndata:b\n\nid:\ndata:c\n\nid\ndata:d\n\n', mode);
    expect(p.events.map((e) => e.id)).toEqual(['1', '1', '', '']);
  });

  it('16. retry takes only ASCII digits; bogus values are ignored (format-field-retry*)', () => {
    expect(run('retry:03000\ndata:x\n\n', mode).retryMs).toBe(3000);
    for (const bogus of ['1000x', ' 1.5', '-1', '']) {
      const p = run(`retry:500\n\nretry:${bogus}\ndata:x\n\n`, mode);
      expect(p.retryMs).toBe(500);
    }
    expect(run('retry:500\n\nretry\ndata:x\n\n', mode).retryMs).toBe(500);
  });

  it('17. an empty event name means "message"; a named event keeps its name (format-field-event*)', () => {
    expect(run('event: \ndata:x\n\n', mode).events[0]?.type).toBe('message');
    expect(run('event:test\ndata:x\n\n', mode).events[0]?.type).toBe('test');
  });

  it('18. an unterminated last block is not dispatched and is reported as pending (format-data-before-final-empty-line)', () => {
    const p = run('id:1\ndata:test1\n\nid:2\ndata:test2', mode);
    expect(data(p)).toEqual(['test1']);
    expect(p.events[0]?.id).toBe('1');
    expect(p.pendingChars).toBeGreaterThan(0);
  });

  it('19. the trailing LF of data is removed exactly once', () => {
    expect(data(run('data:a\ndata:\n\n', mode))).toEqual(['a\n']);
  });

  it('20. CR-only framing, with a BOM, dispatches every event (sse-starlette sep="\\r")', () => {
    const p = run('\uFEFF: hi\revent: a\rdata:1\r\rid:9\r\rretry:250\r\rdata:2\rdata:3\r\r', mode);
    expect(p.events.map((e) => [e.type, e.data, e.id])).toEqual([
      ['a', '1', undefined],
      ['message', '2\n3', '9'],
    ]);
    expect(p.comments).toEqual(['hi']);
    expect(p.retryMs).toBe(250);
    expect(p.pendingChars).toBe(0);
  });

  it('21. mixed CRLF, lone CR and LF in one stream: each is one line end', () => {
    expect(data(run('data:a\r\ndata:b\rdata:c\n\r\ndata:d\n\r', mode))).toEqual(['a\nb\nc', 'd']);
  });

  it('22. text that merely looks like a BOM once decoded is a spoiled line, not a BOM', () => {
    // U+00EF U+00BB U+00BF are characters, not the bytes EF BB BF: the spec strips only U+FEFF.
    expect(data(run('\u00EF\u00BB\u00BFdata:1\n\ndata:2\n\n', mode))).toEqual(['2']);
  });
});

describe('SSE parsing across chunk boundaries', () => {
  it('10. a BOM split across reads is still stripped', () => {
    const bom = Buffer.from('\uFEFFdata:1\n\n', 'utf8');
    expect(data(parse([bom.subarray(0, 1), bom.subarray(1, 2), bom.subarray(2)]))).toEqual(['1']);
  });

  it('11. a CRLF split across reads is one line end: no extra dispatch', () => {
    const p = parse(['data:1\r', '\n\r', '\ndata:2\r\n\r\n']);
    expect(data(p)).toEqual(['1', '2']);
  });

  it('11b. a blank line ended by a lone CR at the end of a read dispatches exactly once', () => {
    // The CR may be followed by an LF in the next read: that LF must not end a second (blank) line.
    expect(data(parse(['data:1\r\r', 'data:2\r\r', '']))).toEqual(['1', '2']);
    expect(data(parse(['data:1\r', '\r', '\ndata:2\r\n', '\r\n']))).toEqual(['1', '2']);
  });

  it('11c. ...and at once, before the next read arrives', () => {
    // A CR-only server's terminal event must not wait for more bytes (it would read as a stall).
    const reader = new SseReader({ maxBufferSize: 1024, previewChars: 1024 });
    expect(reader.feed(Buffer.from('data:1\r\r')).records).toHaveLength(1);
    expect(reader.feed(Buffer.from('data:2\r')).records).toHaveLength(0);
    expect(reader.feed(Buffer.from('\r')).records).toHaveLength(1);
    expect(reader.feed(Buffer.from('\n')).records).toHaveLength(0); // the LF of a split CRLF: no extra line
    expect(reader.end()).toMatchObject({ records: [], pendingChars: 0 });
  });

  it('11d. only the one LF right after a read-ending CR is absorbed', () => {
    // "data:1\r" | "\n" | "\n": CRLF, then a blank line that dispatches.
    expect(data(parse(['data:1\r', '\n', '\n']))).toEqual(['1']);
    const reader = new SseReader({ maxBufferSize: 1024, previewChars: 1024 });
    reader.feed(Buffer.from('data:2\r'));
    expect(reader.feed(Buffer.from('\n')).records).toHaveLength(0);
    expect(reader.feed(Buffer.from('\n')).records).toHaveLength(1);
    // A multi-byte character split after the CR decodes to "" first: the LF rule waits for real text.
    reader.feed(Buffer.from('data:é\r'));
    expect(reader.feed(Buffer.from([0xc3])).records).toHaveLength(0);
    expect(reader.feed(Buffer.from([0xa9, 0x0a])).records).toHaveLength(0); // "é" starts a line: no LF absorbed
  });

  it('every split of every checklist input into three reads parses like one chunk', () => {
    const input = Buffer.from('data:a\r\r\ndata:b\r\n\rid:7\r\n\r:c\rdata:é\n\n', 'utf8');
    const summary = (p: Parsed): unknown => [p.events.map((e) => [e.type, e.data, e.id]), p.comments, p.pendingChars];
    const whole = summary(parse([input]));
    for (let i = 1; i < input.length; i++) {
      for (let j = i; j < input.length; j++) {
        expect(summary(parse([input.subarray(0, i), input.subarray(i, j), input.subarray(j)])), `split at ${i}, ${j}`).toEqual(whole);
      }
    }
  });

  it('every split of every checklist input into two reads parses like one chunk', () => {
    const inputs = [
      'data:test\r\ndata\ndata:test\r\n\r\n',
      'data:\ttest\rdata: \ndata:test\n\n',
      '\uFEFFdata:é€😀\r\rid:5\r\n\r\ndata:x\r\n\r\n',
      'id: 1\ndata:a\n\nid:\ndata:c\n\nid\rdata:d\r\r',
      ': c\r\nretry:300\r\n\r\nevent:e\rdata:1\r\r',
    ];
    const summary = (p: Parsed): unknown => [p.events.map((e) => [e.type, e.data, e.id]), p.comments, p.retryMs, p.pendingChars];
    for (const input of inputs) {
      const bytes = Buffer.from(input, 'utf8');
      const whole = summary(parse([bytes]));
      for (let i = 1; i < bytes.length; i++) {
        expect(summary(parse([bytes.subarray(0, i), bytes.subarray(i)])), `${JSON.stringify(input)} split at ${i}`).toEqual(whole);
      }
    }
  });

  it('records the node of a JSON envelope', () => {
    const p = parse(['event: node-start\r\ndata: {"type": "node-start", "data": {"node": "planner"}}\r\n\r\n']);
    expect(p.events[0]).toMatchObject({ type: 'node-start', node: 'planner' });
  });

  it('bounds memory: an endless line trips the buffer limit instead of growing', () => {
    const reader = new SseReader({ maxBufferSize: 1000, previewChars: 100 });
    let oversized = false;
    for (let i = 0; i < 100 && !oversized; i++) oversized = reader.feed(Buffer.from('data:' + 'y'.repeat(100))).oversized;
    expect(oversized).toBe(true);
  });

  it('bounds memory: an endless event of short lines trips the same limit', () => {
    const reader = new SseReader({ maxBufferSize: 1000, previewChars: 100 });
    let oversized = false;
    for (let i = 0; i < 100 && !oversized; i++) oversized = reader.feed(Buffer.from(`data:${'y'.repeat(50)}\n`)).oversized;
    expect(oversized).toBe(true);
    expect(reader.feed(Buffer.from('\n\n')).records).toEqual([]); // abandoned: nothing more is parsed
  });

  it('cuts long data to the preview size and marks it', () => {
    const reader = new SseReader({ maxBufferSize: 1 << 20, previewChars: 10 });
    const r = reader.feed(Buffer.from(`data:${'z'.repeat(50)}\n\n`));
    expect(r.records[0]).toMatchObject({ data: 'z'.repeat(10), truncated: true });
  });
});
