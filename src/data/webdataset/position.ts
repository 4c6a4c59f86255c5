import { AiosError } from "../../core/errors.js";
import type { BackendPosition } from "../types.js";

/**
 * Where the WebDataset stream stands after a sample: epoch, the index of the shard being read in
 * this rank's shard order of the epoch, samples read from it, and samples yielded this epoch.
 * Without a shuffle buffer the reader's (shard, offset) is exactly after the last sample
 * yielded, so resuming jumps there; with a buffer the reader runs ahead, and resuming replays
 * the epoch's deterministic stream (same shard order, same buffer draws) past `yielded` samples.
 */
export interface WdsPosition {
  readonly epoch: number;
  readonly shard: number;
  readonly offset: number;
  readonly yielded: number;
}

export function parseWdsPosition(from: BackendPosition, description: string): WdsPosition {
  const { epoch, shard, offset, yielded } = from;
  const count = (value: unknown) =>
    typeof value === "number" && Number.isSafeInteger(value) && value >= 0;
  if (!count(epoch) || !count(shard) || !count(offset) || !count(yielded)) {
    throw new AiosError(
      "CHECKPOINT",
      `the saved data position ${JSON.stringify(from)} is not a position of the webdataset backend (${description})`,
      {
        hint: "resume with the dataset settings the checkpoint was written with, or start without --resume",
      },
    );
  }
  return {
    epoch: epoch as number,
    shard: shard as number,
    offset: offset as number,
    yielded: yielded as number,
  };
}
