import type { GraphSettings } from "./hnsw-graph.js";

/** Messages between `hnsw-search-pool.ts` and its worker threads. */

/** What a worker opens (read-only) when it starts: its `workerData`. */
export interface HnswWorkerData extends GraphSettings {
  /** A saved graph file (`HnswIndex.save`), made with these settings. */
  readonly graph: string;
}

export interface HnswSearchRequest {
  readonly id: number;
  /** A unit-length query vector. */
  readonly vector: Float32Array;
  readonly count: number;
}

export type HnswWorkerReply =
  | { readonly kind: "ready" }
  | { readonly kind: "failed"; readonly error: string }
  | {
      readonly kind: "found";
      readonly id: number;
      /** Graph keys of the nearest, nearest first. */
      readonly keys: BigUint64Array;
      /** Their inner-product distances (1 - dot). */
      readonly distances: Float32Array;
    }
  | { readonly kind: "error"; readonly id: number; readonly error: string };
