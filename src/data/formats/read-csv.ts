import { parse } from "csv-parse";
import { AiosError } from "../../core/errors.js";
import type { DatasetFile } from "./dataset-file.js";
import { openBytes, readError } from "./open-file.js";
import { findColumn, guessTextColumn } from "./pick-text.js";
import { emptyText, type RowResult, sample } from "./rows.js";

/** Rows read before guessing the text column by content. */
const GUESS_ROWS = 64;

interface CsvRecord {
  readonly fields: readonly string[];
  /** Line where the record ends (1-based); a quoted field may span lines. */
  readonly line: number;
}

/**
 * `.csv` with a header row: the text of one column per record, streamed. The column is
 * `--text-column`, else a guess (see `guessTextColumn`). A record too short to have the
 * column, or one the parser rejects (a quote never closed), is a bad row; the file goes on.
 */
export async function* readCsvRows(
  file: DatasetFile,
  textColumn: string | null,
): AsyncGenerator<RowResult> {
  const rejected: number[] = [];
  const records = csvRecords(file, (line) => rejected.push(line));
  try {
    yield* csvRows(file, textColumn, records, rejected);
  } finally {
    // Also when the consumer stops early: close the file.
    await records.return(undefined);
  }
}

async function* csvRows(
  file: DatasetFile,
  textColumn: string | null,
  records: AsyncGenerator<CsvRecord>,
  rejected: number[],
): AsyncGenerator<RowResult> {
  const first = await records.next();
  if (first.done) return;
  const header = first.value.fields;

  const rejections = function* (): Generator<RowResult> {
    for (const line of rejected.splice(0)) {
      yield { kind: "bad", reason: "malformed CSV record", where: `line ${line}` };
    }
  };

  // Records read to guess the column are replayed below, so none is lost.
  const lookahead: CsvRecord[] = [];
  let column: number | null;
  if (textColumn !== null) {
    column = findColumn(header, textColumn);
    if (column === null) throw missingColumn(file, header, textColumn);
  } else {
    column = guessTextColumn(header, []);
    if (column === null) {
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
      column = guessTextColumn(
        header,
        lookahead.map((record) => record.fields),
      );
      if (column === null) throw unguessableColumn(file, header);
    }
  }

  const name = header[column] ?? String(column);
  const rowOf = (record: CsvRecord): RowResult => {
    const value = record.fields[column];
    if (value === undefined) {
      const detail = `no value for column "${name}" (${record.fields.length} fields)`;
      return { kind: "bad", reason: "missing column", where: `line ${record.line}`, detail };
    }
    return value.trim() === "" ? emptyText : sample(value);
  };

  for (const record of lookahead) yield rowOf(record);
  // The guess may have stopped mid-file: `records` continues where it left off.
  for await (const record of records) {
    yield* rejections();
    yield rowOf(record);
  }
  yield* rejections();
}

/** Records as string arrays with their line numbers; `onReject` gets the line of each rejected one. */
async function* csvRecords(
  file: DatasetFile,
  onReject: (line: number) => void,
): AsyncGenerator<CsvRecord> {
  const bytes = openBytes(file);
  let lastRejected = -1;
  const parser = parse({
    bom: true,
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
  bytes.on("error", (error) => parser.destroy(error));
  bytes.pipe(parser);
  try {
    for await (const item of parser as AsyncIterable<unknown>) {
      yield toRecord(item);
    }
  } catch (error) {
    throw readError(file, error);
  } finally {
    bytes.destroy();
    parser.destroy();
  }
}

/** csv-parse with `info: true` emits `{ record: string[], info: { lines } }`. */
function toRecord(item: unknown): CsvRecord {
  const { record, info } = item as { record: string[]; info: { lines: number } };
  return { fields: record, line: info.lines };
}

function missingColumn(file: DatasetFile, header: readonly string[], name: string): AiosError {
  return new AiosError(
    "CONFIG_INVALID",
    `--text-column "${name}" is not a column of ${file.path}; its columns are: ${listColumns(header)}`,
    { hint: "pass --text-column with one of those names (or leave it out to guess)" },
  );
}

function unguessableColumn(file: DatasetFile, header: readonly string[]): AiosError {
  return new AiosError(
    "CONFIG_INVALID",
    `cannot tell which column of ${file.path} holds the text; its columns are: ${listColumns(header)}`,
    { hint: "pass --text-column NAME" },
  );
}

function listColumns(header: readonly string[]): string {
  return header.length === 0 ? "(none)" : header.map((name) => JSON.stringify(name)).join(", ");
}
