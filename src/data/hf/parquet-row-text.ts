import type { SchemaTree } from "hyparquet";
import { AiosError } from "../../core/errors.js";
import type { EncodingErrors } from "../formats/encoding-errors.js";
import { pickJsonText, TEXT_FIELDS } from "../formats/pick-text.js";
import { type RowResult, sample } from "../formats/rows.js";
import { InvalidUtf8, ParquetValueError, rowJson } from "./parquet-json.js";

export interface ParquetRowTextOptions {
  /** `--hf-text-field`; null for `text`, else `content`, else the whole row. */
  readonly textField: string | null;
  readonly encodingErrors: EncodingErrors;
  /** Names the file in errors. */
  readonly file: string;
}

/**
 * A parquet row's text (rows as `parquetRowGroups` reads them): its text column, where a value
 * that is not a string is a bad row (`non-string value`, the rule of JSON rows); or, in a file
 * without one, the whole row as exact JSON (`rowJson`, docs/DATA.md). A string whose bytes are
 * not UTF-8 touches its row, which `--encoding-errors` drops (`invalid UTF-8`), keeps with
 * U+FFFD (repaired) or refuses (exit 2, `DATASET_ENCODING`), as in every other reader.
 */
export function parquetRowText(
  row: Readonly<Record<string, unknown>>,
  schema: SchemaTree,
  index: number,
  options: ParquetRowTextOptions,
): RowResult {
  const where = `row ${index}`;
  const column = options.textField ?? TEXT_FIELDS.find((field) => field in row);
  if (column !== undefined) {
    const value = row[column];
    return value instanceof InvalidUtf8
      ? touched(value.text, where, options)
      : pickJsonText(row, options.textField, where);
  }
  try {
    const { json, invalidUtf8 } = rowJson(row, schema);
    return invalidUtf8 ? touched(json, where, options) : sample(json);
  } catch (error) {
    if (!(error instanceof ParquetValueError)) throw error;
    const detail = `column "${error.column}": ${error.message}`;
    return { kind: "bad", reason: "malformed JSON", where, detail };
  }
}

/** A row holding a string that was not UTF-8 (`text` has U+FFFD in its place), by `--encoding-errors`. */
function touched(text: string, where: string, options: ParquetRowTextOptions): RowResult {
  const reason = "invalid UTF-8";
  if (options.encodingErrors === "replace")
    return { kind: "sample", text, repaired: { reason, where } };
  if (options.encodingErrors === "skip") return { kind: "bad", reason, where };
  throw new AiosError(
    "DATASET_ENCODING",
    `${options.file} ${where} holds a string whose bytes are not valid UTF-8`,
    {
      hint: "fix the file's strings, or pass --encoding-errors skip to count and drop the rows they touch, or replace to keep them with U+FFFD",
    },
  );
}
