import type { DatasetFile } from "./dataset-file.js";
import { errorMessage, readLines, readWholeText } from "./open-file.js";
import { pickJsonText } from "./pick-text.js";
import type { RowResult } from "./rows.js";

/** `.jsonl`: one JSON value per line, streamed; a line that does not parse is a bad row. */
export async function* readJsonlRows(
  file: DatasetFile,
  textColumn: string | null,
): AsyncGenerator<RowResult> {
  let lineNumber = 0;
  for await (const line of readLines(file)) {
    lineNumber++;
    if (line.trim() === "") continue;
    const where = `line ${lineNumber}`;
    let row: unknown;
    try {
      row = JSON.parse(line);
    } catch (error) {
      yield { kind: "bad", reason: "malformed JSON", where, detail: errorMessage(error) };
      continue;
    }
    yield pickJsonText(row, textColumn, where);
  }
}

/**
 * `.json`: one array of rows (objects or strings), read whole because JSON.parse cannot stream;
 * a JSON file is therefore limited to what fits in one string (about 500 MB in V8).
 */
export async function* readJsonRows(
  file: DatasetFile,
  textColumn: string | null,
): AsyncGenerator<RowResult> {
  let rows: unknown;
  try {
    rows = JSON.parse(await readWholeText(file));
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
      detail: `top level is ${got}`,
    };
    return;
  }
  for (const [index, row] of rows.entries()) {
    yield pickJsonText(row, textColumn, `element ${index}`);
  }
}
