import { AiosError } from "../../core/errors.js";
import type { DatasetFile } from "./dataset-file.js";
import type { RowResult } from "./rows.js";

type BadRow = Extract<RowResult, { kind: "bad" }>;
type Repair = NonNullable<Extract<RowResult, { kind: "sample" }>["repaired"]>;

/**
 * Counts of the rows of one pass over a dataset that gave no sample (bad, skipped) or a sample
 * kept with a repair (`--encoding-errors replace`), and the first bad and first repaired one.
 */
export class RowTally {
  readonly badRows: Record<string, number> = {};
  readonly skipped: Record<string, number> = {};
  readonly repaired: Record<string, number> = {};
  private firstBad: { file: DatasetFile; row: BadRow } | null = null;
  private firstRepaired: { file: DatasetFile; repair: Repair } | null = null;

  bad(file: DatasetFile, row: BadRow): void {
    this.badRows[row.reason] = (this.badRows[row.reason] ?? 0) + 1;
    this.firstBad ??= { file, row };
  }

  skip(reason: string): void {
    this.skipped[reason] = (this.skipped[reason] ?? 0) + 1;
  }

  repair(file: DatasetFile, repair: Repair): void {
    this.repaired[repair.reason] = (this.repaired[repair.reason] ?? 0) + 1;
    this.firstRepaired ??= { file, repair };
  }

  /** One line for the log about the bad and repaired rows of a pass; null when there were none. */
  summary(description: string): string | null {
    const parts: string[] = [];
    if (this.firstBad !== null) {
      parts.push(
        `skipped ${total(this.badRows)} bad rows (${counts(this.badRows)}); first at ${where(this.firstBad)}`,
      );
    }
    if (this.firstRepaired !== null) {
      const { file, repair } = this.firstRepaired;
      parts.push(
        `kept ${total(this.repaired)} rows with U+FFFD in place of invalid bytes (${counts(this.repaired)}); first at ${file.path} ${repair.where}`,
      );
    }
    return parts.length === 0 ? null : `${description}: ${parts.join("; ")}`;
  }

  /** The error for a pass that found no sample at all: every row bad, or no rows. */
  noSamplesError(path: string): AiosError {
    if (this.firstBad !== null) {
      const encoding = this.firstBad.row.reason.startsWith("invalid ");
      return new AiosError(
        "DATASET_BAD_ROWS",
        `every row of ${path} is bad (${total(this.badRows)} rows); the first is at ${where(this.firstBad)}`,
        {
          hint: encoding
            ? "convert the file to UTF-8 (e.g. iconv -f WINDOWS-1252 -t UTF-8), or pass --encoding-errors replace to keep the rows with U+FFFD"
            : "fix the file, or pass --text-column NAME if the text is in another field or column",
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
        hint: "point --dataset-file at a non-empty .txt, .csv, .tsv, .jsonl or .json file or a directory of them",
      },
    );
  }
}

function total(counts: Readonly<Record<string, number>>): number {
  return Object.values(counts).reduce((sum, n) => sum + n, 0);
}

function counts(byReason: Readonly<Record<string, number>>): string {
  return Object.entries(byReason)
    .map(([reason, n]) => `${reason}: ${n}`)
    .join(", ");
}

function where({ file, row }: { file: DatasetFile; row: BadRow }): string {
  return `${file.path} ${row.where}: ${row.reason}${row.detail === undefined ? "" : ` (${row.detail})`}`;
}
