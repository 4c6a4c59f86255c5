import type { DatasetFile } from "./dataset-file.js";
import { readLines } from "./open-file.js";
import { type RowResult, sample } from "./rows.js";

/** `.txt` / `.md`: one sample per line; blank lines separate samples and are not rows. */
export async function* readTextRows(file: DatasetFile): AsyncGenerator<RowResult> {
  for await (const line of readLines(file)) {
    if (line.trim() !== "") yield sample(line);
  }
}
