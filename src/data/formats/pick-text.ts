import { emptyText, type RowResult, sample } from "./rows.js";

/**
 * Fields that hold a JSON or parquet row's text when no text column is named, in order of
 * preference. One rule for every backend: the custom, hf and webdataset readers all use it.
 */
export const TEXT_FIELDS: readonly string[] = ["text", "content"];

/**
 * The text of one JSON row (a `.jsonl` line or a `.json` array element). With `--text-column`
 * the row must be an object holding that field as a string. Without it: a string row is the
 * text; an object's `text` field, else its `content` field; anything else is used as its JSON,
 * so that no row is silently lost.
 */
export function pickJsonText(row: unknown, textColumn: string | null, where: string): RowResult {
  if (textColumn !== null) {
    if (!isRecord(row) || !(textColumn in row))
      return { kind: "bad", reason: "missing column", where, detail: `no field "${textColumn}"` };
    return fieldText(row[textColumn], textColumn, where);
  }
  if (typeof row === "string") return row.trim() === "" ? emptyText : sample(row);
  if (isRecord(row)) {
    const field = TEXT_FIELDS.find((name) => name in row);
    if (field !== undefined) return fieldText(row[field], field, where);
  }
  return sample(JSON.stringify(row));
}

function fieldText(value: unknown, field: string, where: string): RowResult {
  if (typeof value !== "string") {
    const got = value === null ? "null" : Array.isArray(value) ? "an array" : `a ${typeof value}`;
    return { kind: "bad", reason: "non-string value", where, detail: `field "${field}" is ${got}` };
  }
  return value.trim() === "" ? emptyText : sample(value);
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** Column names that hold the text, in order of preference (matched case-insensitively). */
const TEXT_COLUMN_NAMES = [
  "text",
  "content",
  "sentence",
  "document",
  "article",
  "body",
  "input",
  "output",
];

/**
 * Which CSV column holds the text: the first well-known name, else the first column whose
 * values (in the sample rows given) are mostly non-numeric. Null when nothing looks like text.
 */
export function guessTextColumn(
  header: readonly string[],
  rows: readonly (readonly string[])[],
): number | null {
  const lower = header.map((name) => name.trim().toLowerCase());
  for (const name of TEXT_COLUMN_NAMES) {
    const index = lower.indexOf(name);
    if (index !== -1) return index;
  }
  for (let column = 0; column < header.length; column++) {
    const values = rows.map((row) => row[column]?.trim() ?? "").filter((value) => value !== "");
    const textual = values.filter((value) => !Number.isFinite(Number(value))).length;
    if (values.length > 0 && textual * 2 > values.length) return column;
  }
  return null;
}

/** `--text-column` as a CSV column index: exact name first, then case-insensitive. */
export function findColumn(header: readonly string[], name: string): number | null {
  const exact = header.indexOf(name);
  if (exact !== -1) return exact;
  const folded = header.findIndex(
    (column) => column.trim().toLowerCase() === name.trim().toLowerCase(),
  );
  return folded === -1 ? null : folded;
}
