import { performance } from "node:perf_hooks";
import {
  type VectorStoreBackend,
  type VectorStoreConfig,
  vectorStoreBackends,
} from "../config/memory-config.js";
import { AiosError } from "../core/errors.js";
import { createVectorStore } from "../memory/vector-store/create-vector-store.js";
import { indexInWords } from "../memory/vector-store/index-in-words.js";
import { randomVectors } from "../memory/vector-store/random-vectors.js";
import type { VectorStoreClient } from "../memory/vector-store/types.js";
import type { CollectionView, QueryView } from "./api-types.js";
import { LatencyWindow } from "./latency-window.js";

export type QuerySource = { readonly id: string } | { readonly randomSeed: number };

/**
 * The memory view: a collection's count, dimension and storage size, and queries by id or by a
 * random vector whose latencies are kept per collection. One client per collection stays open
 * between requests (opening a LanceDB collection loads its HNSW graph: seconds at 1M vectors)
 * and is refreshed before each, so writes by the CLI meanwhile are seen. An embedded PGlite
 * allows one process at a time: it is opened per request and closed after, so the CLI can
 * use it between requests.
 */
export class MemoryView {
  private readonly latencies = new Map<string, LatencyWindow>();
  private readonly open = new Map<string, Promise<VectorStoreClient>>();

  constructor(private readonly config: VectorStoreConfig) {}

  /** Closes the clients kept open. */
  async close(): Promise<void> {
    const clients = [...this.open.values()];
    this.open.clear();
    await Promise.all(clients.map(async (client) => (await client.catch(() => null))?.close()));
  }

  async collection(backend: string, collection: string): Promise<CollectionView> {
    return this.withStore(backend, collection, async (store) => {
      const stats = await store.stats();
      return {
        backend: stats.backend,
        collection: stats.collection,
        count: stats.count,
        dimension: stats.dimension,
        storageBytes: stats.storageBytes,
        indexed: stats.indexed,
        index: indexInWords(stats),
        latency: this.window(backend, collection).summary(),
      };
    });
  }

  async query(
    backend: string,
    collection: string,
    source: QuerySource,
    topK: number,
  ): Promise<QueryView> {
    return this.withStore(backend, collection, async (store) => {
      const vector = await queryVector(store, source);
      const started = performance.now();
      const hits = await store.query(vector, topK);
      const latencyMs = performance.now() - started;
      const window = this.window(backend, collection);
      window.record(latencyMs);
      return {
        hits: hits.map(([id, score]) => ({ id, score })),
        latencyMs,
        latency: window.summary(),
      };
    });
  }

  private window(backend: string, collection: string): LatencyWindow {
    const key = `${backend}/${collection}`;
    let window = this.latencies.get(key);
    if (window === undefined) {
      window = new LatencyWindow();
      this.latencies.set(key, window);
    }
    return window;
  }

  private async withStore<T>(
    backend: string,
    collection: string,
    body: (store: VectorStoreClient) => Promise<T>,
  ): Promise<T> {
    const kind = checkBackend(backend);
    if (kind === "pgvector" && this.config.pgvector.url === null) {
      const store = await createVectorStore(kind, this.config, { collection });
      try {
        return await body(store);
      } finally {
        await store.close();
      }
    }
    const key = `${kind}/${collection}`;
    let opening = this.open.get(key);
    if (opening === undefined) {
      opening = createVectorStore(kind, this.config, { collection });
      this.open.set(key, opening);
      // A failed open is not kept: the next request tries again.
      opening.catch(() => this.open.delete(key));
    }
    const store = await opening;
    await store.refresh();
    return body(store);
  }
}

function checkBackend(backend: string): VectorStoreBackend {
  const known = vectorStoreBackends as readonly string[];
  if (!known.includes(backend)) {
    throw new AiosError("VECTOR_INPUT", `Unknown vector store backend ${JSON.stringify(backend)}`, {
      hint: `choose one of ${vectorStoreBackends.join(", ")}`,
    });
  }
  return backend as VectorStoreBackend;
}

async function queryVector(
  store: VectorStoreClient,
  source: QuerySource,
): Promise<Float32Array | number[]> {
  if ("id" in source) {
    const record = await store.queryById(source.id);
    if (record === null) {
      throw new AiosError(
        "VECTOR_INPUT",
        `No record with id ${JSON.stringify(source.id)} in ${store.collection}`,
        { hint: "check the collection and the backend" },
      );
    }
    return record.vector;
  }
  const { dimension } = await store.stats();
  const vector = dimension === null ? undefined : randomVectors(1, dimension, source.randomSeed)[0];
  if (vector === undefined) {
    throw new AiosError("VECTOR_INPUT", `${store.collection} is empty: there is nothing to query`, {
      hint: "fill it first, e.g. aios memory vs-upsert --random 1000 --dim 128",
    });
  }
  return vector;
}
