import { AiosError } from "../../core/errors.js";
import type { BackendPosition } from "../types.js";

/**
 * Where the custom backend stands: `index` samples of epoch `epoch` have been yielded (in
 * shuffled order when shuffling). `{epoch, index: n}` at the end of an epoch resumes with the
 * first sample of the next one.
 */
export interface CustomPosition {
  readonly epoch: number;
  readonly index: number;
}

export const startOfData: CustomPosition = { epoch: 0, index: 0 };

/** A position from a checkpoint, checked: it crossed a JSON file and may have been edited. */
export function parseCustomPosition(from: BackendPosition, description: string): CustomPosition {
  const { epoch, index } = from;
  const count = (value: unknown) =>
    typeof value === "number" && Number.isSafeInteger(value) && value >= 0;
  if (!count(epoch) || !count(index)) {
    throw new AiosError(
      "CHECKPOINT",
      `the saved data position ${JSON.stringify(from)} is not a position of the custom backend (${description})`,
      {
        hint: "resume with the dataset settings the checkpoint was written with, or start without --resume",
      },
    );
  }
  return { epoch: epoch as number, index: index as number };
}
