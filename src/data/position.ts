import { AiosError } from "../core/errors.js";
import type { BackendPosition } from "./types.js";

/**
 * A backend's position from a checkpoint, checked: it crossed a JSON file and may have been
 * edited. Every backend's position is a record of counts, so one rule serves them all: each of
 * `keys` must be a safe non-negative integer.
 *
 * @param description names the dataset in the error, e.g. `the custom backend (corpus.txt)`.
 * @throws AiosError `CHECKPOINT` naming the saved position when a key is missing or not a count.
 */
export function parseCountPosition<K extends string>(
  from: BackendPosition,
  keys: readonly K[],
  description: string,
): Record<K, number> {
  const counts = {} as Record<K, number>;
  for (const key of keys) {
    const value = from[key];
    if (typeof value !== "number" || !Number.isSafeInteger(value) || value < 0)
      throw notAPosition(from, description);
    counts[key] = value;
  }
  return counts;
}

/** The error for a saved position that this dataset cannot resume from. */
export function notAPosition(from: BackendPosition, description: string): AiosError {
  return new AiosError(
    "CHECKPOINT",
    `the saved data position ${JSON.stringify(from)} is not a position of ${description}`,
    {
      hint: "resume with the dataset settings the checkpoint was written with, or start without --resume",
    },
  );
}
