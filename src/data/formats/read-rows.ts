import type { DatasetFile } from "./dataset-file.js";
import { readCsvRows } from "./read-csv.js";
import { readJsonlRows, readJsonRows } from "./read-json.js";
import { readTextRows } from "./read-text.js";
import type { RowResult } from "./rows.js";

/** The rows of one dataset file, by its format. */
export function readRows(file: DatasetFile, textColumn: string | null): AsyncGenerator<RowResult> {
  switch (file.format) {
    case "text":
      return readTextRows(file);
    case "csv":
      return readCsvRows(file, textColumn);
    case "jsonl":
      return readJsonlRows(file, textColumn);
    case "json":
      return readJsonRows(file, textColumn);
  }
}
