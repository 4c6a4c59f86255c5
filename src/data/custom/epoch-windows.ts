import { epochPermutation } from "../../core/shuffle.js";

/** A unit as the shuffle sees it: its size, and whether it can only be read from its start. */
export interface WindowedUnit {
  readonly bytes: number;
  readonly kind: string;
}

/**
 * Most units in one window: opening a file costs far more than reading a small one, so a
 * window of 100k tiny files would take seconds before its first sample (measured: 18 s for
 * 100k files of 40 bytes in one window, ~1 ms per file). 256 files still mix well: each comes
 * from anywhere in the dataset.
 */
export const WINDOW_UNITS = 256;

/**
 * One step of a shuffled epoch: a window of units read together and visited in a seeded
 * permutation of all their samples, or one `stream` unit visited through a shuffle buffer.
 */
export interface EpochWindow {
  readonly units: readonly number[];
  readonly stream: boolean;
}

/**
 * The windows of epoch `epoch`: the units in a seeded permutation (stream 0 of
 * `epochPermutation`), cut into consecutive runs of at least `windowBytes` or of `WINDOW_UNITS`
 * units (the last may be smaller); a `stream` unit stands alone. This is the shard-then-buffer shuffle of MosaicML
 * Streaming and WebDataset, with byte-range blocks as shards: memory holds one window, and
 * every sample is still visited once per epoch. Depends only on the units' sizes and kinds, so
 * a resumed run recomputes the same windows.
 */
export function epochWindows(
  units: readonly WindowedUnit[],
  seed: number,
  epoch: number,
  windowBytes: number,
): EpochWindow[] {
  const order = epochPermutation(units.length, seed, epoch);
  const windows: EpochWindow[] = [];
  let current: number[] = [];
  let bytes = 0;
  const close = () => {
    if (current.length > 0) windows.push({ units: current, stream: false });
    current = [];
    bytes = 0;
  };
  for (const index of order) {
    const unit = units[index] as WindowedUnit;
    if (unit.kind === "stream") {
      close();
      windows.push({ units: [index], stream: true });
      continue;
    }
    current.push(index);
    bytes += unit.bytes;
    if (bytes >= windowBytes || current.length >= WINDOW_UNITS) close();
  }
  close();
  return windows;
}

/**
 * Whether the `index`-th sample of window `window` is this rank's: every `worldSize`-th one,
 * the count starting one rank later in each window, so that no rank is always the one with
 * the extra sample of an uneven window. Disjoint and complete across ranks.
 */
export function isRankSample(
  index: number,
  window: number,
  rank: number,
  worldSize: number,
): boolean {
  return (index + window) % worldSize === rank;
}
