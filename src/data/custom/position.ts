import { AiosError } from "../../core/errors.js";
import { parseCountPosition } from "../position.js";
import type { BackendPosition } from "../types.js";

/**
 * Where the custom backend stands, reading in file order: `index` samples of epoch `epoch`
 * have been yielded. `{epoch, index: n}` at the end of an epoch resumes with the first sample
 * of the next one.
 */
export interface CustomPosition {
  readonly epoch: number;
  readonly index: number;
}

/**
 * Where it stands, shuffled: `index` samples of window `window` of epoch `epoch` (see
 * epoch-windows.ts) have been passed, counted over all ranks. Resuming re-reads that one
 * window and skips them.
 */
export interface ShuffledPosition {
  readonly epoch: number;
  readonly window: number;
  readonly index: number;
}

export const startOfData: CustomPosition = { epoch: 0, index: 0 };
export const startOfShuffle: ShuffledPosition = { epoch: 0, window: 0, index: 0 };

/** A position from a checkpoint of a run in file order, checked (see parseCountPosition). */
export function parseCustomPosition(from: BackendPosition, description: string): CustomPosition {
  if ("window" in from) throw otherOrder(from, description, true);
  return parseCountPosition(from, ["epoch", "index"], `the custom backend (${description})`);
}

/**
 * A position from a checkpoint of a shuffled run, checked. A position without `window` comes
 * from a run in file order, or from aios before block shuffling, which held every sample in
 * memory and permuted them all: that order cannot be continued, and guessing would silently
 * train on other samples.
 */
export function parseShuffledPosition(
  from: BackendPosition,
  description: string,
): ShuffledPosition {
  if (!("window" in from)) throw otherOrder(from, description, false);
  return parseCountPosition(
    from,
    ["epoch", "window", "index"],
    `the custom backend (${description})`,
  );
}

function otherOrder(from: BackendPosition, description: string, shuffled: boolean): AiosError {
  return new AiosError(
    "CHECKPOINT",
    shuffled
      ? `the saved data position ${JSON.stringify(from)} of ${description} was written by a shuffled run; this run reads in file order (--no-shuffle)`
      : `the saved data position ${JSON.stringify(from)} of ${description} was written by a run in file order (--no-shuffle), or by aios before the custom backend shuffled by blocks; its order cannot be continued shuffled`,
    {
      hint: shuffled
        ? "resume with --shuffle, as the checkpoint was written"
        : "if that run read in file order, resume with --no-shuffle; a run shuffled by an older aios cannot continue its order: start again without --resume, or resume with --no-shuffle knowingly (it skips that many samples in file order, not the ones the old order had left)",
    },
  );
}
