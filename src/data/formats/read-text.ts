import type { DatasetFile } from "./dataset-file.js";
import { checkEncoding } from "./encoding-errors.js";
import { linesOf, openText } from "./open-file.js";
import type { ReadOptions } from "./read-options.js";
import { type RowResult, sample } from "./rows.js";

/** `.txt` / `.md`: one sample per line; blank lines separate samples and are not rows. */
export async function* readTextRows(
  file: DatasetFile,
  options: Pick<ReadOptions, "encodingErrors">,
): AsyncGenerator<RowResult> {
  const { decoder, chunks } = openText(file, options.encodingErrors);
  for await (const line of linesOf(chunks)) {
    if (line.text.trim() === "") continue;
    yield checkEncoding(sample(line.text), decoder, options.encodingErrors, `line ${line.number}`);
  }
}
