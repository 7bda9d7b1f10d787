/**
 * Parser glue: bytes off the wire → SSE records, with eventsource-parser doing the field
 * parsing (WHATWG HTML §9.2.5–9.2.6) and this module adding what a diagnostic client needs:
 * streaming UTF-8 decoding, comments as records, a persisted last-event ID, parse warnings,
 * a bound on buffered bytes, and a record of anything left unterminated at the end.
 *
 * Two gaps of eventsource-parser 3 (the newest major that runs on Node 20) are closed here:
 * - Line ends. It waits for the character after a CR to tell CR from CRLF, so a CR-only
 *   server's blank line at the end of a read dispatched only when the next read came. This
 *   module hands the parser whole lines only, completes a CR that ends them with an LF, and remembers
 *   a CR that ended a read so that an LF starting the next one is not a second line end.
 * - `id:` in a block without data. The spec keeps the last event ID buffer across blocks, the
 *   parser forgets it with the block. This module tracks `id` lines itself, in order.
 */
import { isAscii } from 'node:buffer';
import { TextDecoder } from 'node:util';
import { createParser, type EventSourceParser, type ParseError } from 'eventsource-parser';
import type { StreamRecord } from '../model.js';

/**
 * A record as parsed. `atMs` and `read` are 0 here: the caller stamps arrival time and read index
 * (created with every field, so all records share one object shape).
 */
export type ParsedRecord = StreamRecord;

export interface SseReaderOptions {
  /** Largest line or event the parser may buffer, in characters; past it the stream is abandoned. */
  maxBufferSize: number;
  /** Data kept per record, in characters. */
  previewChars: number;
}

export interface ReadResult {
  records: ParsedRecord[];
  warnings: string[];
  retryMs?: number;
  /** True once the buffer limit was exceeded; further input is ignored. */
  oversized: boolean;
}

/** An `id` field line in LF-normalised whole lines: `id`, `id:` or `id:<value>` (the LF is not consumed). */
const ID_LINE = /(^|\n)id(?::([^\n]*))?(?=\n)/g;

export class SseReader {
  // Spec: always UTF-8; one leading BOM stripped; invalid bytes become U+FFFD; charset ignored.
  // Made at the first byte above 0x7F: a TextDecoder holds ≈ 0.7 KiB of ICU state, and with ten
  // thousand open streams of ASCII heartbeats that is 7 MiB for nothing. Until then ASCII is
  // decoded as Latin-1 (the same characters), and nothing is pending between reads.
  private decoder: TextDecoder | undefined;
  /** Bytes came before the decoder was made: a BOM it meets is content, not a leading BOM. */
  private started = false;
  /** Made with the first text to parse: an open stream that sent nothing yet holds no parser (≈ 1 KiB of closures). */
  private made: EventSourceParser | undefined;
  private out: ReadResult = { records: [], warnings: [], oversized: false };
  /** The spec's last event ID buffer: set by every valid `id` line, kept across blocks. */
  private lastEventId: string | undefined;
  private oversized = false;
  /** Set while end() probes for an unterminated block; what it flushes out is not real. */
  private draining = false;
  private pendingChars = 0;
  /** The last read ended in CR: an LF starting the next one belongs to that line end. */
  private afterCr = false;
  /** The incomplete last line (no line end in it), held here so the parser only sees whole lines. */
  private partial = '';

  constructor(private readonly options: SseReaderOptions) {}

  private get parser(): EventSourceParser {
    return (this.made ??= this.createParser());
  }

  private createParser(): EventSourceParser {
    const parser = createParser({
      maxBufferSize: this.options.maxBufferSize,
      onEvent: (e) => {
        if (this.draining) {
          this.pendingChars = e.data.length || 1;
          return;
        }
        const record = this.record('event', e.event || 'message', e.data);
        if (this.lastEventId !== undefined) record.id = this.lastEventId;
        const node = nodeOf(e.data);
        if (node !== undefined) record.node = node;
        this.out.records.push(record);
      },
      onComment: (text) => {
        if (!this.draining) this.out.records.push(this.record('comment', 'comment', text));
      },
      onRetry: (ms) => (this.out.retryMs = ms),
      onError: (err: ParseError) => {
        if (err.type === 'max-buffer-size-exceeded') this.trip();
        if (!this.draining || err.type === 'max-buffer-size-exceeded') this.out.warnings.push(err.message);
      },
    });
    // The parser guesses a BOM from the first chunk's first three UTF-16 units (as if they were
    // bytes); the decoder already stripped the real one, so spend its first chunk on nothing.
    parser.feed('');
    return parser;
  }

  /** Feeds one network read; returns what it completed. */
  feed(bytes: Uint8Array): ReadResult {
    if (!this.oversized) this.push(this.decode(bytes));
    return this.take();
  }

  /** UTF-8 → text for one read, keeping an incomplete multi-byte character for the next. */
  private decode(bytes: Uint8Array): string {
    if (!this.decoder) {
      if (isAscii(bytes)) {
        if (bytes.length > 0) this.started = true;
        return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('latin1');
      }
      this.decoder = new TextDecoder('utf-8', { ignoreBOM: this.started });
    }
    return this.decoder.decode(bytes, { stream: true });
  }

  /**
   * Flushes the decoder at end of stream. The unterminated last block is discarded, as the spec
   * says; `pendingChars` tells how much data it held (0: nothing was left hanging).
   */
  end(): ReadResult & { pendingChars: number } {
    if (!this.oversized) {
      if (this.decoder) this.push(this.decoder.decode());
      // Terminate whatever is buffered to learn whether a block was left open; the result is discarded.
      this.draining = true;
      this.parser.feed(`${this.partial}\n\n`);
      this.partial = '';
      this.draining = false;
    }
    return { ...this.take(), pendingChars: this.pendingChars };
  }

  /**
   * Passes the whole lines of one decoded read on, keeping the incomplete last line. A CR at the
   * very end of the read is a line end now (an LF starting the next read then belongs to it);
   * every other CR has its next character in sight, which the parser reads correctly.
   */
  private push(text: string): void {
    if (text === '') return; // a read that decoded to nothing (part of a multi-byte character)
    if (this.afterCr && text.charCodeAt(0) === 10) {
      this.afterCr = false;
      text = text.slice(1); // the LF of a split CRLF
      if (text === '') return;
    }
    let end: number; // index of the read's last line end
    this.afterCr = text.charCodeAt(text.length - 1) === 13;
    if (this.afterCr) {
      text += '\n'; // CR + LF is one line end for the parser, and says so now
      end = text.length - 1;
    } else {
      end = text.lastIndexOf('\n');
      // Only the tail after the last LF is scanned for a CR in the common (CRLF or LF) case.
      if (text.indexOf('\r', end + 1) >= 0) end = text.lastIndexOf('\r');
    }
    if (end < 0) {
      this.partial += text;
      if (this.partial.length > this.options.maxBufferSize) this.overflow();
      return;
    }
    let lines = this.partial === '' ? text.slice(0, end + 1) : this.partial + text.slice(0, end + 1);
    // A CR ending the chunk is lone (an LF after it would be the last line end): add the LF, or
    // the parser would wait for the next chunk to tell. (Replacing it would merge "\r\r" into one.)
    if (lines.charCodeAt(lines.length - 1) === 13) lines += '\n';
    this.partial = text.slice(end + 1);
    if (this.partial.length > this.options.maxBufferSize) return this.overflow();
    this.lines(lines);
  }

  /** Whole lines → the parser, tracking `id` lines in stream order (only reads that have one pay for it). */
  private lines(lines: string): void {
    if (!lines.startsWith('id') && !lines.includes('\nid') && !lines.includes('\rid')) return this.parser.feed(lines);
    lines = lines.replace(/\r\n?/g, '\n');
    let from = 0;
    ID_LINE.lastIndex = 0;
    for (let m = ID_LINE.exec(lines); m; m = ID_LINE.exec(lines)) {
      const lineEnd = ID_LINE.lastIndex + 1; // just past the line's LF
      // Events dispatched before this line carry the id as it was; then the line updates it.
      this.parser.feed(lines.slice(from, lineEnd));
      if (this.oversized) return;
      from = lineEnd;
      const raw = m[2] ?? '';
      const value = raw.charCodeAt(0) === 32 ? raw.slice(1) : raw;
      if (!value.includes('\0')) this.lastEventId = value; // an id with NUL is ignored (spec)
    }
    if (from < lines.length) this.parser.feed(lines.slice(from));
  }

  /** A line longer than the limit: abandon the stream, as the parser does for a large event. */
  private overflow(): void {
    this.partial = '';
    this.trip();
    this.out.warnings.push(`Buffered data exceeded max buffer size of ${this.options.maxBufferSize} characters`);
  }

  private trip(): void {
    this.oversized = true;
    this.out.oversized = true;
  }

  private take(): ReadResult {
    const result = this.out;
    this.out = { records: [], warnings: [], oversized: this.oversized };
    return result;
  }

  /** A record with its data cut to the preview size. */
  private record(kind: StreamRecord['kind'], type: string, text: string): StreamRecord {
    const cut = text.length > this.options.previewChars;
    const record: StreamRecord = { kind, type, atMs: 0, read: 0, data: cut ? text.slice(0, this.options.previewChars) : text };
    if (cut) record.truncated = true;
    return record;
  }
}

/**
 * `node` of a JSON envelope (`{"data": {"node": ...}}`) or of a flat payload (`{"node": ...}`).
 * A scan for the first `"node"` key replaces a JSON.parse per event on the load path; ids with
 * escapes, and payloads where the scan is unsure, fall back to parsing.
 */
function nodeOf(data: string): string | undefined {
  if (!data.startsWith('{')) return undefined;
  const key = data.indexOf('"node"');
  if (key < 0) return undefined;
  const m = /^"node"\s*:\s*"([^"\\]*)"/.exec(data.slice(key, key + 300));
  if (m) return m[1]!;
  if (data.length > 65_536) return undefined;
  try {
    const parsed = JSON.parse(data) as { node?: unknown; data?: { node?: unknown } };
    const node = parsed.data?.node ?? parsed.node;
    return typeof node === 'string' ? node : undefined;
  } catch {
    return undefined;
  }
}
