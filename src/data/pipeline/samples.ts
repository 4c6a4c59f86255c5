import type { BackendPosition, DatasetBackend, IterTextOptions } from "../types.js";

/** A sample with the backend position right after it: resuming there yields the next one. */
export interface PositionedSample {
  readonly text: string;
  readonly position: BackendPosition;
  /** The mixture source it came from (`DatasetBackend.lastSource`); absent for one dataset. */
  readonly source?: string;
}

/** A sample's tokens, end-of-text included, with the position after the sample. */
export interface TokenizedSample {
  readonly ids: ArrayLike<number>;
  readonly position: BackendPosition;
  readonly source?: string;
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
    const source = backend.lastSource?.() ?? null;
    yield source === null
      ? { text, position: backend.position() }
      : { text, position: backend.position(), source };
  }
}

/** The tokens with the sample's source, when it has one (a single dataset's samples have none). */
export function withSource(sample: TokenizedSample, source: string | undefined): TokenizedSample {
  return source === undefined ? sample : { ...sample, source };
}
