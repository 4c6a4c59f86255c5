import type { BackendPosition, DatasetBackend, IterTextOptions } from "../types.js";

/** A sample with the backend position right after it: resuming there yields the next one. */
export interface PositionedSample {
  readonly text: string;
  readonly position: BackendPosition;
}

/** A sample's tokens, end-of-text included, with the position after the sample. */
export interface TokenizedSample {
  readonly ids: ArrayLike<number>;
  readonly position: BackendPosition;
}

/**
 * The backend's samples, each paired with `position()` read while the backend is paused on it.
 * Later stages run ahead (prefetch), so this is the only moment the position is exact.
 */
export async function* positionedSamples(
  backend: DatasetBackend,
  options: IterTextOptions,
): AsyncGenerator<PositionedSample> {
  for await (const text of backend.iterText(options)) {
    yield { text, position: backend.position() };
  }
}
