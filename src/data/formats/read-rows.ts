import type { DatasetFile } from "./dataset-file.js";
import { readCsvRows } from "./read-csv.js";
import { readJsonlRowBlocks, readJsonlRows, readJsonRows } from "./read-json.js";
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

/** Rows handed on together by `readRowBlocks` for formats read row by row. */
const ROW_BLOCK = 256;

/**
 * `readRows`' rows in blocks, for readers that handle a block in a plain loop: JSON Lines a
 * chunk's lines at a time (`readJsonlRowBlocks`), other formats up to 256 rows at a time.
 */
export async function* readRowBlocks(
  file: DatasetFile,
  options: Partial<ReadOptions> = {},
): AsyncGenerator<RowResult[]> {
  if (file.format === "jsonl") {
    yield* readJsonlRowBlocks(file, { ...DEFAULT_READ_OPTIONS, ...options });
    return;
  }
  let block: RowResult[] = [];
  for await (const row of readRows(file, options)) {
    block.push(row);
    if (block.length === ROW_BLOCK) {
      yield block;
      block = [];
    }
  }
  if (block.length > 0) yield block;
}
