import { ClusteredVectors, randomVectors } from "../src/memory/vector-store/random-vectors.js";

export type DatasetKind = "clustered" | "uniform";

export interface VectorDataset {
  readonly kind: DatasetKind;
  readonly vectors: Float32Array[];
  /** Held-out queries from the same distribution, never inserted. */
  readonly queries: Float32Array[];
}

/** As measured.md's FAISS floor: 1000 Gaussian clusters, sigma 0.35 (per unit-length centre). */
export const CLUSTERS = { clusters: 1000, sigma: 0.35 } as const;

export function makeDataset(
  kind: DatasetKind,
  size: number,
  queries: number,
  dimension: number,
  seed: number,
): VectorDataset {
  if (kind === "uniform") {
    const all = randomVectors(size + queries, dimension, seed);
    return { kind, vectors: all.slice(0, size), queries: all.slice(size) };
  }
  const source = new ClusteredVectors(dimension, CLUSTERS, seed);
  return { kind, vectors: source.take(size), queries: source.take(queries) };
}
