import { availableParallelism } from "node:os";
import type { VectorStoreBackend, VectorStoreConfig } from "../../config/memory-config.js";
import { AiosError } from "../../core/errors.js";
import { CheckedVectorStore } from "./checked-client.js";
import { collectionName, DEFAULT_COLLECTION } from "./collection-name.js";
import type { StoreLockOptions, VectorStoreClient, VectorStoreDriver } from "./types.js";

export interface CreateVectorStoreOptions {
  /** Collection name without the prefix (default "default"). */
  readonly collection?: string;
  /**
   * Told once when another process holds the embedded store and this one waits for it
   * (`memory.vector_store.lock_timeout_s`); default: a line on stderr.
   */
  readonly onLockWait?: (notice: string) => void;
}

const LOCK_TIMEOUT_SETTING = "memory.vector_store.lock_timeout_s";

function noticeOnStderr(notice: string): void {
  process.stderr.write(`aios: ${notice}\n`);
}

/**
 * The one place that picks a driver: `memory.vector_store.backend` (or `--backend`) names it,
 * the rest of `memory.vector_store` configures it. Drivers load lazily, so using one backend
 * never loads another's engine.
 */
export async function createVectorStore(
  backend: VectorStoreBackend,
  config: VectorStoreConfig,
  options: CreateVectorStoreOptions = {},
): Promise<VectorStoreClient> {
  const collection = collectionName(
    config.collection_prefix,
    options.collection ?? DEFAULT_COLLECTION,
  );
  const lock = {
    timeoutS: config.lock_timeout_s,
    timeoutSetting: LOCK_TIMEOUT_SETTING,
    onWait: options.onLockWait ?? noticeOnStderr,
  };
  return new CheckedVectorStore(await openDriver(backend, config, collection, lock));
}

async function openDriver(
  backend: VectorStoreBackend,
  config: VectorStoreConfig,
  collection: string,
  lock: StoreLockOptions,
): Promise<VectorStoreDriver> {
  switch (backend) {
    case "lancedb": {
      const { keepsHnswGraph, openLanceDbStore } = await import("./lancedb/lancedb-store.js");
      const { resolveHnswLibrary } = await import("./lancedb/hnsw-graph.js");
      // The library is resolved (and its absence told or refused) only where a graph is kept;
      // elsewhere the value is never read.
      const library = keepsHnswGraph(config.lancedb.index, config.lancedb.path)
        ? resolveHnswLibrary(config.lancedb.hnsw_library, noticeOnStderr)
        : "usearch";
      return openLanceDbStore({
        path: config.lancedb.path,
        collection,
        indexMinRows: config.index_min_rows,
        nprobes: config.lancedb.nprobes,
        index: config.lancedb.index,
        hnsw: {
          library,
          m: config.lancedb.hnsw_m,
          efConstruction: config.lancedb.hnsw_ef_construction,
          scalar: config.lancedb.hnsw_scalar,
          efSearch: config.lancedb.ef_search,
          buildThreads: config.lancedb.build_threads,
          searchThreads:
            config.lancedb.search_threads === 0
              ? availableParallelism()
              : config.lancedb.search_threads,
        },
        lock,
      });
    }
    case "pgvector": {
      const { openPgvectorStore } = await import("./pgvector/pgvector-store.js");
      const pg = config.pgvector;
      return openPgvectorStore({
        url: pg.url,
        path: pg.path,
        collection,
        indexMinRows: config.index_min_rows,
        hnswM: pg.hnsw_m,
        hnswEfConstruction: pg.hnsw_ef_construction,
        efSearch: pg.ef_search,
        maintenanceWorkMemMb: pg.maintenance_work_mem_mb,
        lock,
      });
    }
    case "qdrant": {
      const { openQdrantStore } = await import("./qdrant/qdrant-store.js");
      const q = config.qdrant;
      return openQdrantStore({
        host: q.host,
        port: q.port,
        https: q.https,
        apiKey: q.api_key,
        collection,
        shardNumber: q.shard_number,
        replicationFactor: q.replication_factor,
        writeConsistencyFactor: q.write_consistency_factor,
        timeoutS: q.timeout_s,
      });
    }
    case "disabled":
      throw new AiosError(
        "VECTOR_STORE_DISABLED",
        'The vector store is disabled (memory.vector_store.backend is "disabled"), so memory features are off',
        {
          hint: "set memory.vector_store.backend to lancedb (embedded, needs nothing), pgvector or qdrant, or pass --backend lancedb",
        },
      );
  }
}
