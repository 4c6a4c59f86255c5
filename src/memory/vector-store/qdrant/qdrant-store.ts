import type { QdrantClient, Schemas } from "@qdrant/js-client-rest";
import type { FilterCondition } from "../filter.js";
import type {
  CheckedBatch,
  CollectionStats,
  ScoredHit,
  StoredMatch,
  StoredVector,
  VectorStoreDriver,
} from "../types.js";
import { fromPayload, toPayload } from "./payload.js";
import { pointIdFor } from "./point-id.js";
import { qdrantError } from "./qdrant-errors.js";
import { filterToQdrant, payloadIndexesFor } from "./qdrant-filter.js";

export interface QdrantStoreOptions {
  readonly host: string;
  readonly port: number;
  readonly https: boolean;
  readonly apiKey: string | null;
  readonly collection: string;
  readonly shardNumber: number | null;
  readonly replicationFactor: number | null;
  readonly writeConsistencyFactor: number | null;
  readonly timeoutS: number;
}

/** Points per upsert request: Qdrant's default request limit is 32 MB. */
const UPSERT_CHUNK = 500;
const DELETE_CHUNK = 1000;

export function qdrantUrl(options: Pick<QdrantStoreOptions, "host" | "port" | "https">): string {
  return `${options.https ? "https" : "http"}://${options.host}:${options.port}`;
}

/** Qdrant over REST. The first request checks the server is there, so a down server fails fast. */
export async function openQdrantStore(options: QdrantStoreOptions): Promise<VectorStoreDriver> {
  const { QdrantClient } = await import("@qdrant/js-client-rest");
  const url = qdrantUrl(options);
  const client = new QdrantClient({
    url,
    ...(options.apiKey === null ? {} : { apiKey: options.apiKey }),
    timeout: options.timeoutS * 1000,
    // The version check is one more request and prints a warning when it fails.
    checkCompatibility: false,
  });
  const store = new QdrantStore(client, url, options);
  await store.dimension();
  return store;
}

class QdrantStore implements VectorStoreDriver {
  readonly backend = "qdrant";
  readonly collection: string;
  readonly #client: QdrantClient;
  readonly #url: string;
  readonly #options: QdrantStoreOptions;
  #dimension: number | null = null;
  /** Payload fields known to have an index, so each is created once. */
  readonly #indexedFields = new Set<string>();

  constructor(client: QdrantClient, url: string, options: QdrantStoreOptions) {
    this.#client = client;
    this.#url = url;
    this.#options = options;
    this.collection = options.collection;
  }

  async listCollections(): Promise<string[]> {
    const listed = await this.#call("list the collections", () => this.#client.getCollections());
    return listed.collections.map((collection) => collection.name);
  }

  async dimension(): Promise<number | null> {
    if (this.#dimension !== null) return this.#dimension;
    const info = await this.#info();
    if (info === null) return null;
    const vectors = info.config.params.vectors;
    const size =
      typeof vectors === "object" && vectors !== null && "size" in vectors
        ? vectors.size
        : undefined;
    this.#dimension = typeof size === "number" ? size : null;
    for (const field of Object.keys(info.payload_schema)) this.#indexedFields.add(field);
    return this.#dimension;
  }

  async upsert(batch: CheckedBatch): Promise<void> {
    if ((await this.dimension()) === null) await this.#createCollection(batch.dimension);
    for (let start = 0; start < batch.ids.length; start += UPSERT_CHUNK) {
      const points = batch.ids.slice(start, start + UPSERT_CHUNK).map((id, i) => {
        const vector = batch.vectors[start + i] as Float32Array;
        const payload = toPayload(id, vector, batch.metadata[start + i] ?? {});
        return { id: pointIdFor(id), vector: Array.from(vector), payload: { ...payload } };
      });
      await this.#call("upsert points", () =>
        this.#client.upsert(this.collection, { wait: true, points }),
      );
    }
  }

  async search(
    vector: Float32Array,
    topK: number,
    filter: readonly FilterCondition[],
  ): Promise<ScoredHit[]> {
    await this.#ensurePayloadIndexes(filter);
    const qdrantFilter = filterToQdrant(filter);
    const response = await this.#call("query", () =>
      this.#client.query(this.collection, {
        query: Array.from(vector),
        limit: topK,
        with_payload: true,
        ...(qdrantFilter === undefined ? {} : { filter: qdrantFilter }),
      }),
    );
    // A Cosine collection scores by cosine similarity already.
    return response.points.map((point) => {
      const { id, metadata } = fromPayload(point.payload, String(point.id));
      return { id, score: point.score, metadata };
    });
  }

  async find(filter: readonly FilterCondition[], limit: number): Promise<StoredMatch[]> {
    await this.#ensurePayloadIndexes(filter);
    const qdrantFilter = filterToQdrant(filter);
    const response = await this.#call("scroll points", () =>
      this.#client.scroll(this.collection, {
        limit,
        with_payload: true,
        with_vector: false,
        ...(qdrantFilter === undefined ? {} : { filter: qdrantFilter }),
      }),
    );
    return response.points.map((point) => {
      const { id, metadata } = fromPayload(point.payload, String(point.id));
      return { id, metadata };
    });
  }

  async get(id: string): Promise<StoredVector | null> {
    const points = await this.#call("retrieve a point", () =>
      this.#client.retrieve(this.collection, {
        ids: [pointIdFor(id)],
        with_payload: true,
        with_vector: true,
      }),
    );
    const point = points[0];
    return point === undefined ? null : toStored(point);
  }

  async delete(ids: readonly string[]): Promise<void> {
    for (let start = 0; start < ids.length; start += DELETE_CHUNK) {
      const points = ids.slice(start, start + DELETE_CHUNK).map(pointIdFor);
      await this.#call("delete points", () =>
        this.#client.delete(this.collection, { wait: true, points }),
      );
    }
  }

  async count(filter: readonly FilterCondition[]): Promise<number> {
    await this.#ensurePayloadIndexes(filter);
    const qdrantFilter = filterToQdrant(filter);
    const response = await this.#call("count points", () =>
      this.#client.count(this.collection, {
        exact: true,
        ...(qdrantFilter === undefined ? {} : { filter: qdrantFilter }),
      }),
    );
    return response.count;
  }

  async stats(): Promise<CollectionStats> {
    const base = { backend: this.backend, collection: this.collection } as const;
    const dimension = await this.dimension();
    const info = await this.#info();
    if (info === null || dimension === null) {
      return { ...base, count: 0, dimension: null, storageBytes: 0, indexed: false };
    }
    return {
      ...base,
      count: await this.count([]),
      dimension,
      // Qdrant's REST API does not report bytes on disk.
      storageBytes: null,
      indexed: (info.indexed_vectors_count ?? 0) > 0,
    };
  }

  async *scan(batchSize: number): AsyncIterable<StoredVector[]> {
    let offset: Schemas["ExtendedPointId"] | undefined;
    for (;;) {
      const page = await this.#call("scroll points", () =>
        this.#client.scroll(this.collection, {
          limit: batchSize,
          with_payload: true,
          with_vector: true,
          ...(offset === undefined ? {} : { offset }),
        }),
      );
      if (page.points.length > 0) yield page.points.map(toStored);
      const next = page.next_page_offset;
      if (
        next === undefined ||
        next === null ||
        (typeof next !== "string" && typeof next !== "number")
      ) {
        return;
      }
      offset = next;
    }
  }

  /**
   * Qdrant builds its HNSW index itself once a segment passes its indexing threshold; there is
   * nothing to start by hand. Reports whether the index serves vectors yet.
   */
  async createIndex(): Promise<boolean> {
    const info = await this.#info();
    return (info?.indexed_vectors_count ?? 0) > 0;
  }

  async close(): Promise<void> {
    // REST over keep-alive sockets: nothing to close; undici drops idle sockets itself.
  }

  async #info(): Promise<Schemas["CollectionInfo"] | null> {
    const exists = await this.#call("check the collection", () =>
      this.#client.collectionExists(this.collection),
    );
    if (!exists.exists) return null;
    return this.#call("describe the collection", () => this.#client.getCollection(this.collection));
  }

  async #createCollection(dimension: number): Promise<void> {
    const o = this.#options;
    await this.#call("create the collection", () =>
      this.#client.createCollection(this.collection, {
        vectors: { size: dimension, distance: "Cosine" },
        ...(o.shardNumber === null ? {} : { shard_number: o.shardNumber }),
        ...(o.replicationFactor === null ? {} : { replication_factor: o.replicationFactor }),
        ...(o.writeConsistencyFactor === null
          ? {}
          : { write_consistency_factor: o.writeConsistencyFactor }),
      }),
    );
    this.#dimension = dimension;
  }

  /** Best effort: a missing index only makes filtering slower, never wrong. */
  async #ensurePayloadIndexes(filter: readonly FilterCondition[]): Promise<void> {
    for (const [field, type] of payloadIndexesFor(filter)) {
      if (this.#indexedFields.has(field)) continue;
      this.#indexedFields.add(field);
      await this.#client
        .createPayloadIndex(this.collection, { field_name: field, field_schema: type, wait: true })
        .catch(() => {});
    }
  }

  async #call<T>(action: string, request: () => Promise<T>): Promise<T> {
    try {
      return await request();
    } catch (error) {
      throw qdrantError(this.#url, action, error);
    }
  }
}

function toStored(point: {
  id: Schemas["ExtendedPointId"];
  payload?: Record<string, unknown> | null;
  vector?: unknown;
}): StoredVector {
  const { id, norm, metadata } = fromPayload(point.payload, String(point.id));
  const unit = Array.isArray(point.vector) ? (point.vector as number[]) : [];
  // Cosine collections store the unit vector; scale back to the length the caller stored.
  return { id, vector: unit.map((x) => Math.fround(x * norm)), metadata };
}
