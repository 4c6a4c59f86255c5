import { AiosError } from "../../core/errors.js";
import type { BackendPosition } from "../types.js";

/**
 * Where the hf backend stands: in epoch `epoch`, file `file` of the split (in path order), the
 * next row to read is `row` (0-based within the file, bad and empty rows included).
 */
export interface HfPosition {
  readonly epoch: number;
  readonly file: number;
  readonly row: number;
}

/** A position from a checkpoint, checked: it crossed a JSON file and may have been edited. */
export function parseHfPosition(
  from: BackendPosition,
  description: string,
  fileCount: number,
): HfPosition {
  const { epoch, file, row } = from;
  const count = (value: unknown): value is number =>
    typeof value === "number" && Number.isSafeInteger(value) && value >= 0;
  if (!count(epoch) || !count(file) || !count(row) || file > fileCount) {
    throw new AiosError(
      "CHECKPOINT",
      `the saved data position ${JSON.stringify(from)} is not a position of ${description}`,
      {
        hint: "resume with the dataset settings the checkpoint was written with, or start without --resume",
      },
    );
  }
  return { epoch, file, row };
}
