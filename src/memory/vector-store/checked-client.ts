import { AiosError } from "../../core/errors.js";
import { parseFilter, type VectorFilter } from "./filter.js";
import type {
  CollectionStats,
  Metadata,
  QueryHit,
  StoreBackend,
  StoredVector,
  VectorInput,
  VectorStoreClient,
  VectorStoreDriver,
} from "./types.js";
import { checkBatch, checkId, checkIds, checkTopK, checkVector } from "./validate.js";

const DEFAULT_TOP_K = 5;
const DEFAULT_SCAN_BATCH = 1000;

/**
 * The client every caller gets: it checks and normalises input once (`validate.ts`,
 * `filter.ts`), then hands it to a driver, and holds the rules drivers share, such as the best
 * result coming first and nothing being used after `close()`.
 */
export class CheckedVectorStore implements VectorStoreClient {
  readonly backend: StoreBackend;
  readonly collection: string;
  readonly #driver: VectorStoreDriver;
  #closed = false;

  constructor(driver: VectorStoreDriver) {
    this.#driver = driver;
    this.backend = driver.backend;
    this.collection = driver.collection;
  }

  async upsert(
    ids: readonly string[],
    vectors: readonly VectorInput[],
    metadata?: readonly (Metadata | undefined)[],
  ): Promise<void> {
    const driver = this.#open();
    const batch = checkBatch(ids, vectors, metadata, await driver.dimension());
    await driver.upsert(batch);
  }

  async query(
    vector: VectorInput | null,
    topK: number = DEFAULT_TOP_K,
    filter?: VectorFilter,
  ): Promise<QueryHit[]> {
    const driver = this.#open();
    const k = checkTopK(topK);
    const conditions = parseFilter(filter);
    const dimension = await driver.dimension();
    if (vector === null) {
      if (dimension === null) return [];
      const matches = await driver.find(conditions, k);
      return matches.map((m): QueryHit => [m.id, null, m.metadata]);
    }
    const checked = checkVector(vector, dimension, "query");
    if (dimension === null) return [];
    const hits = await driver.search(checked, k, conditions);
    // Drivers return their engine's order; ties and float noise must not break "best first".
    return hits
      .map((hit, order) => ({ hit, order }))
      .sort((a, b) => b.hit.score - a.hit.score || a.order - b.order)
      .slice(0, k)
      .map(({ hit }): QueryHit => [hit.id, clampScore(hit.score), hit.metadata]);
  }

  async queryById(id: string): Promise<StoredVector | null> {
    const driver = this.#open();
    const checked = checkId(id, "queryById");
    if ((await driver.dimension()) === null) return null;
    return driver.get(checked);
  }

  async delete(ids: readonly string[]): Promise<void> {
    const driver = this.#open();
    const checked = [...new Set(checkIds(ids))];
    if (checked.length === 0 || (await driver.dimension()) === null) return;
    await driver.delete(checked);
  }

  async count(filter?: VectorFilter): Promise<number> {
    const driver = this.#open();
    const conditions = parseFilter(filter);
    if ((await driver.dimension()) === null) return 0;
    return driver.count(conditions);
  }

  stats(): Promise<CollectionStats> {
    return this.#open().stats();
  }

  async exists(): Promise<boolean> {
    return (await this.#open().dimension()) !== null;
  }

  async listCollections(): Promise<string[]> {
    return (await this.#open().listCollections()).sort();
  }

  async *scan(batchSize: number = DEFAULT_SCAN_BATCH): AsyncIterable<StoredVector[]> {
    const driver = this.#open();
    if (!Number.isInteger(batchSize) || batchSize < 1) {
      throw new AiosError(
        "VECTOR_INPUT",
        `scan batch size must be a positive integer, got ${batchSize}`,
      );
    }
    if ((await driver.dimension()) === null) return;
    yield* driver.scan(batchSize);
  }

  async createIndex(): Promise<boolean> {
    const driver = this.#open();
    if ((await driver.dimension()) === null) return false;
    return driver.createIndex();
  }

  async refresh(): Promise<void> {
    await this.#open().refresh?.();
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await this.#driver.close();
  }

  #open(): VectorStoreDriver {
    if (this.#closed) {
      throw new AiosError("VECTOR_STORE", `Vector store collection ${this.collection} is closed`, {
        hint: "create a new client with createVectorStore()",
      });
    }
    return this.#driver;
  }
}

/** Engines compute 1 - distance in float32; keep the result on cosine's scale. */
function clampScore(score: number): number {
  return Math.min(1, Math.max(-1, score));
}
