/**
 * Parser glue: bytes off the wire → SSE records, with eventsource-parser doing the field
 * parsing (WHATWG HTML §9.2.5–9.2.6) and this module adding what a diagnostic client needs:
 * streaming UTF-8 decoding, comments as records, a persisted last-event ID, parse warnings,
 * a bound on buffered bytes, and a record of anything left unterminated at the end.
 */
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

export class SseReader {
  // Spec: always UTF-8; one leading BOM stripped; invalid bytes become U+FFFD; charset ignored.
  private readonly decoder = new TextDecoder('utf-8');
  private readonly parser: EventSourceParser;
  private out: ReadResult = { records: [], warnings: [], oversized: false };
  private lastEventId: string | undefined;
  private oversized = false;
  /** Set while end() probes for an unterminated block; the event it flushes out is not real. */
  private draining = false;
  private pendingChars = 0;

  constructor(private readonly options: SseReaderOptions) {
    this.parser = createParser({
      maxBufferSize: options.maxBufferSize,
      onEvent: (e) => {
        if (this.draining) {
          this.pendingChars = e.data.length || 1;
          return;
        }
        // eventsource-parser resets `id` per block; the spec persists it across events.
        if (e.id !== undefined) this.lastEventId = e.id;
        const record = this.record('event', e.event || 'message', e.data);
        if (this.lastEventId !== undefined) record.id = this.lastEventId;
        const node = nodeOf(e.data);
        if (node !== undefined) record.node = node;
        this.out.records.push(record);
      },
      onComment: (text) => this.out.records.push(this.record('comment', 'comment', text)),
      onRetry: (ms) => (this.out.retryMs = ms),
      onError: (err: ParseError) => {
        if (err.type === 'max-buffer-size-exceeded') {
          this.oversized = true;
          this.out.oversized = true;
        }
        this.out.warnings.push(err.message);
      },
    });
  }

  /** Feeds one network read; returns what it completed. */
  feed(bytes: Uint8Array): ReadResult {
    if (!this.oversized) this.push(this.decoder.decode(bytes, { stream: true }));
    return this.take();
  }

  /**
   * Flushes the decoder at end of stream. The unterminated last block is discarded, as the spec
   * says; `pendingChars` tells how much data it held (0: nothing was left hanging).
   */
  end(): ReadResult & { pendingChars: number } {
    if (!this.oversized) {
      this.push(this.decoder.decode());
      // Terminate whatever is buffered to learn whether a block was left open; the result is discarded.
      this.draining = true;
      this.parser.feed('\n\n');
      this.draining = false;
    }
    return { ...this.take(), pendingChars: this.pendingChars };
  }

  private push(text: string): void {
    if (text !== '') this.parser.feed(text);
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
