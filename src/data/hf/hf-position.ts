import { notAPosition, parseCountPosition } from "../position.js";
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

/** A position from a checkpoint, checked (see parseCountPosition); `file` may be at most `fileCount`. */
export function parseHfPosition(
  from: BackendPosition,
  description: string,
  fileCount: number,
): HfPosition {
  const position = parseCountPosition(from, ["epoch", "file", "row"], description);
  if (position.file > fileCount) throw notAPosition(from, description);
  return position;
}
