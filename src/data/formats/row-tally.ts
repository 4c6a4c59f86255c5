import { AiosError } from "../../core/errors.js";
import type { DatasetFile } from "./dataset-file.js";
import type { RowResult } from "./rows.js";

type BadRow = Extract<RowResult, { kind: "bad" }>;

/** Counts of the rows of one pass over a dataset that gave no sample, and the first bad one. */
export class RowTally {
  readonly badRows: Record<string, number> = {};
  readonly skipped: Record<string, number> = {};
  private firstBad: { file: DatasetFile; row: BadRow } | null = null;

  bad(file: DatasetFile, row: BadRow): void {
    this.badRows[row.reason] = (this.badRows[row.reason] ?? 0) + 1;
    this.firstBad ??= { file, row };
  }

  skip(reason: string): void {
    this.skipped[reason] = (this.skipped[reason] ?? 0) + 1;
  }

  /** One line for the log about the bad rows of a pass; null when there were none. */
  summary(description: string): string | null {
    if (this.firstBad === null) return null;
    const counts = Object.entries(this.badRows).map(([reason, n]) => `${reason}: ${n}`);
    return `${description}: skipped ${total(this.badRows)} bad rows (${counts.join(", ")}); first at ${where(this.firstBad)}`;
  }

  /** The error for a pass that found no sample at all: every row bad, or no rows. */
  noSamplesError(path: string): AiosError {
    if (this.firstBad !== null) {
      return new AiosError(
        "DATASET_BAD_ROWS",
        `every row of ${path} is bad (${total(this.badRows)} rows); the first is at ${where(this.firstBad)}`,
        {
          hint: "fix the file, or pass --text-column NAME if the text is in another field or column",
        },
      );
    }
    const skipped = total(this.skipped);
    return new AiosError(
      "DATASET_EMPTY",
      skipped > 0
        ? `${path} holds no text: all ${skipped} rows are empty`
        : `${path} holds no samples`,
      {
        hint: "point --dataset-file at a non-empty .txt, .csv, .jsonl or .json file or a directory of them",
      },
    );
  }
}

function total(counts: Readonly<Record<string, number>>): number {
  return Object.values(counts).reduce((sum, n) => sum + n, 0);
}

function where({ file, row }: { file: DatasetFile; row: BadRow }): string {
  return `${file.path} ${row.where}: ${row.reason}${row.detail === undefined ? "" : ` (${row.detail})`}`;
}
