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
 * split across chunks is completed by the next one); `end()` returns the rest. A decoder is
 * used either that way or line by line (`decodeLines`, `endLines`), not both.
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
  /** `decodeLines` on UTF-16 text: the start of a line whose end has not come yet. */
  private partialLine = "";
  /** `decodeLines` on UTF-8: the bytes of a line whose end has not come yet. */
  private partialBytes: Buffer[] = [];

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

  /**
   * Appends to `lines` the lines (`\n`-terminated, `\r\n` too, the terminator dropped) that
   * `chunk` completes: the lines `decode` would give, split as `linesOf` splits them. UTF-8 is
   * split on its bytes (0x0A is never inside a sequence) and decoded line by line: no string
   * of the whole chunk, which V8 decodes ~3x slower when it holds one character outside ASCII,
   * and one-byte strings for the lines that are ASCII. Invalid sequences are recorded as
   * `decode` records them.
   */
  decodeLines(chunk: Uint8Array, lines: string[]): void {
    let view = Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
    if (this.encoding === null) {
      const bytes = this.pending.length === 0 ? view : Buffer.concat([this.pending, view]);
      if (bytes.length < 4) {
        this.pending = bytes;
        return;
      }
      this.pending = Buffer.alloc(0);
      view = this.sniff(bytes);
    }
    if (this.encoding !== "UTF-8") this.splitText(this.decode(view), lines);
    else this.utf8Lines(view, lines);
  }

  /** After the last `decodeLines`: appends the last line, if the file does not end with one. */
  endLines(lines: string[]): void {
    if (this.encoding === null) this.pending = this.sniff(this.pending);
    if (this.encoding !== "UTF-8") {
      this.splitText(this.end(), lines);
      if (this.partialLine !== "") lines.push(stripCr(this.partialLine));
      this.partialLine = "";
      return;
    }
    // Bytes held back while the encoding was unknown may still hold whole lines.
    const rest = this.pending;
    this.pending = Buffer.alloc(0);
    this.utf8Lines(rest, lines);
    if (this.partialBytes.length > 0) {
      const last = Buffer.concat(this.partialBytes);
      this.partialBytes = [];
      this.utf8Line(last, 0, last.length, lines);
    }
  }

  /**
   * The lines of UTF-8 that `view` completes; the unfinished last one is kept in `partialBytes`
   * (a piece per chunk, joined once its end comes: a line longer than many chunks costs no
   * more than one).
   */
  private utf8Lines(view: Buffer, lines: string[]): void {
    const first = view.indexOf(0x0a);
    if (first === -1) {
      if (view.length > 0) this.partialBytes.push(view);
      return;
    }
    if (this.partialBytes.length === 0) this.utf8Line(view, 0, first, lines);
    else {
      const head = Buffer.concat([...this.partialBytes, view.subarray(0, first)]);
      this.partialBytes = [];
      this.utf8Line(head, 0, head.length, lines);
    }
    let start = first + 1;
    for (let end = view.indexOf(0x0a, start); end !== -1; end = view.indexOf(0x0a, start)) {
      this.utf8Line(view, start, end, lines);
      start = end + 1;
    }
    if (start < view.length) this.partialBytes.push(view.subarray(start));
  }

  /** One line of UTF-8, `bytes[start, end)` without its `\n`. */
  private utf8Line(bytes: Buffer, start: number, end: number, lines: string[]): void {
    const stop = end > start && bytes[end - 1] === 0x0d ? end - 1 : end;
    this.lines++;
    if (!isUtf8(bytes.subarray(start, stop))) {
      this.invalid = true;
      this.firstInvalidLine ??= this.lines;
    }
    lines.push(bytes.toString("utf8", start, stop));
  }

  /** Decoded UTF-16 text into lines, the unfinished last one kept for the next text. */
  private splitText(text: string, lines: string[]): void {
    let start = 0;
    for (let end = text.indexOf("\n"); end !== -1; end = text.indexOf("\n", start)) {
      const line = text.slice(start, end);
      lines.push(stripCr(start === 0 ? this.partialLine + line : line));
      if (start === 0) this.partialLine = "";
      start = end + 1;
    }
    this.partialLine += text.slice(start);
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

function stripCr(line: string): string {
  return line.endsWith("\r") ? line.slice(0, -1) : line;
}

function countLineBreaks(text: string): number {
  let count = 0;
  for (let i = text.indexOf("\n"); i !== -1; i = text.indexOf("\n", i + 1)) count++;
  return count;
}
