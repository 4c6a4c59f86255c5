/**
 * What a format reader makes of one row of a file: a sample, a row it could not read (counted
 * in `stats().badRows` by `reason`), or a row that holds no text (counted in `stats().skipped`).
 * `reason` is a short stable key for counting; `detail` carries the parser's own words for the
 * one message a user sees about the first bad row. A sample kept although part of it could not
 * be read right (`--encoding-errors replace`) says so in `repaired`, counted in
 * `stats().repaired`.
 */
export type RowResult =
  | {
      readonly kind: "sample";
      readonly text: string;
      readonly repaired?: { readonly reason: InvalidEncoding; readonly where: string };
    }
  | {
      readonly kind: "bad";
      readonly reason: BadRowReason;
      /** Where in the file, for messages: "line 7", "element 3". */
      readonly where: string;
      readonly detail?: string;
    }
  | { readonly kind: "skipped"; readonly reason: SkipReason };

/** Bytes that are not valid in the file's encoding (`src/data/formats/decode-text.ts`). */
export type InvalidEncoding = "invalid UTF-8" | "invalid UTF-16LE" | "invalid UTF-16BE";

export type BadRowReason =
  | "malformed JSON"
  | "malformed CSV record"
  | "missing column"
  | "non-string value"
  | "not a JSON array"
  | InvalidEncoding;

export type SkipReason = "empty text";

export const sample = (text: string): RowResult => ({ kind: "sample", text });
export const emptyText: RowResult = { kind: "skipped", reason: "empty text" };
