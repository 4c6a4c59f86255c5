import { isUtf8 } from "node:buffer";

/** Encodings a dataset text file may be in: UTF-8, or UTF-16 announced by its byte-order mark. */
export type TextEncoding = "UTF-8" | "UTF-16LE" | "UTF-16BE";

/** A surrogate without its partner: what invalid UTF-16 decodes to (Node keeps it as is). */
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

/**
 * Bytes to text, chunk by chunk, for dataset files. The encoding is read off the byte-order mark
 * (the Unicode standard's signatures: EF BB BF UTF-8, FF FE UTF-16LE, FE FF UTF-16BE; the mark
 * itself is dropped); without one, a NUL in the first or second of the first four bytes means
 * UTF-16BE or UTF-16LE (RFC 4627 section 3, Python's `json.detect_encoding`), else UTF-8. Sequences that are not valid in the
 * encoding become U+FFFD, and are recorded (`invalid`, `firstInvalidLine`) so that a reader can
 * count, drop or refuse what they touched instead of passing them on silently.
 *
 * `decode(chunk)` returns the text of the chunk up to the last whole character (a character
 * split across chunks is completed by the next one); `end()` returns the rest.
 */
export class DatasetTextDecoder {
  /** Null until the first bytes (enough to tell a byte-order mark) have been seen. */
  encoding: TextEncoding | null = null;
  /** Whether any invalid sequence was met so far. */
  invalid = false;
  /** 1-based line of the first invalid sequence, or null. */
  firstInvalidLine: number | null = null;

  private pending: Buffer = Buffer.alloc(0);
  /** A high surrogate ending the last UTF-16 text: its partner may come with the next chunk. */
  private highSurrogate = "";
  /** Line breaks in the text returned so far, for `firstInvalidLine`. */
  private lines = 0;

  decode(chunk: Uint8Array): string {
    const view = Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
    let bytes = this.pending.length === 0 ? view : Buffer.concat([this.pending, view]);
    if (this.encoding === null) {
      // Four bytes decide (see `sniff`); a shorter file is decided by end().
      if (bytes.length < 4) {
        this.pending = bytes;
        return "";
      }
      bytes = this.sniff(bytes);
    }
    const cut = this.encoding === "UTF-8" ? wholeUtf8Prefix(bytes) : bytes.length & ~1;
    this.pending = bytes.subarray(cut);
    return this.text(bytes.subarray(0, cut), false);
  }

  end(): string {
    let bytes = this.pending;
    if (this.encoding === null) bytes = this.sniff(bytes);
    this.pending = Buffer.alloc(0);
    // Left over at the end: a character cut short, which is invalid.
    return this.text(bytes, true);
  }

  private sniff(bytes: Buffer): Buffer {
    if (bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf) {
      this.encoding = "UTF-8";
      return bytes.subarray(3);
    }
    if (bytes[0] === 0xff && bytes[1] === 0xfe) {
      this.encoding = "UTF-16LE";
      return bytes.subarray(2);
    }
    if (bytes[0] === 0xfe && bytes[1] === 0xff) {
      this.encoding = "UTF-16BE";
      return bytes.subarray(2);
    }
    // No mark: RFC 4627's rule, as Python's json.detect_encoding applies it: text starts with
    // an ASCII character, so a NUL in the first or second byte is UTF-16 without its mark.
    if (bytes.length >= 4 && bytes[0] === 0 && bytes[1] !== 0) this.encoding = "UTF-16BE";
    else if (
      bytes.length >= 4 &&
      bytes[0] !== 0 &&
      bytes[1] === 0 &&
      (bytes[2] !== 0 || bytes[3] !== 0)
    )
      this.encoding = "UTF-16LE";
    else this.encoding = "UTF-8";
    return bytes;
  }

  private text(bytes: Buffer, last: boolean): string {
    if (this.encoding === "UTF-8") {
      const text = bytes.toString("utf8");
      if (!isUtf8(bytes)) this.noteInvalid(firstInvalidUtf8Line(bytes));
      this.lines += countLineBreaks(text);
      return text;
    }
    // Only `end()` passes an odd byte (half a code unit): it is decoded as U+FFFD below.
    let units = bytes.subarray(0, bytes.length & ~1);
    if (this.encoding === "UTF-16BE") units = Buffer.from(units).swap16();
    let text = this.highSurrogate + units.toString("utf16le");
    this.highSurrogate = "";
    const lastUnit = text.charCodeAt(text.length - 1);
    if (!last && lastUnit >= 0xd800 && lastUnit <= 0xdbff) {
      this.highSurrogate = text.slice(-1);
      text = text.slice(0, -1);
    }
    // An odd byte at the very end is half a code unit.
    if (last && bytes.length % 2 === 1) text += "\uFFFD";
    const lone = text.search(LONE_SURROGATE);
    const at = lone !== -1 ? lone : last && bytes.length % 2 === 1 ? text.length - 1 : -1;
    if (at !== -1) {
      this.noteInvalid(countLineBreaks(text.slice(0, at)));
      text = text.replace(LONE_SURROGATE, "\uFFFD");
    }
    this.lines += countLineBreaks(text);
    return text;
  }

  /** `breaksBefore`: line breaks in the text being decoded before the invalid sequence. */
  private noteInvalid(breaksBefore: number): void {
    this.invalid = true;
    this.firstInvalidLine ??= this.lines + breaksBefore + 1;
  }
}

/** The whole of `bytes` decoded at once (a WebDataset member, a test fixture). */
export function decodeBytes(bytes: Uint8Array): { text: string; decoder: DatasetTextDecoder } {
  const decoder = new DatasetTextDecoder();
  const text = decoder.decode(bytes) + decoder.end();
  return { text, decoder };
}

/**
 * Where the last whole UTF-8 character of `bytes` ends: a lead byte near the end whose sequence
 * runs past it is kept for the next chunk. Anything else (stray continuation bytes) is left to
 * the validity check.
 */
function wholeUtf8Prefix(bytes: Buffer): number {
  for (let i = bytes.length - 1; i >= Math.max(0, bytes.length - 4); i--) {
    const byte = bytes[i] as number;
    if ((byte & 0xc0) === 0x80) continue;
    const length = byte >= 0xf0 ? 4 : byte >= 0xe0 ? 3 : byte >= 0xc0 ? 2 : 1;
    return i + length > bytes.length ? i : bytes.length;
  }
  return bytes.length;
}

/** Line breaks before the first line of `bytes` that is not valid UTF-8 (0x0A is never inside a sequence). */
function firstInvalidUtf8Line(bytes: Buffer): number {
  let breaks = 0;
  let start = 0;
  for (;;) {
    const end = bytes.indexOf(0x0a, start);
    if (!isUtf8(bytes.subarray(start, end === -1 ? bytes.length : end))) return breaks;
    if (end === -1) return breaks;
    breaks++;
    start = end + 1;
  }
}

function countLineBreaks(text: string): number {
  let count = 0;
  for (let i = text.indexOf("\n"); i !== -1; i = text.indexOf("\n", i + 1)) count++;
  return count;
}
