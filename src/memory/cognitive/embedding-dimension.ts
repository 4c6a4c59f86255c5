import { AiosError } from "../../core/errors.js";

/** Smallest embedding the config allows (`embedding_dim`, `motif_embedding_dim`: min 8). */
export const MIN_EMBEDDING_DIM = 8;

export function checkEmbeddingDimension(dimension: number, key: string): number {
  if (!Number.isInteger(dimension) || dimension < MIN_EMBEDDING_DIM || dimension > 65_535) {
    throw new AiosError(
      "VECTOR_INPUT",
      `${key} = ${dimension} is not a usable embedding dimension: expected an integer from ${MIN_EMBEDDING_DIM} to 65535`,
      { hint: `set ${key} in the memory: section of the config (default in config/default.yaml)` },
    );
  }
  return dimension;
}
