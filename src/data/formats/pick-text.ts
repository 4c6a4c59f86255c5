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

/** Whether `pickJsonText` makes the row's whole JSON its text: no column given, no text field. */
export function usesWholeRow(row: unknown, textColumn: string | null): boolean {
  if (textColumn !== null || typeof row === "string") return false;
  return !isRecord(row) || !TEXT_FIELDS.some((field) => field in row);
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

/** How `guessTextColumn` chose: by a well-known name, or by the values. */
export type ColumnGuess = { readonly index: number; readonly by: "name" | "longest text" };

/**
 * Which CSV column holds the text. The first well-known name (`TEXT_COLUMN_NAMES`) wins. Else,
 * among the columns whose values in the sample rows are mostly not numbers, the one with the
 * longest values on average over the sample rows (a missing value counts as empty), where a
 * column whose values mostly hold whitespace (words: text, not labels, ids or URLs) beats one
 * whose values do not; the leftmost on a tie. Null when no column looks like text (or, without rows, no name matches).
 */
export function guessTextColumn(
  header: readonly string[],
  rows: readonly (readonly string[])[],
): ColumnGuess | null {
  const lower = header.map((name) => name.trim().toLowerCase());
  for (const name of TEXT_COLUMN_NAMES) {
    const index = lower.indexOf(name);
    if (index !== -1) return { index, by: "name" };
  }
  let best: { index: number; worded: boolean; length: number } | null = null;
  for (let index = 0; index < header.length; index++) {
    const values = rows.map((row) => row[index]?.trim() ?? "");
    const present = values.filter((value) => value !== "");
    const textual = present.filter((value) => !Number.isFinite(Number(value))).length;
    if (present.length === 0 || textual * 2 <= present.length) continue;
    const worded = present.filter((value) => /\s/.test(value)).length * 2 > present.length;
    const length = values.reduce((sum, value) => sum + value.length, 0) / values.length;
    if (
      best === null ||
      (worded && !best.worded) ||
      (worded === best.worded && length > best.length)
    ) {
      best = { index, worded, length };
    }
  }
  return best === null ? null : { index: best.index, by: "longest text" };
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
