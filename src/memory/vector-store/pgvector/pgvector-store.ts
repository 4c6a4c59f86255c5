import { AiosError } from "../../../core/errors.js";
import type { FilterCondition } from "../filter.js";
import type {
  CheckedBatch,
  CollectionStats,
  Metadata,
  ScoredHit,
  StoredMatch,
  StoredVector,
  StoreLockOptions,
  VectorStoreDriver,
} from "../types.js";
import { filterToSql } from "./filter-sql.js";
import { openPgServerConnection } from "./pg-server-connection.js";
import { openPgliteConnection } from "./pglite-connection.js";
import type { SqlConnection } from "./sql-connection.js";
import { vectorFromText, vectorToText } from "./vector-text.js";

export interface PgvectorStoreOptions {
  /** A server URL, or null for embedded PGlite at `path`. */
  readonly url: string | null;
  readonly path: string;
  readonly collection: string;
  readonly indexMinRows: number;
  readonly hnswM: number;
  readonly hnswEfConstruction: number;
  readonly efSearch: number;
  /**
   * PostgreSQL's `maintenance_work_mem` (MiB) for the index build, or null for the database's
   * own. pgvector builds the graph in this memory and, once it is full, goes on inserting into
   * the on-disk index one tuple at a time, which is much slower (pgvector README, "Index
   * Build Time").
   */
  readonly maintenanceWorkMemMb: number | null;
  /** How PGlite waits for another process's lock on its directory (not used with a URL). */
  readonly lock: StoreLockOptions;
}

/** Rows per INSERT statement: big enough to amortise parsing, small enough for one message. */
const INSERT_CHUNK = 2000;

/** pgvector: one table per collection, `id text` primary key, HNSW cosine index. */
export async function openPgvectorStore(options: PgvectorStoreOptions): Promise<VectorStoreDriver> {
  const connection =
    options.url === null
      ? await openPgliteConnection(options.path, options.lock)
      : await openPgServerConnection(options.url);
  try {
    await prepareSession(connection, options.efSearch);
  } catch (error) {
    await connection.close();
    throw error;
  }
  return new PgvectorStore(connection, options);
}

async function prepareSession(connection: SqlConnection, efSearch: number): Promise<void> {
  try {
    // Serialised like #ddl: two first sessions on a fresh server would race in the catalog.
    await connection.transaction(async (tx) => {
      await tx.query("SELECT pg_advisory_xact_lock(hashtext('aios: CREATE EXTENSION vector'))");
      await tx.query("CREATE EXTENSION IF NOT EXISTS vector");
    });
  } catch (error) {
    throw new AiosError(
      "VECTOR_STORE",
      `PostgreSQL at ${connection.location} has no pgvector extension: ${String(error)}`,
      {
        hint: "install pgvector on the server (https://github.com/pgvector/pgvector), or set memory.vector_store.pgvector.url to null for embedded PGlite",
        cause: error,
      },
    );
  }
  // Without iterative scans an HNSW search stops after ef_search candidates, and a filter
  // applied afterwards can leave fewer than top-k rows although more match (pgvector >= 0.8).
  await connection.query(`SET hnsw.ef_search = ${Math.trunc(efSearch)}`);
  await connection.query("SET hnsw.iterative_scan = strict_order");
}

function quoteIdent(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}

interface MatchRow {
  id: string;
  metadata: Metadata | string;
}

class PgvectorStore implements VectorStoreDriver {
  readonly backend = "pgvector";
  readonly collection: string;
  readonly #sql: SqlConnection;
  readonly #options: PgvectorStoreOptions;
  readonly #table: string;
  readonly #indexName: string;
  #dimension: number | null = null;

  constructor(sql: SqlConnection, options: PgvectorStoreOptions) {
    this.#sql = sql;
    this.#options = options;
    this.collection = options.collection;
    this.#table = quoteIdent(options.collection);
    this.#indexName = quoteIdent(`${options.collection}_hnsw`);
  }

  async listCollections(): Promise<string[]> {
    // Collections are the tables with an `embedding vector(n)` column.
    const rows = await this.#sql.query<{ name: string }>(
      `SELECT c.relname AS name FROM pg_class c JOIN pg_attribute a ON a.attrelid = c.oid
       WHERE c.relkind = 'r' AND a.attname = 'embedding' AND format_type(a.atttypid, a.atttypmod) LIKE 'vector(%'
         AND pg_table_is_visible(c.oid)`,
    );
    return rows.map((row) => row.name);
  }

  async dimension(): Promise<number | null> {
    if (this.#dimension !== null) return this.#dimension;
    const rows = await this.#sql.query<{ type: string }>(
      `SELECT format_type(atttypid, atttypmod) AS type FROM pg_attribute
       WHERE attrelid = to_regclass($1) AND attname = 'embedding'`,
      [this.#table],
    );
    const match = /^vector\((\d+)\)$/.exec(rows[0]?.type ?? "");
    this.#dimension = match === null ? null : Number(match[1]);
    return this.#dimension;
  }

  async upsert(batch: CheckedBatch): Promise<void> {
    if ((await this.dimension()) === null) await this.#createTable(batch.dimension);
    if (this.#dimension !== batch.dimension) {
      // Another session created the table, with another dimension, after the client checked.
      throw new AiosError(
        "VECTOR_INPUT",
        `${this.collection} holds ${this.#dimension}-dimensional vectors; this batch has ${batch.dimension}`,
        { hint: "use vectors of the collection's dimension, or another --collection" },
      );
    }
    await this.#sql.transaction(async (tx) => {
      for (let start = 0; start < batch.ids.length; start += INSERT_CHUNK) {
        const end = start + INSERT_CHUNK;
        await tx.query(
          `INSERT INTO ${this.#table} (id, embedding, metadata)
           SELECT * FROM unnest($1::text[], $2::text[]::vector[], $3::text[]::jsonb[])
           ON CONFLICT (id) DO UPDATE SET embedding = EXCLUDED.embedding, metadata = EXCLUDED.metadata`,
          [
            batch.ids.slice(start, end),
            batch.vectors.slice(start, end).map(vectorToText),
            batch.metadata.slice(start, end).map((m) => JSON.stringify(m)),
          ],
        );
      }
    });
    if (!(await this.#indexed()) && (await this.#countAll()) >= this.#options.indexMinRows) {
      await this.createIndex();
    }
  }

  async search(
    vector: Float32Array,
    topK: number,
    filter: readonly FilterCondition[],
  ): Promise<ScoredHit[]> {
    const params: unknown[] = [vectorToText(vector)];
    const where = filterToSql(filter, params);
    params.push(topK);
    const rows = await this.#sql.query<MatchRow & { distance: number }>(
      `SELECT id, metadata, embedding <=> $1::vector AS distance FROM ${this.#table}
       ${where === null ? "" : `WHERE ${where}`}
       ORDER BY embedding <=> $1::vector LIMIT $${params.length}`,
      params,
    );
    // pgvector's <=> is cosine distance, 1 - cosine similarity.
    return rows.map((row) => ({
      id: row.id,
      score: 1 - Number(row.distance),
      metadata: readMetadata(row.metadata),
    }));
  }

  async find(filter: readonly FilterCondition[], limit: number): Promise<StoredMatch[]> {
    const params: unknown[] = [];
    const where = filterToSql(filter, params);
    params.push(limit);
    const rows = await this.#sql.query<MatchRow>(
      `SELECT id, metadata FROM ${this.#table} ${where === null ? "" : `WHERE ${where}`} LIMIT $${params.length}`,
      params,
    );
    return rows.map((row) => ({ id: row.id, metadata: readMetadata(row.metadata) }));
  }

  async get(id: string): Promise<StoredVector | null> {
    const rows = await this.#sql.query<MatchRow & { embedding: string }>(
      `SELECT id, embedding::text AS embedding, metadata FROM ${this.#table} WHERE id = $1`,
      [id],
    );
    const row = rows[0];
    return row === undefined ? null : toStored(row);
  }

  async delete(ids: readonly string[]): Promise<void> {
    await this.#sql.query(`DELETE FROM ${this.#table} WHERE id = ANY($1::text[])`, [ids]);
  }

  async count(filter: readonly FilterCondition[]): Promise<number> {
    const params: unknown[] = [];
    const where = filterToSql(filter, params);
    const rows = await this.#sql.query<{ n: number }>(
      `SELECT count(*)::float8 AS n FROM ${this.#table} ${where === null ? "" : `WHERE ${where}`}`,
      params,
    );
    return Number(rows[0]?.n ?? 0);
  }

  async stats(): Promise<CollectionStats> {
    const base = { backend: this.backend, collection: this.collection } as const;
    const dimension = await this.dimension();
    if (dimension === null)
      return { ...base, count: 0, dimension: null, storageBytes: 0, indexed: false };
    const [size] = await this.#sql.query<{ bytes: number }>(
      "SELECT pg_total_relation_size(to_regclass($1))::float8 AS bytes",
      [this.#table],
    );
    return {
      ...base,
      count: await this.#countAll(),
      dimension,
      storageBytes: Number(size?.bytes ?? 0),
      indexed: await this.#indexed(),
    };
  }

  async *scan(batchSize: number): AsyncIterable<StoredVector[]> {
    // Keyset pagination on the primary key: each page is an index range scan.
    let after: string | null = null;
    for (;;) {
      const rows: (MatchRow & { embedding: string })[] = await this.#sql.query(
        `SELECT id, embedding::text AS embedding, metadata FROM ${this.#table}
         ${after === null ? "" : "WHERE id > $2"} ORDER BY id LIMIT $1`,
        after === null ? [batchSize] : [batchSize, after],
      );
      if (rows.length === 0) return;
      yield rows.map(toStored);
      after = rows[rows.length - 1]?.id ?? null;
      if (rows.length < batchSize) return;
    }
  }

  async createIndex(): Promise<boolean> {
    // HNSW needs no training and then maintains itself on every insert, so one build is enough.
    const memory = this.#options.maintenanceWorkMemMb;
    await this.#ddl(
      `CREATE INDEX IF NOT EXISTS ${this.#indexName} ON ${this.#table}
       USING hnsw (embedding vector_cosine_ops)
       WITH (m = ${Math.trunc(this.#options.hnswM)}, ef_construction = ${Math.trunc(this.#options.hnswEfConstruction)})`,
      // SET LOCAL: for this transaction only, so the session keeps the database's setting.
      memory === null ? [] : [`SET LOCAL maintenance_work_mem = '${Math.trunc(memory)}MB'`],
    );
    return true;
  }

  /**
   * A CREATE ... IF NOT EXISTS under a transaction-scoped advisory lock on the collection: on a
   * server, two sessions creating the same table or index at once otherwise fail with a
   * unique violation in the catalog (IF NOT EXISTS is checked before, not atomically with, the
   * insert). PGlite has one session, where the lock costs nothing.
   */
  async #ddl(sql: string, settings: readonly string[] = []): Promise<void> {
    await this.#sql.transaction(async (tx) => {
      await tx.query("SELECT pg_advisory_xact_lock(hashtext($1))", [this.#table]);
      for (const setting of settings) await tx.query(setting);
      await tx.query(sql);
    });
  }

  async close(): Promise<void> {
    await this.#sql.close();
  }

  async #createTable(dimension: number): Promise<void> {
    await this.#ddl(
      `CREATE TABLE IF NOT EXISTS ${this.#table} (
         id text PRIMARY KEY,
         embedding vector(${Math.trunc(dimension)}) NOT NULL,
         metadata jsonb NOT NULL DEFAULT '{}'::jsonb
       )`,
    );
    this.#dimension = null;
    if ((await this.dimension()) === null) {
      throw new AiosError(
        "VECTOR_STORE",
        `Could not create table ${this.#table} at ${this.#sql.location}`,
      );
    }
  }

  async #countAll(): Promise<number> {
    return this.count([]);
  }

  async #indexed(): Promise<boolean> {
    const rows = await this.#sql.query<{ found: number }>(
      `SELECT 1 AS found FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid JOIN pg_am a ON a.oid = c.relam
       WHERE i.indrelid = to_regclass($1) AND a.amname = 'hnsw'`,
      [this.#table],
    );
    return rows.length > 0;
  }
}

function readMetadata(value: Metadata | string): Metadata {
  return typeof value === "string" ? (JSON.parse(value) as Metadata) : value;
}

function toStored(row: MatchRow & { embedding: string }): StoredVector {
  return {
    id: row.id,
    vector: vectorFromText(row.embedding),
    metadata: readMetadata(row.metadata),
  };
}
