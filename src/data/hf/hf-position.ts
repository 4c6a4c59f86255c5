import { notAPosition, parseCountPosition } from "../position.js";
import type { BackendPosition } from "../types.js";
import type { SplitSource } from "./resolve-split.js";

/**
 * Where the hf backend stands after a sample. In epoch `epoch`, the next row to read is row
 * `row` (0-based, bad and empty rows included) of the `file`-th file of this rank's file order
 * for the epoch. `seen` rows of the epoch have been read (into the shuffle buffer, or straight
 * through) and `emitted` have come out of it (every rank's share counted, for the
 * every-world-size-th-row rule). With a shuffle buffer, `starts` lists, for each file from the
 * oldest one still holding rows in the buffer to the one being read, its index in the file
 * order and the `seen` count its first row had, flattened: `[file, first, file, first, ...]`.
 * From these and the seeded draws, which rows sit in the buffer is recomputed on resume (see
 * `ShuffleBuffer`), so the position stays a few numbers whatever the buffer size.
 */
export interface HfPosition {
  readonly epoch: number;
  readonly file: number;
  readonly row: number;
  readonly seen: number;
  readonly emitted: number;
  /** Shuffle buffer size and world size the position was written under. */
  readonly buffer: number;
  readonly ranks: number;
  readonly starts: readonly number[];
  /** The commit the files were read at, and from which source: a resume reads the same files. */
  readonly revision: string | null;
  readonly source: SplitSource | null;
}

const SOURCES: readonly SplitSource[] = ["repo files", "parquet conversion", "local directory"];

/**
 * A position from a checkpoint, checked (see parseCountPosition). Positions written before
 * shuffling and ranks existed (`{epoch, file, row}`) read as buffer 0, one rank.
 *
 * @throws AiosError `CHECKPOINT` naming the saved position when it is not a position of the hf backend.
 */
export function parseHfPosition(from: BackendPosition, description: string): HfPosition {
  const base = parseCountPosition(from, ["epoch", "file", "row"], description);
  const legacy = !("seen" in from);
  const counts = legacy
    ? { seen: 0, emitted: 0, buffer: 0, ranks: 1 }
    : parseCountPosition(from, ["seen", "emitted", "buffer", "ranks"], description);
  const starts = from.starts ?? [];
  if (
    !Array.isArray(starts) ||
    starts.length % 2 !== 0 ||
    !starts.every((n) => typeof n === "number" && Number.isSafeInteger(n) && n >= 0)
  ) {
    throw notAPosition(from, description);
  }
  const revision = from.revision ?? null;
  const source = from.source ?? null;
  if (revision !== null && typeof revision !== "string") throw notAPosition(from, description);
  if (source !== null && !SOURCES.includes(source as SplitSource))
    throw notAPosition(from, description);
  return {
    ...base,
    ...counts,
    starts: starts as number[],
    revision,
    source: source as SplitSource | null,
  };
}
