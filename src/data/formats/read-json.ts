import type { DatasetFile } from "./dataset-file.js";
import type { DatasetTextDecoder } from "./decode-text.js";
import { checkEncoding } from "./encoding-errors.js";
import {
  errorMessage,
  linesOf,
  openLines,
  openText,
  readWholeText,
  type TextLine,
} from "./open-file.js";
import { pickJsonText, usesWholeRow } from "./pick-text.js";
import type { ReadOptions } from "./read-options.js";
import type { RowResult } from "./rows.js";

/** `.jsonl`: one JSON value per line, streamed; a line that does not parse is a bad row. */
export async function* readJsonlRows(
  file: DatasetFile,
  options: ReadOptions,
): AsyncGenerator<RowResult> {
  for await (const rows of readJsonlRowBlocks(file, options)) yield* rows;
}

/**
 * `readJsonlRows`' rows, in blocks (the lines of one chunk read): one generator hop per block
 * rather than per row, for readers that handle a block in a plain loop.
 */
export async function* readJsonlRowBlocks(
  file: DatasetFile,
  options: ReadOptions,
): AsyncGenerator<RowResult[]> {
  const { decoder, batches } = openLines(file, options.encodingErrors);
  const rowOf = rowReader(file, decoder, options);
  for await (const { first, lines } of batches) {
    const rows: RowResult[] = [];
    for (let i = 0; i < lines.length; i++) {
      const row = jsonLineRow(lines[i] as string, first + i, rowOf);
      if (row !== null) rows.push(row);
    }
    if (rows.length > 0) yield rows;
  }
}

/** One line of JSON Lines as a row; null for a blank line, which is no row. */
function jsonLineRow(
  text: string,
  number: number,
  rowOf: (row: unknown, where: string) => RowResult,
): RowResult | null {
  if (text.trim() === "") return null;
  const where = `line ${number}`;
  let row: unknown;
  try {
    row = JSON.parse(text);
  } catch (error) {
    return { kind: "bad", reason: "malformed JSON", where, detail: errorMessage(error) };
  }
  return rowOf(row, where);
}

/**
 * `.json`, decided by content, as Python's `datasets` reads it: a file whose first
 * non-whitespace character is `[` is one array of rows (objects or strings), read whole because
 * JSON.parse cannot stream (so limited to what fits in one string, about 500 MB in V8); a file
 * whose first non-blank line is a JSON value by itself is JSON Lines (what `to_json` and many
 * tools write), streamed like `.jsonl`; anything else is parsed whole and must be an array.
 */
export async function* readJsonRows(
  file: DatasetFile,
  options: ReadOptions,
): AsyncGenerator<RowResult> {
  if (options.jsonField !== undefined && options.jsonField !== null) {
    const whole = await readWholeText(file, options.encodingErrors);
    yield* fieldRows(file, whole.text, options.jsonField, whole.decoder, options);
    return;
  }
  const { decoder, chunks } = openText(file, options.encodingErrors);
  let jsonLines = false;
  try {
    const head: string[] = [];
    let opening = "";
    // Manual next(): a `for await` with `break` would close `chunks` for good.
    for (let next = await chunks.next(); !next.done; next = await chunks.next()) {
      head.push(next.value);
      opening = /\S/.exec(next.value)?.[0] ?? "";
      if (opening !== "") break;
    }
    if (opening === "") return;
    if (opening === "[") {
      for await (const chunk of chunks) head.push(chunk);
      yield* documentRows(file, head.join(""), decoder, options);
      return;
    }
    const lines = linesOf(prepend(head, chunks));
    let first = await lines.next();
    while (!first.done && first.value.text.trim() === "") first = await lines.next();
    jsonLines = !first.done && parsesAsJson(first.value.text);
    if (jsonLines && !first.done) {
      yield* jsonLineRows(file, prepend([first.value], lines), decoder, options);
    }
  } finally {
    // Also when the consumer stops early: close the file.
    await chunks.return(undefined);
  }
  if (jsonLines) return;
  // Not JSON Lines (a pretty-printed object, a syntax error): read again, whole, for the
  // parser's own message about it.
  const whole = await readWholeText(file, options.encodingErrors);
  yield* documentRows(file, whole.text, whole.decoder, options);
}

async function* jsonLineRows(
  file: DatasetFile,
  lines: AsyncIterable<TextLine>,
  decoder: DatasetTextDecoder,
  options: ReadOptions,
): AsyncGenerator<RowResult> {
  const rowOf = rowReader(file, decoder, options);
  for await (const line of lines) {
    const row = jsonLineRow(line.text, line.number, rowOf);
    if (row !== null) yield row;
  }
}

function* documentRows(
  file: DatasetFile,
  text: string,
  decoder: DatasetTextDecoder,
  options: ReadOptions,
): Generator<RowResult> {
  let rows: unknown;
  try {
    rows = JSON.parse(text);
  } catch (error) {
    if (!(error instanceof SyntaxError)) throw error;
    yield { kind: "bad", reason: "malformed JSON", where: "the file", detail: error.message };
    return;
  }
  if (!Array.isArray(rows)) {
    const got = rows === null ? "null" : typeof rows;
    yield {
      kind: "bad",
      reason: "not a JSON array",
      where: "the file",
      detail: `top level is ${got}; a .json file holds one array of rows, or one JSON value per line`,
    };
    return;
  }
  const rowOf = rowReader(file, decoder, options);
  for (const [index, row] of rows.entries()) {
    yield rowOf(row, `element ${index}`);
  }
}

/**
 * `datasets`' json `field`: the file is one object and `object[field]` holds the rows, a list
 * (of objects, or of strings, which are the rows' text) or columns (an object of equal-length
 * lists, as pandas reads one). A file that is not such an object is one bad row.
 */
function* fieldRows(
  file: DatasetFile,
  text: string,
  field: string,
  decoder: DatasetTextDecoder,
  options: ReadOptions,
): Generator<RowResult> {
  let document: unknown;
  try {
    document = JSON.parse(text);
  } catch (error) {
    if (!(error instanceof SyntaxError)) throw error;
    yield { kind: "bad", reason: "malformed JSON", where: "the file", detail: error.message };
    return;
  }
  const held =
    typeof document === "object" && document !== null && !Array.isArray(document)
      ? (document as Record<string, unknown>)[field]
      : undefined;
  const rowOf = rowReader(file, decoder, options);
  if (Array.isArray(held)) {
    for (const [index, row] of held.entries()) yield rowOf(row, `${field}[${index}]`);
    return;
  }
  const columns = typeof held === "object" && held !== null ? Object.entries(held) : [];
  if (columns.length > 0 && columns.every(([, values]) => Array.isArray(values))) {
    const length = Math.max(0, ...columns.map(([, values]) => (values as unknown[]).length));
    for (let index = 0; index < length; index++) {
      const row = Object.fromEntries(
        columns.map(([name, values]) => [name, (values as unknown[])[index] ?? null]),
      );
      yield rowOf(row, `${field}[${index}]`);
    }
    return;
  }
  yield {
    kind: "bad",
    reason: "missing column",
    where: "the file",
    detail: `no list of rows under the top-level field "${field}"`,
  };
}

/** The text of each row of one file; the first trained on as its whole JSON is announced. */
function rowReader(
  file: DatasetFile,
  decoder: DatasetTextDecoder,
  options: ReadOptions,
): (row: unknown, where: string) => RowResult {
  let announced = false;
  return (row, where) => {
    if (!announced && usesWholeRow(row, options.textColumn)) {
      announced = true;
      const fields =
        typeof row === "object" && row !== null && !Array.isArray(row)
          ? ` (its fields: ${Object.keys(row)
              .slice(0, 10)
              .map((name) => JSON.stringify(name))
              .join(", ")})`
          : "";
      options.notice(
        "json whole row",
        `${file.path} ${where} has no "text" or "content" field${fields}: such rows are trained on as their whole JSON; pass ${options.textColumnFlag} NAME to train on one field`,
      );
    }
    const picked = pickJsonText(row, options.textColumn, where);
    return checkEncoding(picked, decoder, options.encodingErrors, where);
  };
}

/**
 * Whether `text` is one JSON value by itself: the test that makes a `.json` file whose first
 * non-blank line passes it JSON Lines (here and in custom/block-plan.ts).
 */
export function parsesAsJson(text: string): boolean {
  try {
    JSON.parse(text);
    return true;
  } catch {
    return false;
  }
}

/** `items`, then the rest of `rest` (which is not closed when the consumer stops early). */
async function* prepend<T>(items: readonly T[], rest: AsyncIterator<T>): AsyncGenerator<T> {
  yield* items;
  for (let next = await rest.next(); !next.done; next = await rest.next()) yield next.value;
}
