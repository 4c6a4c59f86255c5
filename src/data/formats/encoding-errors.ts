import { AiosError } from "../../core/errors.js";
import type { DatasetTextDecoder } from "./decode-text.js";
import type { RowResult } from "./rows.js";

/**
 * What a row touched by bytes that are not valid in its file's encoding becomes
 * (`--encoding-errors`): `skip` counts it as a bad row and drops it, `replace` keeps it with
 * U+FFFD in place of those bytes and counts it as repaired, `strict` stops the run at the first
 * such byte. The names follow Python's `errors=` and pandas' `encoding_errors`.
 */
export type EncodingErrors = "skip" | "replace" | "strict";

/**
 * Applies `--encoding-errors` to a row of a file read by `decoder`: a sample whose text holds
 * U+FFFD while its file has shown invalid bytes is a touched row (a U+FFFD the file really
 * holds, in a file that also has invalid bytes, is counted too: the rule cannot tell them
 * apart in a CSV record or a JSON array, and errs towards reporting). Other rows pass unchanged.
 */
export function checkEncoding(
  row: RowResult,
  decoder: DatasetTextDecoder,
  mode: EncodingErrors,
  where: string,
): RowResult {
  if (row.kind !== "sample" || !decoder.invalid || !row.text.includes("\uFFFD")) return row;
  const reason = `invalid ${decoder.encoding ?? "UTF-8"}` as const;
  if (mode === "replace") return { kind: "sample", text: row.text, repaired: { reason, where } };
  return { kind: "bad", reason, where };
}

/** The error of `--encoding-errors strict`: the file and the line of the first invalid byte. */
export function invalidEncodingError(path: string, decoder: DatasetTextDecoder): AiosError {
  const encoding = decoder.encoding ?? "UTF-8";
  return new AiosError(
    "DATASET_ENCODING",
    `${path} line ${decoder.firstInvalidLine ?? 1} holds bytes that are not valid ${encoding}`,
    {
      hint: `convert the file to UTF-8 (e.g. iconv -f WINDOWS-1252 -t UTF-8), or pass --encoding-errors skip to count and drop the rows they touch, or replace to keep them with U+FFFD`,
    },
  );
}
