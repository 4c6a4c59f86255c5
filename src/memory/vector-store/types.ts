import type { VectorStoreBackend } from "../../config/memory-config.js";
import type { FilterCondition, VectorFilter } from "./filter.js";
import type { Metadata } from "./metadata.js";

export type { JsonValue, Metadata } from "./metadata.js";

/** How an embedded driver waits for another process's lock (lock-file.ts). */
export interface StoreLockOptions {
  readonly timeoutS: number;
  /** The setting that changes `timeoutS`, for the hint. */
  readonly timeoutSetting: string;
  readonly onWait: (notice: string) => void;
}

/** A vector as callers give it: a plain array or a typed array. */
export type VectorInput = ArrayLike<number>;

/**
 * One query result. `score` is the cosine similarity to the query vector (1 = same direction,
 * higher is closer, the same scale on every driver); it is null on a filter-only query.
 */
export type QueryHit = readonly [id: string, score: number | null, metadata: Metadata];

/** A record as stored: the caller's id, the vector (float32 precision) and its metadata. */
export interface StoredVector {
  readonly id: string;
  readonly vector: number[];
  readonly metadata: Metadata;
}

export interface CollectionStats {
  readonly backend: StoreBackend;
  /** The collection's full name, prefix included. */
  readonly collection: string;
  readonly count: number;
  /** Null until the first upsert fixes it. */
  readonly dimension: number | null;
  /** Bytes on disk of data and indexes (LanceDB: the table and the HNSW graph files); null where the backend does not say. */
  readonly storageBytes: number | null;
  /** Whether an ANN index serves queries (false: exact search over every vector). */
  readonly indexed: boolean;
  /** What answers queries, in words (e.g. "HNSW (hnswlib), M 32, ..."); absent where the driver does not say. */
  readonly index?: string;
}

export type StoreBackend = Exclude<VectorStoreBackend, "disabled">;

/**
 * The vector store every memory feature talks to, one collection per client. Every driver
 * gives the same answers: `test/memory/vector-store/conformance.ts` holds them to it.
 */
export interface VectorStoreClient {
  readonly backend: StoreBackend;
  /** Full collection name, prefix included. */
  readonly collection: string;
  /**
   * Inserts or replaces (same id) records. The whole batch is checked first (dimension,
   * NaN/Infinity, zero vectors, empty or duplicate ids, metadata), so a bad batch writes nothing.
   */
  upsert(
    ids: readonly string[],
    vectors: readonly VectorInput[],
    metadata?: readonly (Metadata | undefined)[],
  ): Promise<void>;
  /**
   * The `topK` records most similar to `vector` that match `filter`, best first, scores never
   * increasing. `vector = null` is a filter-only query: up to `topK` matches, score null, in an
   * order the driver chooses.
   */
  query(vector: VectorInput | null, topK?: number, filter?: VectorFilter): Promise<QueryHit[]>;
  /** The stored record with this id, or null. */
  queryById(id: string): Promise<StoredVector | null>;
  /** Removes these ids; ids that are not there are ignored. */
  delete(ids: readonly string[]): Promise<void>;
  count(filter?: VectorFilter): Promise<number>;
  stats(): Promise<CollectionStats>;
  /** Every record, in batches (for backups); order is the driver's. */
  scan(batchSize?: number): AsyncIterable<StoredVector[]>;
  /**
   * Builds or refreshes the ANN index now rather than waiting for `index_min_rows`.
   * Returns false when the collection is too small to train one (it is then searched exactly).
   */
  createIndex(): Promise<boolean>;
  /** Whether the collection exists (it is created by the first upsert; it may then be empty). */
  exists(): Promise<boolean>;
  /** The store's collections (full names), sorted. */
  listCollections(): Promise<string[]>;
  /**
   * Makes a long-lived client see what other processes wrote since it opened (an embedded
   * LanceDB client otherwise keeps reading the version it opened, and its graph). Drivers that
   * always read the latest state do nothing.
   */
  refresh(): Promise<void>;
  close(): Promise<void>;
}

/** A batch that passed the checks of `validate.ts`. */
export interface CheckedBatch {
  readonly ids: readonly string[];
  readonly vectors: readonly Float32Array[];
  readonly metadata: readonly Metadata[];
  readonly dimension: number;
}

/** A scored result before the client sorts it. */
export interface ScoredHit {
  readonly id: string;
  readonly score: number;
  readonly metadata: Metadata;
}

/**
 * What a backend implements. Inputs arrive checked and normalised (float32 vectors of the
 * collection's dimension, a parsed filter), so a driver only translates and stores.
 */
export interface VectorStoreDriver {
  readonly backend: StoreBackend;
  readonly collection: string;
  /** The collection's dimension, or null while it does not exist. */
  dimension(): Promise<number | null>;
  /** Every collection of this store (full names, any prefix), for messages about a missing one. */
  listCollections(): Promise<string[]>;
  /** Creates the collection on first use with `batch.dimension`. */
  upsert(batch: CheckedBatch): Promise<void>;
  search(
    vector: Float32Array,
    topK: number,
    filter: readonly FilterCondition[],
  ): Promise<ScoredHit[]>;
  find(filter: readonly FilterCondition[], limit: number): Promise<StoredMatch[]>;
  get(id: string): Promise<StoredVector | null>;
  delete(ids: readonly string[]): Promise<void>;
  count(filter: readonly FilterCondition[]): Promise<number>;
  stats(): Promise<CollectionStats>;
  scan(batchSize: number): AsyncIterable<StoredVector[]>;
  createIndex(): Promise<boolean>;
  /** See `VectorStoreClient.refresh`; absent where reads always see the latest state. */
  refresh?(): Promise<void>;
  close(): Promise<void>;
}

/** A filter-only match. */
export interface StoredMatch {
  readonly id: string;
  readonly metadata: Metadata;
}
