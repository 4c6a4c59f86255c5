import type { DatasetFile } from "./dataset-file.js";
import { readCsvRows } from "./read-csv.js";
import { readJsonlRows, readJsonRows } from "./read-json.js";
import { DEFAULT_READ_OPTIONS, type ReadOptions } from "./read-options.js";
import { readTextRows } from "./read-text.js";
import type { RowResult } from "./rows.js";

/** The rows of one dataset file, by its format. */
export function readRows(
  file: DatasetFile,
  options: Partial<ReadOptions> = {},
): AsyncGenerator<RowResult> {
  const read: ReadOptions = { ...DEFAULT_READ_OPTIONS, ...options };
  switch (file.format) {
    case "text":
      return readTextRows(file, read);
    case "csv":
    case "tsv":
      return readCsvRows(file, read);
    case "jsonl":
      return readJsonlRows(file, read);
    case "json":
      return readJsonRows(file, read);
  }
}
