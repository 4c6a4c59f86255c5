/**
 * Scanners that find where records of a CSV file or elements of a JSON array end, from the raw
 * bytes, in one streaming pass: the sparse index that lets the custom backend read such a file
 * in blocks (see block-plan.ts). Both work on ASCII-compatible bytes (UTF-8, with or without a
 * byte-order mark); a UTF-16 file is never scanned (it is streamed instead). They keep one
 * boundary per `blockBytes` of input, not one per record, so the index of a 5 GB file is a few
 * thousand numbers.
 */

const NEWLINE = 0x0a;

/** CSV parser states, as csv-parse moves between them with `relax_quotes` (see `feed`). */
enum Csv {
  FieldStart,
  Unquoted,
  Quoted,
  /** A quote inside a quoted field: the field's end, or the first of a doubled quote. */
  QuoteInQuoted,
}

/**
 * Record boundaries of a CSV file: byte offsets just after a newline that ends a record, at
 * least `blockBytes` apart. A newline ends a record unless it is inside a quoted field; a quote
 * opens a quoted field only at the start of a field (elsewhere it is text, as csv-parse reads
 * it with `relax_quotes`), and a doubled quote inside one is a literal quote (RFC 4180). A quote
 * never closed leaves every later newline inside the field, so the rest of the file is one
 * block, as the parser would read it as one (bad) record.
 */
export class CsvBoundaryScanner {
  /** Offset just after the first record that holds anything (the header), or null. */
  headerEnd: number | null = null;
  readonly boundaries: number[] = [];
  private state = Csv.FieldStart;
  private recordHasContent = false;
  private offset = 0;
  private nextBoundary: number;

  constructor(
    private readonly blockBytes: number,
    private readonly delimiter: number,
    private readonly quote = 0x22,
  ) {
    this.nextBoundary = blockBytes;
  }

  feed(chunk: Uint8Array): void {
    const { delimiter, quote } = this;
    let state = this.state;
    let content = this.recordHasContent;
    for (let i = 0; i < chunk.length; i++) {
      const byte = chunk[i] as number;
      switch (state) {
        case Csv.Quoted:
          if (byte === quote) state = Csv.QuoteInQuoted;
          continue;
        case Csv.QuoteInQuoted:
          if (byte === quote) {
            state = Csv.Quoted;
            continue;
          }
          break;
        case Csv.FieldStart:
          if (byte === quote) {
            state = Csv.Quoted;
            content = true;
            continue;
          }
          break;
        case Csv.Unquoted:
          break;
      }
      if (byte === NEWLINE) {
        state = Csv.FieldStart;
        const end = this.offset + i + 1;
        if (content && this.headerEnd === null) this.headerEnd = end;
        content = false;
        if (end >= this.nextBoundary && this.headerEnd !== null) {
          this.boundaries.push(end);
          this.nextBoundary = end + this.blockBytes;
        }
      } else if (byte === delimiter) {
        state = Csv.FieldStart;
        content = true;
      } else {
        state = Csv.Unquoted;
        // A record of only "\r" is an empty line to the parser (skip_empty_lines).
        if (byte !== 0x0d) content = true;
      }
    }
    this.state = state;
    this.recordHasContent = content;
    this.offset += chunk.length;
  }
}

/**
 * Element boundaries of a file holding one JSON array: the offsets of the commas between
 * top-level elements, at least `blockBytes` apart. Tracks strings (with escapes) and nesting
 * depth; `valid` says whether the bytes were one well-formed array as far as that can tell (an
 * opening `[`, brackets balanced, nothing but whitespace after the closing `]`). Anything else
 * is read whole, as before, so that the parser's own message reports it.
 */
export class JsonArrayScanner {
  readonly commas: number[] = [];
  private depth = 0;
  private inString = false;
  private escaped = false;
  private opened = false;
  private closed = false;
  private broken = false;
  private offset = 0;
  private nextBoundary: number;

  constructor(private readonly blockBytes: number) {
    this.nextBoundary = blockBytes;
  }

  get valid(): boolean {
    return this.opened && this.closed && !this.broken && !this.inString;
  }

  feed(chunk: Uint8Array): void {
    for (let i = 0; i < chunk.length; i++) {
      const byte = chunk[i] as number;
      if (this.inString) {
        if (this.escaped) this.escaped = false;
        else if (byte === 0x5c) this.escaped = true;
        else if (byte === 0x22) this.inString = false;
        continue;
      }
      if (this.closed) {
        if (!isJsonSpace(byte)) this.broken = true;
        continue;
      }
      if (!this.opened) {
        // A UTF-8 byte-order mark or whitespace may come first.
        if (byte === 0x5b) {
          this.opened = true;
          this.depth = 1;
        } else if (!isJsonSpace(byte) && !(this.offset + i < 3 && byte >= 0xbb)) {
          this.broken = true;
        }
        continue;
      }
      if (byte === 0x22) this.inString = true;
      else if (byte === 0x5b || byte === 0x7b) this.depth++;
      else if (byte === 0x5d || byte === 0x7d) {
        if (--this.depth === 0) this.closed = true;
      } else if (byte === 0x2c && this.depth === 1) {
        const at = this.offset + i;
        if (at >= this.nextBoundary) {
          this.commas.push(at);
          this.nextBoundary = at + this.blockBytes;
        }
      }
    }
    this.offset += chunk.length;
  }
}

function isJsonSpace(byte: number): boolean {
  return byte === 0x20 || byte === 0x0a || byte === 0x0d || byte === 0x09;
}
