/**
 * `Transfer-Encoding: chunked`, decoded byte by byte across any split of the input, strict where
 * llhttp is (CRLF after the size line and after each chunk's data). Chunk data is handed on as
 * views of the input, one per contiguous run, as undici hands on each chunk. Pure.
 */
import type { HeadError } from './h1-head.js';

const enum S {
  Size,
  Extension,
  SizeLf,
  Data,
  DataCr,
  DataLf,
  TrailerStart,
  TrailerLine,
  TrailerLf,
  EndLf,
  Done,
}

/** Most hex digits of a chunk size (llhttp keeps it in 64 bits). */
const MAX_SIZE_DIGITS = 16;

export class ChunkedDecoder {
  private state = S.Size;
  private size = 0;
  private digits = 0;
  private remaining = 0;

  /**
   * Decodes `buf`, handing chunk data to `onData`. Returns the index just past the end of the
   * message when it ended inside `buf`, -1 when more bytes are needed, or the error that stops it.
   */
  feed(buf: Buffer, onData: (chunk: Buffer) => void): number | HeadError {
    const n = buf.length;
    let i = 0;
    while (i < n) {
      const c = buf[i]!;
      switch (this.state) {
        case S.Size: {
          const d = hexValue(c);
          if (d >= 0) {
            if (++this.digits > MAX_SIZE_DIGITS) return { error: 'protocol', reason: 'Chunk size overflow' };
            this.size = this.size * 16 + d;
          } else if (this.digits > 0 && c === 0x3b /* ; */) this.state = S.Extension;
          else if (this.digits > 0 && c === 0x0d) this.state = S.SizeLf;
          else if (this.digits > 0 && c === 0x0a) return { error: 'protocol', reason: 'Missing expected CR after chunk size' };
          else return { error: 'protocol', reason: 'Invalid character in chunk size' };
          i++;
          break;
        }
        case S.Extension:
          if (c === 0x0d) this.state = S.SizeLf;
          else if (c === 0x0a) return { error: 'protocol', reason: 'Missing expected CR after chunk extension value' };
          i++;
          break;
        case S.SizeLf:
          if (c !== 0x0a) return { error: 'protocol', reason: 'Missing expected LF after chunk size' };
          i++;
          if (this.size === 0) this.state = S.TrailerStart;
          else {
            this.remaining = this.size;
            this.state = S.Data;
          }
          this.size = 0;
          this.digits = 0;
          break;
        case S.Data: {
          const take = Math.min(n - i, this.remaining);
          onData(take === n && i === 0 ? buf : buf.subarray(i, i + take));
          i += take;
          this.remaining -= take;
          if (this.remaining === 0) this.state = S.DataCr;
          break;
        }
        case S.DataCr:
          if (c !== 0x0d) return { error: 'protocol', reason: 'Expected LF after chunk data' };
          this.state = S.DataLf;
          i++;
          break;
        case S.DataLf:
          if (c !== 0x0a) return { error: 'protocol', reason: 'Expected LF after chunk data' };
          this.state = S.Size;
          i++;
          break;
        case S.TrailerStart:
          if (c === 0x0d) {
            this.state = S.EndLf;
            i++;
          } else this.state = S.TrailerLine;
          break;
        case S.TrailerLine:
          if (c === 0x0d) this.state = S.TrailerLf;
          i++;
          break;
        case S.TrailerLf:
          if (c !== 0x0a) return { error: 'protocol', reason: 'Missing expected LF after header value' };
          this.state = S.TrailerStart;
          i++;
          break;
        case S.EndLf:
          if (c !== 0x0a) return { error: 'protocol', reason: 'Expected LF after headers' };
          this.state = S.Done;
          return i + 1;
        case S.Done:
          return i;
      }
    }
    return this.state === S.Done ? n : -1;
  }
}

/** 0-15 for a hex digit's byte, else -1. */
function hexValue(c: number): number {
  if (c >= 0x30 && c <= 0x39) return c - 0x30;
  const lower = c | 0x20;
  if (lower >= 0x61 && lower <= 0x66) return lower - 0x61 + 10;
  return -1;
}
