import { parseCountPosition } from "../position.js";
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

/** A position from a checkpoint, checked (see parseCountPosition). */
export function parseWdsPosition(from: BackendPosition, description: string): WdsPosition {
  return parseCountPosition(
    from,
    ["epoch", "shard", "offset", "yielded"],
    `the webdataset backend (${description})`,
  );
}
