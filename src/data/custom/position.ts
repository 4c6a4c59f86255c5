import { parseCountPosition } from "../position.js";
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

/** A position from a checkpoint, checked (see parseCountPosition). */
export function parseCustomPosition(from: BackendPosition, description: string): CustomPosition {
  return parseCountPosition(from, ["epoch", "index"], `the custom backend (${description})`);
}
