import { Readable } from "node:stream";
import { parse } from "csv-parse";
import { AiosError } from "../../core/errors.js";
import type { DatasetFile } from "./dataset-file.js";
import type { DatasetTextDecoder } from "./decode-text.js";
import { detectDelimiter } from "./detect-delimiter.js";
import { checkEncoding } from "./encoding-errors.js";
import { openText, readError } from "./open-file.js";
import { type ColumnGuess, findColumn, guessTextColumn } from "./pick-text.js";
import type { ReadOptions } from "./read-options.js";
import { emptyText, type RowResult, sample } from "./rows.js";

/** Rows read before guessing the text column by content. */
const GUESS_ROWS = 64;
/** Characters of text the delimiter is detected from (more if the header line is longer). */
const DETECT_CHARS = 64 * 1024;

interface CsvRecord {
  readonly fields: readonly string[];
  /** Line where the record ends (1-based); a quoted field may span lines. */
  readonly line: number;
}

/**
 * `.csv` / `.tsv` with a header row: the text of one column per record, streamed. The
 * delimiter is `--csv-delimiter`, else tab for `.tsv`, else detected from the first records
 * (see `detectDelimiter`; a comma when nothing splits the header). The column is
 * `--text-column`, else a guess (see `guessTextColumn`), announced through `notice` unless it
 * is the column named `text`. A record too short to have the column, or one the parser rejects
 * (a quote never closed), is a bad row; the file goes on.
 */
export async function* readCsvRows(
  file: DatasetFile,
  options: ReadOptions,
): AsyncGenerator<RowResult> {
  const { decoder, chunks } = openText(file, options.encodingErrors);
  try {
    const head = await readHead(chunks);
    const delimiter = csvDelimiter(file, options, head);
    const rejected: number[] = [];
    const records = csvRecords(
      file,
      prepend(head.text, chunks),
      delimiter,
      options.csv?.quote ?? '"',
      (line) => rejected.push(line),
    );
    try {
      yield* csvRows(file, options, delimiter, decoder, records, rejected);
    } finally {
      await records.return(undefined);
    }
  } finally {
    // Also when the consumer stops early: close the file.
    await chunks.return(undefined);
  }
}

function csvDelimiter(
  file: DatasetFile,
  options: ReadOptions,
  head: { text: string; complete: boolean },
): string {
  if (options.csvDelimiter !== null) return options.csvDelimiter;
  if (file.format === "tsv") return "\t";
  const detected = detectDelimiter(head.text, head.complete) ?? ",";
  if (detected !== ",") {
    const shown = detected === "\t" ? "tab" : JSON.stringify(detected);
    options.notice(
      `csv delimiter ${detected}`,
      `${file.path}: fields are separated by ${shown} (detected from the first rows); pass --csv-delimiter to set another`,
    );
  }
  return detected;
}

/** The first `DETECT_CHARS` of text, and at least one whole line, or the whole file. */
async function readHead(
  chunks: AsyncGenerator<string>,
): Promise<{ text: string; complete: boolean }> {
  let text = "";
  for (;;) {
    if (text.length >= DETECT_CHARS && text.includes("\n")) return { text, complete: false };
    // Manual next(): a `for await` with `break` would close `chunks` for good.
    const next = await chunks.next();
    if (next.done) return { text, complete: true };
    text += next.value;
  }
}

async function* csvRows(
  file: DatasetFile,
  options: ReadOptions,
  delimiter: string,
  decoder: DatasetTextDecoder,
  records: AsyncGenerator<CsvRecord>,
  rejected: number[],
): AsyncGenerator<RowResult> {
  const read = await readHeader(records, options.csv);
  if (read === null) return;
  const { header } = read;

  const rejections = function* (): Generator<RowResult> {
    for (const line of rejected.splice(0)) {
      yield { kind: "bad", reason: "malformed CSV record", where: `line ${line}` };
    }
  };

  // Records read to guess the column (or to size a header-less file) are replayed below.
  const lookahead: CsvRecord[] = read.data === null ? [] : [read.data];
  let column: number;
  if (options.textColumn !== null) {
    const found = findColumn(header, options.textColumn);
    if (found === null) throw missingColumn(file, header, options);
    column = found;
  } else {
    let guess = guessTextColumn(header, []);
    if (guess === null) {
      // Manual next(): a `for await` with `break` would close `records` for good.
      while (lookahead.length < GUESS_ROWS) {
        const next = await records.next();
        if (next.done) break;
        lookahead.push(next.value);
      }
      // No good record to guess from: nothing to read, whatever the column.
      if (lookahead.length === 0) {
        yield* rejections();
        return;
      }
      guess = guessTextColumn(
        header,
        lookahead.map((record) => record.fields),
      );
      if (guess === null) throw unguessableColumn(file, header, options);
    }
    announceGuess(file, header, guess, options);
    column = guess.index;
  }

  const name = header[column] ?? String(column);
  options.onCsvSettled?.({ delimiter, column: name });
  const missing = new Set(options.csv?.naValues ?? []);
  const rowOf = (record: CsvRecord): RowResult => {
    const value = record.fields[column];
    const where = `line ${record.line}`;
    if (value === undefined) {
      const detail = `no value for column "${name}" (${record.fields.length} fields)`;
      return { kind: "bad", reason: "missing column", where, detail };
    }
    if (value.trim() === "" || missing.has(value)) return emptyText;
    return checkEncoding(sample(value), decoder, options.encodingErrors, where);
  };

  for (const record of lookahead) yield rowOf(record);
  // The guess may have stopped mid-file: `records` continues where it left off.
  for await (const record of records) {
    yield* rejections();
    yield rowOf(record);
  }
  yield* rejections();
}

/**
 * The column names, as pandas' `read_csv(header=, names=)` finds them: the first record by
 * default; with `dialect.header` N, record N (the records before it are dropped); with
 * `dialect.names`, those names, and every record is data unless a header row is named (it is
 * then dropped); with `header` null and no names, "0", "1", ... Null for a file without records.
 */
async function readHeader(
  records: AsyncGenerator<CsvRecord>,
  dialect: ReadOptions["csv"],
): Promise<{ header: readonly string[]; data: CsvRecord | null } | null> {
  const names = dialect?.names ?? null;
  const header = dialect === undefined ? "infer" : dialect.header;
  const row = header === "infer" ? (names === null ? 0 : null) : header;
  if (row === null) {
    if (names !== null) return { header: names, data: null };
    // Columns numbered as pandas numbers them; the first record's width says how many.
    const first = await records.next();
    if (first.done) return null;
    return { header: first.value.fields.map((_, i) => String(i)), data: first.value };
  }
  for (let skipped = 0; skipped < row; skipped++) {
    if ((await records.next()).done) return null;
  }
  const first = await records.next();
  if (first.done) return null;
  return { header: names ?? first.value.fields, data: null };
}

/** Says which column a run trains on when the user did not name one (silent for `text`). */
function announceGuess(
  file: DatasetFile,
  header: readonly string[],
  guess: ColumnGuess,
  options: ReadOptions,
): void {
  const name = header[guess.index] ?? String(guess.index);
  if (name.trim().toLowerCase() === "text") return;
  const why =
    guess.by === "name"
      ? "a well-known name for text"
      : "guessed: the longest text among its columns";
  options.notice(
    `csv column ${name} by ${guess.by}`,
    `${file.path}: training on column ${JSON.stringify(name)} (${why}; columns: ${listColumns(header)}); pass ${options.textColumnFlag} NAME to choose another`,
  );
}

/** Records as string arrays with their line numbers; `onReject` gets the line of each rejected one. */
async function* csvRecords(
  file: DatasetFile,
  text: AsyncIterable<string>,
  delimiter: string,
  quote: string,
  onReject: (line: number) => void,
): AsyncGenerator<CsvRecord> {
  const source = Readable.from(text);
  let lastRejected = -1;
  const parser = parse({
    delimiter,
    quote,
    // pandas reads a doubled quote char inside quotes as one (doublequote=True), whatever it is.
    escape: quote,
    info: true,
    // Short or long records are kept so that a missing text column is counted, not fatal.
    relax_column_count: true,
    // A stray quote inside a field (`5,he said "hi"`) is kept as text: without this the parser
    // rejects the record and loses its place, dropping good records after it as well.
    relax_quotes: true,
    skip_empty_lines: true,
    skip_records_with_error: true,
    on_skip: (error) => {
      const line = typeof error?.lines === "number" ? error.lines : 0;
      // One broken record can raise two errors (bad quote, then unclosed quote) on one line.
      if (line !== lastRejected) onReject(line);
      lastRejected = line;
      return undefined;
    },
  });
  source.on("error", (error) => parser.destroy(error));
  source.pipe(parser);
  try {
    for await (const item of parser as AsyncIterable<unknown>) {
      yield toRecord(item);
    }
  } catch (error) {
    throw readError(file, error);
  } finally {
    source.destroy();
    parser.destroy();
  }
}

/** csv-parse with `info: true` emits `{ record: string[], info: { lines } }`. */
function toRecord(item: unknown): CsvRecord {
  const { record, info } = item as { record: string[]; info: { lines: number } };
  return { fields: record, line: info.lines };
}

/** `first`, then the rest of `rest` (which is closed by its owner, not here). */
async function* prepend(first: string, rest: AsyncIterator<string>): AsyncGenerator<string> {
  if (first !== "") yield first;
  for (let next = await rest.next(); !next.done; next = await rest.next()) yield next.value;
}

function missingColumn(
  file: DatasetFile,
  header: readonly string[],
  options: ReadOptions,
): AiosError {
  return new AiosError(
    "CONFIG_INVALID",
    `${options.textColumnFlag} "${options.textColumn}" is not a column of ${file.path}; its columns are: ${listColumns(header)}`,
    {
      hint: `pass ${options.textColumnFlag} with one of those names (or leave it out to guess); if the names look glued together, set the delimiter with --csv-delimiter`,
    },
  );
}

function unguessableColumn(
  file: DatasetFile,
  header: readonly string[],
  options: ReadOptions,
): AiosError {
  return new AiosError(
    "CONFIG_INVALID",
    `cannot tell which column of ${file.path} holds the text; its columns are: ${listColumns(header)}`,
    { hint: `pass ${options.textColumnFlag} NAME` },
  );
}

function listColumns(header: readonly string[]): string {
  if (header.length === 0) return "(none)";
  const shown = header.slice(0, 12).map((name) => JSON.stringify(name));
  return header.length > shown.length
    ? `${shown.join(", ")} and ${header.length - shown.length} more`
    : shown.join(", ");
}
