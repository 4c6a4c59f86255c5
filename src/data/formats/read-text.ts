import type { DatasetFile } from "./dataset-file.js";
import { checkEncoding } from "./encoding-errors.js";
import { linesOf, openText } from "./open-file.js";
import type { ReadOptions, TextSampling } from "./read-options.js";
import { emptyText, type RowResult, sample } from "./rows.js";

/**
 * `.txt` / `.md`: one sample per line; blank lines separate samples and are not rows. With
 * `options.text` (the hf backend), rows are cut as `datasets`' text builder cuts them (see
 * `readSampledText`).
 */
export async function* readTextRows(
  file: DatasetFile,
  options: Pick<ReadOptions, "encodingErrors" | "text">,
): AsyncGenerator<RowResult> {
  if (options.text !== undefined) {
    yield* readSampledText(file, options.text, options);
    return;
  }
  const { decoder, chunks } = openText(file, options.encodingErrors);
  for await (const line of linesOf(chunks)) {
    if (line.text.trim() === "") continue;
    yield checkEncoding(sample(line.text), decoder, options.encodingErrors, `line ${line.number}`);
  }
}

/**
 * Rows of a text file as `datasets`' text builder (`packaged_modules/text/text.py`) makes them,
 * after Python's universal newlines (`\r\n` and `\r` read as `\n`): `line` gives every line (a
 * last line without `\n` too), its `\n` kept only with `keepLinebreaks`; `paragraph` the text
 * between `\n\n` separators, empty pieces dropped; `document` the whole file. Rows whose text
 * is empty or blank are counted as `empty text`, so that rows are counted as `datasets` counts
 * them.
 */
async function* readSampledText(
  file: DatasetFile,
  sampling: TextSampling,
  options: Pick<ReadOptions, "encodingErrors">,
): AsyncGenerator<RowResult> {
  const { decoder, chunks } = openText(file, options.encodingErrors);
  const row = (text: string, where: string): RowResult =>
    text.trim() === ""
      ? emptyText
      : checkEncoding(sample(text), decoder, options.encodingErrors, where);
  const normalized = universalNewlines(chunks);
  if (sampling.sampleBy === "document") {
    const parts: string[] = [];
    for await (const chunk of normalized) parts.push(chunk);
    yield row(parts.join(""), "the file");
    return;
  }
  if (sampling.sampleBy === "paragraph") {
    let pending = "";
    let number = 0;
    for await (const chunk of normalized) {
      const pieces = (pending + chunk).split("\n\n");
      pending = pieces.pop() ?? "";
      for (const piece of pieces) if (piece !== "") yield row(piece, `paragraph ${++number}`);
    }
    if (pending !== "") yield row(pending, `paragraph ${++number}`);
    return;
  }
  let pending = "";
  let number = 0;
  const end = sampling.keepLinebreaks ? 1 : 0;
  for await (const chunk of normalized) {
    let start = 0;
    for (let at = chunk.indexOf("\n"); at !== -1; at = chunk.indexOf("\n", start)) {
      const text = pending + chunk.slice(start, at + end);
      pending = "";
      yield row(text, `line ${++number}`);
      start = at + 1;
    }
    pending += chunk.slice(start);
  }
  if (pending !== "") yield row(pending, `line ${++number}`);
}

/** Decoded chunks with `\r\n` and lone `\r` turned into `\n`, a `\r` at a chunk's end held back. */
async function* universalNewlines(chunks: AsyncIterable<string>): AsyncGenerator<string> {
  let heldCr = false;
  for await (const raw of chunks) {
    let text: string = heldCr ? `\r${raw}` : raw;
    heldCr = text.endsWith("\r");
    if (heldCr) text = text.slice(0, -1);
    if (text !== "") yield text.replace(/\r\n?/g, "\n");
  }
  if (heldCr) yield "\n";
}
