import { join } from "node:path";
import type { Connection, Table, VectorQuery } from "@lancedb/lancedb";
import type { FixedSizeList } from "apache-arrow";
import { AiosError, isAiosError } from "../../../core/errors.js";
import type { FilterCondition } from "../filter.js";
import { acquireLock, type HeldLock } from "../lock-file.js";
import type {
  CheckedBatch,
  CollectionStats,
  ScoredHit,
  StoredMatch,
  StoredVector,
  StoreLockOptions,
  VectorStoreDriver,
} from "../types.js";
import { batchToArrow } from "./arrow-batch.js";
import { isCommitConflict, retryCommitConflicts } from "./commit-retry.js";
import { filterToSql, idsToSql, sqlString } from "./filter-sql.js";
import { HnswIndex, type HnswParams } from "./hnsw-index.js";
import { parseMetadata, recordsOf } from "./rows.js";

type LanceDb = typeof import("@lancedb/lancedb");

export type LanceDbIndexKind = "hnsw" | "ivf_flat";

export interface LanceDbStoreOptions {
  /** Database directory; created when missing. */
  readonly path: string;
  readonly collection: string;
  /** Build the ANN index automatically once the table holds this many rows. */
  readonly indexMinRows: number;
  readonly nprobes: number;
  /**
   * `hnsw`: an in-process HNSW graph (usearch) beside the table serves unfiltered queries;
   * `ivf_flat`: LanceDB's own IVF_FLAT index. See docs/MEMORY.md for the trade-offs.
   */
  readonly index: LanceDbIndexKind;
  readonly hnsw: HnswParams;
  /** How a write waits for another aios process writing the same table. */
  readonly lock: StoreLockOptions;
}

/** IVF trains k-means on the vectors; below this many rows it cannot, and exact search is fast anyway. */
const MIN_INDEX_ROWS = 256;
const DELETE_CHUNK = 500;
/** Re-index once this share of the rows arrived after the index was built. */
const STALE_INDEX_SHARE = 0.1;
/**
 * Graph neighbours examined per requested result of a filtered query before falling back to
 * exact search over the matching rows: for a top-10, a filter matching 10 % of the rows leaves
 * ~20 of 200, enough; one matching 1 % leaves ~2, and then the exact path answers (recall 1).
 * Measured at 100k: 1000 candidates cost 12 ms a query and let 1 % filters through the graph
 * at recall 0.97.
 */
const FILTER_CANDIDATES_PER_RESULT = 20;
/** Many small merge-insert fragments slow every scan; compact past this many. */
const MAX_SMALL_FRAGMENTS = 64;

/**
 * Loaded on first use: the native module is large, and LanceDB's Rust logger prints WARN lines
 * on stderr for routine events (creating a table) unless LANCEDB_LOG is set before it loads.
 */
async function loadLanceDb(): Promise<LanceDb> {
  process.env.LANCEDB_LOG ??= "error";
  return import("@lancedb/lancedb");
}

/** The write lock of a table: a file beside the table's `<collection>.lance` directory. */
export function lanceDbLockPath(path: string, collection: string): string {
  return join(path, `${collection}.lock`);
}

/** Embedded LanceDB: one table per collection in a directory; nothing to run. */
/**
 * Whether a LanceDB store with `index` at `path` keeps an HNSW graph beside its table: with
 * `index: hnsw` on a local path (object-storage URIs such as s3:// keep none and use IVF_FLAT).
 */
export function keepsHnswGraph(index: LanceDbIndexKind, path: string): boolean {
  return index === "hnsw" && !/^[a-z][a-z0-9+.-]*:\/\//i.test(path);
}

export async function openLanceDbStore(options: LanceDbStoreOptions): Promise<VectorStoreDriver> {
  const lancedb = await loadLanceDb();
  let db: Connection;
  try {
    db = await lancedb.connect(options.path);
  } catch (error) {
    throw new AiosError(
      "VECTOR_STORE",
      `Cannot open the LanceDB database at ${options.path}: ${String(error)}`,
      {
        hint: "check memory.vector_store.lancedb.path: it must be a writable directory",
        cause: error,
      },
    );
  }
  return new LanceDbStore(lancedb, db, options);
}

class LanceDbStore implements VectorStoreDriver {
  readonly backend = "lancedb";
  readonly collection: string;
  readonly #lancedb: LanceDb;
  readonly #db: Connection;
  readonly #options: LanceDbStoreOptions;
  #table: Table | null = null;
  #dimension: number | null = null;
  /** Whether a vector index exists, cached between writes (listing indices costs a query). */
  #indexed: boolean | null = null;
  #waitNoticeGiven = false;
  /** The HNSW graph; undefined until looked for on disk, null when there is none. */
  #hnsw: HnswIndex | null | undefined = undefined;
  /**
   * Why the saved graph was not loaded, when its settings differ from this client's (see
   * `HnswIndex.open`); null otherwise. Looked for with #hnsw, cleared by a build.
   */
  #hnswMismatch: string | null = null;
  /** `HnswIndex.savedStamp` when the graph was last looked for on disk. */
  #hnswStamp: string | null = null;
  /** The graph build under way outside the write lock, if any (#rebuildGraph). */
  #rebuilding: Promise<void> | null = null;
  /** Searches begun and not yet answered: above 1, graph searches may go to worker threads. */
  #searching = 0;

  constructor(lancedb: LanceDb, db: Connection, options: LanceDbStoreOptions) {
    this.#lancedb = lancedb;
    this.#db = db;
    this.#options = options;
    this.collection = options.collection;
  }

  listCollections(): Promise<string[]> {
    return this.#db.tableNames();
  }

  async dimension(): Promise<number | null> {
    await this.#openTable();
    return this.#dimension;
  }

  async upsert(batch: CheckedBatch): Promise<void> {
    const data = batchToArrow(batch);
    const rebuild = await this.#exclusive(async () => {
      let table = await this.#latestTable();
      if (table === null) {
        try {
          this.#table = await this.#db.createTable(this.collection, data);
          this.#dimension = batch.dimension;
          table = this.#table;
        } catch (error) {
          // Another program (not holding aios's lock) created it first: merge into it.
          if (!/already exists/i.test(String(error))) throw error;
          table = await this.#requireTable();
          await this.#merge(table, batch, data);
        }
      } else {
        const hnsw = await this.#currentHnsw(table);
        await this.#merge(table, batch, data);
        if (hnsw !== null) await this.#mirror(table, hnsw, 1, (h) => h.upsert(batch));
      }
      return this.#maintainWhenFree();
    });
    if (rebuild) await this.#rebuildGraph();
  }

  async #merge(table: Table, batch: CheckedBatch, data: ReturnType<typeof batchToArrow>) {
    if (this.#dimension !== batch.dimension) {
      // Another process created the table, with another dimension, after the client checked.
      throw new AiosError(
        "VECTOR_INPUT",
        `${this.collection} holds ${this.#dimension}-dimensional vectors; this batch has ${batch.dimension}`,
        { hint: "use vectors of the collection's dimension, or another --collection" },
      );
    }
    await retryOnTable(table, `upserting ${batch.ids.length} records into ${this.collection}`, () =>
      table.mergeInsert("id").whenMatchedUpdateAll().whenNotMatchedInsertAll().execute(data),
    );
  }

  async search(
    vector: Float32Array,
    topK: number,
    filter: readonly FilterCondition[],
  ): Promise<ScoredHit[]> {
    this.#searching++;
    try {
      return await this.#search(vector, topK, filter);
    } finally {
      this.#searching--;
    }
  }

  async #search(
    vector: Float32Array,
    topK: number,
    filter: readonly FilterCondition[],
  ): Promise<ScoredHit[]> {
    const table = await this.#requireTable();
    const where = filterToSql(filter);
    const hnsw = await this.#currentHnsw(table);
    if (hnsw !== null) {
      // Alone, a query is answered soonest on this thread (no message to a worker and back).
      const offload = this.#searching > 1;
      if (where === null) return hnsw.search(vector, topK, offload);
      // Filtering the graph's nearest afterwards starves the top-k under a selective filter
      // (filtered recall collapses); so over-fetch, and when too few of those match, let
      // LanceDB apply the filter first and search the matching rows exactly.
      const hits = await hnsw.searchFiltered(
        vector,
        topK,
        filter,
        topK * FILTER_CANDIDATES_PER_RESULT,
        offload,
      );
      if (hits !== null) return hits;
    }
    const indexed = await this.#isIndexed();
    const build = (exact: boolean): VectorQuery => {
      let query = table
        .vectorSearch(vector)
        .column("vector")
        .distanceType("cosine")
        .select(["id", "metadata"])
        .limit(topK);
      if (where !== null) query = query.where(where);
      if (exact) query = query.bypassVectorIndex();
      else if (indexed) query = query.nprobes(this.#options.nprobes);
      return query;
    };
    let rows = await build(false).toArray();
    // An IVF index only probes some partitions; a selective filter can leave fewer than topK
    // matches there although more exist. Then search the matching rows exactly.
    if (indexed && where !== null && rows.length < topK) rows = await build(true).toArray();
    return rows.map((row: { id: string; metadata: unknown; _distance: number }) => ({
      id: String(row.id),
      // LanceDB's cosine distance is 1 - cosine similarity.
      score: 1 - row._distance,
      metadata: parseMetadata(row.metadata),
    }));
  }

  async find(filter: readonly FilterCondition[], limit: number): Promise<StoredMatch[]> {
    const table = await this.#requireTable();
    const where = filterToSql(filter);
    let query = table.query().select(["id", "metadata"]).limit(limit);
    if (where !== null) query = query.where(where);
    const rows: { id: string; metadata: unknown }[] = await query.toArray();
    return rows.map((row) => ({ id: String(row.id), metadata: parseMetadata(row.metadata) }));
  }

  async get(id: string): Promise<StoredVector | null> {
    const table = await this.#requireTable();
    const query = table
      .query()
      .where(`id = ${sqlString(id)}`)
      .select(["id", "vector", "metadata"])
      .limit(1);
    const table_ = await query.toArrow();
    for (const batch of table_.batches) {
      const [record] = recordsOf(batch);
      if (record !== undefined) return record;
    }
    return null;
  }

  async delete(ids: readonly string[]): Promise<void> {
    await this.#exclusive(async () => {
      const table = await this.#latestTable();
      if (table === null) return;
      const hnsw = await this.#currentHnsw(table);
      for (let i = 0; i < ids.length; i += DELETE_CHUNK) {
        const chunk = ids.slice(i, i + DELETE_CHUNK);
        await retryOnTable(table, `deleting ${chunk.length} ids from ${this.collection}`, () =>
          table.delete(idsToSql(chunk)),
        );
      }
      if (hnsw !== null)
        await this.#mirror(table, hnsw, Math.ceil(ids.length / DELETE_CHUNK), (h) => h.delete(ids));
    });
  }

  async count(filter: readonly FilterCondition[]): Promise<number> {
    const table = await this.#requireTable();
    return table.countRows(filterToSql(filter) ?? undefined);
  }

  async stats(): Promise<CollectionStats> {
    const table = await this.#openTable();
    const base = { backend: this.backend, collection: this.collection } as const;
    if (table === null) {
      return { ...base, count: 0, dimension: null, storageBytes: 0, indexed: false };
    }
    const stats = await table.stats();
    return {
      ...base,
      count: await table.countRows(),
      dimension: this.#dimension,
      storageBytes:
        stats.totalBytes +
        (this.#hnswEnabled() ? await HnswIndex.savedBytes(this.#options.path, this.collection) : 0),
      ...(await this.#indexInUse(table)),
    };
  }

  async *scan(batchSize: number): AsyncIterable<StoredVector[]> {
    const table = await this.#requireTable();
    let pending: StoredVector[] = [];
    for await (const batch of table.query().select(["id", "vector", "metadata"])) {
      pending.push(...recordsOf(batch));
      while (pending.length >= batchSize) {
        yield pending.slice(0, batchSize);
        pending = pending.slice(batchSize);
      }
    }
    if (pending.length > 0) yield pending;
  }

  /**
   * Moves the table handle to the latest version, and drops a graph that no longer matches it
   * (or the memory of having found none) when the saved graph on disk has changed since it
   * was looked for: the process that wrote may have saved one for the new version.
   */
  async refresh(): Promise<void> {
    const table = await this.#openTable();
    if (table === null) return;
    await table.checkoutLatest();
    this.#indexed = null;
    const hnsw = this.#hnsw;
    if (hnsw === undefined || !this.#hnswEnabled()) return;
    if (hnsw !== null && hnsw.tableVersion === (await table.version())) return;
    if ((await HnswIndex.savedStamp(this.#options.path, this.collection)) === this.#hnswStamp)
      return;
    await hnsw?.close();
    this.#hnsw = undefined;
  }

  createIndex(): Promise<boolean> {
    return this.#exclusive(async () => {
      await this.#latestTable();
      return this.#createIndex();
    });
  }

  async #createIndex(): Promise<boolean> {
    const table = await this.#requireTable();
    const rows = await table.countRows();
    if (rows < MIN_INDEX_ROWS) return false;
    if (this.#hnswEnabled()) {
      const hnsw = await HnswIndex.build(table, this.#dimension ?? 0, this.#options.hnsw);
      await hnsw.save(this.#options.path, this.collection);
      this.#hnsw = hnsw;
      this.#hnswMismatch = null;
      return true;
    }
    // IVF_FLAT: k-means partitions holding the full vectors, so the probed partitions are
    // searched exactly. On 1M clustered 128-D vectors it built in 11 s and found the exact
    // top-10 (recall 1.0) in 4 ms; IVF-PQ needed a refine factor of 100 (11 ms) for that,
    // IVF-HNSW-SQ a 9x longer build (docs/BENCHMARKS.md, "Vector stores", bench:lancedb-indexes).
    const config = this.#lancedb.Index.ivfFlat({
      distanceType: "cosine",
      // ~sqrt(n) partitions, each with enough rows to train k-means.
      numPartitions: Math.max(
        1,
        Math.min(Math.round(Math.sqrt(rows)), Math.floor(rows / MIN_INDEX_ROWS)),
      ),
    });
    await retryOnTable(table, `indexing ${this.collection}`, () =>
      table.createIndex("vector", { config, replace: true }),
    );
    this.#indexed = true;
    return true;
  }

  async close(): Promise<void> {
    const hnsw = this.#hnsw;
    if (hnsw?.dirty === true && this.#table !== null) {
      // Only a graph that matches the table is worth keeping; a stale one is rebuilt anyway.
      const table = this.#table;
      await this.#exclusive(async () => {
        if (hnsw.tableVersion === (await table.version()))
          await hnsw.save(this.#options.path, this.collection);
      });
    }
    await hnsw?.close();
    this.#table?.close();
    this.#table = null;
    this.#db.close();
  }

  /**
   * Runs a write holding the table's write lock (`<path>/<collection>.lock`), so that aios
   * processes write one at a time: LanceDB itself would let two merge-inserts of one new id
   * both commit (duplicate rows) and make index builds and compactions preempt each other.
   * Readers take no lock; LanceDB serves them a consistent version.
   */
  async #exclusive<T>(write: () => Promise<T>): Promise<T> {
    let lock: HeldLock | null = null;
    // Object storage (s3://, gs://, ...) has no local file to lock: commit retries only.
    if (!/^[a-z][a-z0-9+.-]*:\/\//i.test(this.#options.path)) {
      lock = await acquireLock(lanceDbLockPath(this.#options.path, this.collection), {
        what: `LanceDB table ${this.collection} at ${this.#options.path}`,
        ...this.#options.lock,
        // Said once per client, not before every batch that waits its turn.
        onWait: (notice) => {
          if (this.#waitNoticeGiven) return;
          this.#waitNoticeGiven = true;
          this.#options.lock.onWait(notice);
        },
      });
    }
    try {
      return await write();
    } finally {
      await lock?.release();
    }
  }

  /**
   * The table at its latest version (a handle otherwise keeps reading the version it opened,
   * and a merge-insert planned on it would miss rows another process has since written).
   */
  async #latestTable(): Promise<Table | null> {
    const table = await this.#openTable();
    if (table !== null) await table.checkoutLatest();
    return table;
  }

  /** The table, opened on first use; null while the collection has never been written. */
  async #openTable(): Promise<Table | null> {
    if (this.#table !== null) return this.#table;
    const names = await this.#db.tableNames();
    if (!names.includes(this.collection)) return null;
    const table = await this.#db.openTable(this.collection);
    const field = (await table.schema()).fields.find((f) => f.name === "vector");
    if (field === undefined) {
      throw new AiosError("VECTOR_STORE", `LanceDB table ${this.collection} has no vector column`, {
        hint: "it was not written by aios; use another --collection",
      });
    }
    this.#dimension = (field.type as FixedSizeList).listSize;
    this.#table = table;
    return table;
  }

  async #requireTable(): Promise<Table> {
    const table = await this.#openTable();
    if (table === null)
      throw new AiosError("VECTOR_STORE", `Collection ${this.collection} does not exist`);
    return table;
  }

  async #vectorIndexName(): Promise<string | null> {
    const table = await this.#requireTable();
    const index = (await table.listIndices()).find((i) => i.columns.includes("vector"));
    this.#indexed = index !== undefined;
    return index?.name ?? null;
  }

  async #isIndexed(): Promise<boolean> {
    if (this.#indexed === null) await this.#vectorIndexName();
    return this.#indexed === true;
  }

  /** Whether this store keeps an HNSW graph: local directories only (the graph is a file). */
  #hnswEnabled(): boolean {
    return keepsHnswGraph(this.#options.index, this.#options.path);
  }

  /**
   * The HNSW graph when it holds exactly the rows of `table`'s current version; null when
   * there is none or it is stale (another process wrote since, or it was never saved), and
   * then queries fall back to LanceDB's own search until the next build.
   */
  async #currentHnsw(table: Table): Promise<HnswIndex | null> {
    if (!this.#hnswEnabled()) return null;
    if (this.#hnsw === undefined) {
      this.#hnswStamp = await HnswIndex.savedStamp(this.#options.path, this.collection);
      const saved = await HnswIndex.open(this.#options.path, this.collection, this.#options.hnsw);
      this.#hnsw = saved.index;
      this.#hnswMismatch = saved.mismatch;
    }
    const hnsw = this.#hnsw;
    if (hnsw === null) return null;
    return hnsw.tableVersion === (await table.version()) ? hnsw : null;
  }

  /**
   * Applies a write just committed to the table to the graph as well. The graph was current
   * before the write; if the table moved by more than this one commit (another program wrote
   * in between), the graph is left stale instead.
   */
  async #mirror(
    table: Table,
    hnsw: HnswIndex,
    commits: number,
    apply: (hnsw: HnswIndex) => void,
  ): Promise<void> {
    const moved = (await table.version()) - hnsw.tableVersion;
    // A write that changed nothing may commit nothing; more commits than ours: someone else's.
    if (moved === 0 || moved > commits) return;
    const after = hnsw.tableVersion + moved;
    apply(hnsw);
    hnsw.tableVersion = after;
  }

  /** What serves unfiltered queries now, for stats and the GUI. */
  async #indexInUse(table: Table): Promise<{ indexed: boolean; index: string }> {
    if (this.#hnswEnabled()) {
      const hnsw = await this.#currentHnsw(table);
      if (hnsw !== null) {
        const p = hnsw.params;
        return {
          indexed: true,
          index: `HNSW (${p.library}), M ${p.m}, ef_construction ${p.efConstruction}, ef_search ${p.efSearch}, ${p.scalar} vectors; filtered: ${FILTER_CANDIDATES_PER_RESULT} graph candidates per result, else exact over the matching rows`,
        };
      }
    }
    if (await this.#isIndexed())
      return { indexed: true, index: `IVF_FLAT (LanceDB), nprobes ${this.#options.nprobes}` };
    // #currentHnsw above looked for the saved graph, and so for why it is not used.
    const mismatch = this.#hnswEnabled() ? this.#hnswMismatch : null;
    return {
      indexed: false,
      index:
        mismatch === null
          ? "none: exact search"
          : `none: exact search (the saved HNSW graph has ${mismatch}; the next write or vs-index rebuilds it)`,
    };
  }

  /**
   * Maintenance after a committed write; true when the HNSW graph is missing or stale and the
   * table is large enough to want one (built after the lock is released: #rebuildGraph). When
   * other programs keep preempting it, it is left to the next write (which checks again): the
   * records are already stored, and failing the upsert now would report a write as lost that
   * is not.
   */
  async #maintainWhenFree(): Promise<boolean> {
    try {
      return await this.#maintain();
    } catch (error) {
      if (
        !(isAiosError(error) && error.code === "VECTOR_STORE_BUSY" && isCommitConflict(error.cause))
      ) {
        throw error;
      }
      return false;
    }
  }

  /** After a write: refresh a stale IVF index, compact; say whether the graph needs building. */
  async #maintain(): Promise<boolean> {
    const table = await this.#requireTable();
    if (this.#hnswEnabled()) {
      const stats = await table.stats();
      if (stats.fragmentStats.numSmallFragments > MAX_SMALL_FRAGMENTS) {
        const current = await this.#currentHnsw(table);
        await retryOnTable(table, `compacting ${this.collection}`, () => table.optimize());
        // Compaction rewrites files, not rows: the graph still holds the table's records.
        if (current !== null) current.tableVersion = await table.version();
      }
      return (
        (await this.#currentHnsw(table)) === null &&
        (await table.countRows()) >= this.#options.indexMinRows
      );
    }
    const indexName = await this.#vectorIndexName();
    if (indexName === null) {
      if ((await table.countRows()) >= this.#options.indexMinRows) await this.#createIndex();
    } else {
      const stats = await table.indexStats(indexName);
      if (
        stats !== undefined &&
        stats.numUnindexedRows > STALE_INDEX_SHARE * stats.numIndexedRows
      ) {
        await retryOnTable(table, `compacting ${this.collection}`, () => table.optimize());
        return false;
      }
    }
    const stats = await table.stats();
    if (stats.fragmentStats.numSmallFragments > MAX_SMALL_FRAGMENTS) {
      await retryOnTable(table, `compacting ${this.collection}`, () => table.optimize());
    }
    return false;
  }
  /**
   * Builds the HNSW graph of the table's current version without holding the write lock, so
   * that other writers are not kept waiting for minutes (1M vectors) and do not time out;
   * then takes the lock only to install it, if nothing was written meanwhile. If something
   * was, the graph is already stale and is dropped: the next write builds again, and queries
   * go to LanceDB until one is installed.
   */
  async #rebuildGraph(): Promise<void> {
    this.#rebuilding ??= (async () => {
      const table = await this.#requireTable();
      const built = await HnswIndex.build(table, this.#dimension ?? 0, this.#options.hnsw);
      let installed = false;
      try {
        installed = await this.#exclusive(async () => {
          const latest = await this.#latestTable();
          if (latest === null || (await latest.version()) !== built.tableVersion) return false;
          await built.save(this.#options.path, this.collection);
          await this.#hnsw?.close();
          this.#hnsw = built;
          this.#hnswMismatch = null;
          this.#hnswStamp = await HnswIndex.savedStamp(this.#options.path, this.collection);
          return true;
        });
      } catch (error) {
        // The write it follows is committed: a lock held elsewhere only defers the graph.
        if (!(isAiosError(error) && error.code === "VECTOR_STORE_BUSY")) throw error;
      } finally {
        if (!installed) await built.close();
      }
    })().finally(() => {
      this.#rebuilding = null;
    });
    await this.#rebuilding;
  }
}

/** Commit-conflict retries on `table`, moved to the latest version before each retry. */
function retryOnTable<T>(table: Table, what: string, attempt: () => Promise<T>): Promise<T> {
  return retryCommitConflicts(what, attempt, { beforeRetry: () => table.checkoutLatest() });
}
