import { randomBytes } from "node:crypto";
import { readdir, readFile, rename, rm, stat, writeFile } from "node:fs/promises";
import { join } from "node:path";
import type { Table } from "@lancedb/lancedb";
import type { Vector } from "apache-arrow";
import { type FilterCondition, matchesFilter } from "../filter.js";
import type { CheckedBatch, ScoredHit } from "../types.js";
import {
  graphSuffix,
  type HnswGraph,
  type HnswLibrary,
  type HnswScalar,
  type Nearest,
  newGraph,
} from "./hnsw-graph.js";
import { HnswSearchPool } from "./hnsw-search-pool.js";
import { parseMetadata } from "./rows.js";

export type { HnswLibrary, HnswScalar };

/** Graph parameters of the HNSW index (Malkov & Yashunin 2018; usearch's names in brackets). */
export interface HnswParams {
  /** The library holding the graph (resolved: never "auto"). */
  readonly library: HnswLibrary;
  /** Links per node [connectivity]: more is better recall, more memory, slower build. */
  readonly m: number;
  /** Candidate list while inserting [expansion_add]: more is a better graph, slower build. */
  readonly efConstruction: number;
  /**
   * How the graph stores vectors [quantization]: f32 as given; f16 halves the memory and builds
   * faster, but distances, and so the scores queries return, are then half-precision.
   */
  readonly scalar: HnswScalar;
  /** Candidate list per query [expansion_search]: more is better recall, slower queries. */
  readonly efSearch: number;
  /** Threads for the build; 0: every core. */
  readonly buildThreads: number;
  /**
   * Worker threads searching the saved graph while queries run concurrently; 0 or 1: none,
   * every search runs on the calling thread.
   */
  readonly searchThreads: number;
}

/**
 * Rows per graph `add` call while building. Large enough that every build thread has work,
 * small enough that the staging copy stays at 32 MiB for 128-D vectors.
 */
const BUILD_CHUNK = 65_536;

/**
 * 2: vectors stored unit-length under the inner-product metric (1: raw vectors under cosine;
 * such graphs are rebuilt on first use).
 */
const FORMAT = 2;

interface SavedHeader {
  readonly format: typeof FORMAT;
  /** The LanceDB table version whose rows the graph holds. */
  readonly tableVersion: number;
  readonly dimension: number;
  readonly m: number;
  readonly efConstruction: number;
  readonly scalar: HnswScalar;
  /** The library that wrote the graph file; absent in files saved before hnswlib: usearch. */
  readonly library?: HnswLibrary;
  /** The graph file beside this one; a fresh name per save ties the two files together. */
  readonly graph: string;
  /**
   * The graph file's size in bytes: usearch reads a short or foreign file without checking
   * and crashes the process (2.25.3: a segfault or heap corruption in `load`), so a file of
   * another size is never handed to either library.
   */
  readonly graphBytes: number;
  /** Record id and metadata JSON by graph key; null where the key was removed. */
  readonly ids: (string | null)[];
  readonly metadata: (string | null)[];
}

/**
 * An in-process HNSW graph (hnswlib or usearch) over a LanceDB table's vectors, with the ids and metadata
 * JSON it answers with. LanceDB stays the store of record; this is a derived cache that is only
 * used while `tableVersion` equals the table's version, so it can be stale but never wrong.
 * Saved beside the table as `<collection>.hnsw.json` plus a graph file it names.
 */
export class HnswIndex {
  readonly params: HnswParams;
  readonly dimension: number;
  tableVersion: number;
  readonly #graph: HnswGraph;
  readonly #ids: (string | null)[];
  readonly #metadata: (string | null)[];
  readonly #keyOf = new Map<string, number>();
  /** Whether the graph changed since it was last saved. */
  dirty: boolean;
  /** The saved file this graph equals while it is not dirty: what search workers map. */
  #savedGraph: string | null;
  #pool: HnswSearchPool | null = null;

  private constructor(
    graph: HnswGraph,
    params: HnswParams,
    dimension: number,
    tableVersion: number,
    ids: (string | null)[],
    metadata: (string | null)[],
    savedGraph: string | null,
  ) {
    this.#graph = graph;
    this.params = params;
    this.dimension = dimension;
    this.tableVersion = tableVersion;
    this.#ids = ids;
    this.#metadata = metadata;
    for (const [key, id] of ids.entries()) if (id !== null) this.#keyOf.set(id, key);
    this.#savedGraph = savedGraph;
    this.dirty = savedGraph === null;
  }

  get size(): number {
    return this.#keyOf.size;
  }

  /**
   * Reads every row of `table` (at its current version) into a new graph. Vectors are copied
   * straight out of the Arrow column and inserted `BUILD_CHUNK` rows per call, so the build
   * threads share large batches (one call per LanceDB batch of ~1000 rows left them idle).
   */
  static async build(table: Table, dimension: number, params: HnswParams): Promise<HnswIndex> {
    const tableVersion = await table.version();
    const rows = await table.countRows();
    return HnswIndex.#fill(dimension, params, tableVersion, rows, tableRows(table, dimension));
  }

  /**
   * A graph over records held in memory, as `build` makes from a table's rows (`metadata` is
   * the JSON text the table stores); `tableVersion` is the version they are said to be.
   */
  static fromRecords(
    records: readonly { id: string; vector: Float32Array; metadata: string }[],
    dimension: number,
    params: HnswParams,
    tableVersion: number,
  ): Promise<HnswIndex> {
    const rows: RowBatch = {
      ids: records.map((r) => r.id),
      metadata: records.map((r) => r.metadata),
      vector: (i) => (records[i] as { vector: Float32Array }).vector,
    };
    return HnswIndex.#fill(dimension, params, tableVersion, records.length, [rows]);
  }

  static async #fill(
    dimension: number,
    params: HnswParams,
    tableVersion: number,
    expectedRows: number,
    batches: AsyncIterable<RowBatch> | Iterable<RowBatch>,
  ): Promise<HnswIndex> {
    const graph = await newGraph({ ...params, dimension });
    graph.beginBuild(expectedRows);
    const ids: string[] = [];
    const metadata: string[] = [];
    // One staging buffer for the whole build: both libraries copy the rows they are given, and
    // a fresh 32 MiB buffer per call made V8 start a garbage collection each time, whose
    // background threads then took cores from the build (200k rows: 6.7 s against 5.5 s).
    const chunk = new Float32Array(BUILD_CHUNK * dimension);
    let filled = 0;
    const flush = () => {
      if (filled === 0) return;
      const keys = new BigUint64Array(filled);
      const first = ids.length - filled;
      for (let i = 0; i < filled; i++) keys[i] = BigInt(first + i);
      graph.add(keys, chunk.subarray(0, filled * dimension), params.buildThreads);
      filled = 0;
    };
    for await (const batch of batches) {
      for (const [i, id] of batch.ids.entries()) {
        ids.push(id);
        metadata.push(batch.metadata[i] as string);
        normalizeInto(batch.vector(i), chunk, filled * dimension);
        filled++;
        if (filled === BUILD_CHUNK) flush();
      }
    }
    flush();
    graph.endBuild();
    return new HnswIndex(graph, params, dimension, tableVersion, ids, metadata, null);
  }

  /**
   * The saved index of `collection` under `dir`, or null when there is none or it was built
   * with other graph parameters (then it is rebuilt). `efSearch` is a query setting and may change.
   */
  static async load(
    dir: string,
    collection: string,
    params: HnswParams,
  ): Promise<HnswIndex | null> {
    return (await HnswIndex.open(dir, collection, params)).index;
  }

  /**
   * `load`, and why a saved graph is not used: `mismatch` names the settings it was made with
   * that differ from `params` ("library usearch, not hnswlib"), null when there is no saved
   * graph or its settings match (it may still be unreadable). For stats: a graph that stops
   * being used after an upgrade or a settings change says so. One read of the header serves
   * both (at 1M rows parsing it takes seconds).
   */
  static async open(
    dir: string,
    collection: string,
    params: HnswParams,
  ): Promise<{ index: HnswIndex | null; mismatch: string | null }> {
    const header = await readHeader(dir, collection);
    if (header === null) return { index: null, mismatch: null };
    const differences = settingsDiffer(header, params);
    if (differences.length > 0) return { index: null, mismatch: differences.join(", ") };
    const graph = await newGraph({ ...params, dimension: header.dimension });
    const file = join(dir, header.graph);
    try {
      if ((await stat(file)).size !== header.graphBytes) return { index: null, mismatch: null };
      graph.load(file);
    } catch {
      return { index: null, mismatch: null };
    }
    const index = new HnswIndex(
      graph,
      params,
      header.dimension,
      header.tableVersion,
      header.ids,
      header.metadata,
      file,
    );
    return { index, mismatch: null };
  }

  /**
   * Bytes on disk of the saved graph of `collection` under `dir`: its header (ids and metadata)
   * and graph files; 0 when there are none. Read from the directory listing, not the header:
   * at 1M rows parsing the header would cost seconds on every stats call.
   */
  static async savedBytes(dir: string, collection: string): Promise<number> {
    const prefix = `${collection}.hnsw.`;
    let names: string[];
    try {
      names = await readdir(dir);
    } catch {
      return 0;
    }
    let bytes = 0;
    for (const name of names) {
      if (!name.startsWith(prefix) || name.endsWith(".tmp")) continue;
      bytes += await stat(join(dir, name)).then(
        (s) => s.size,
        () => 0,
      );
    }
    return bytes;
  }

  /**
   * What identifies the saved header of `collection` under `dir` (its modification time and
   * size), or null when there is none: a client that found no current graph there looks again
   * only when this changes, rather than parsing the header (every id) on each refresh.
   */
  static async savedStamp(dir: string, collection: string): Promise<string | null> {
    try {
      const { mtimeMs, size } = await stat(headerPath(dir, collection));
      return `${mtimeMs}:${size}`;
    } catch {
      return null;
    }
  }

  /**
   * Saves the graph and its header: graph first under a fresh name, then the header naming it
   * (renamed into place), then older graphs are removed. A crash in between leaves the old
   * pair, whose older `tableVersion` makes it unused until rebuilt.
   */
  async save(dir: string, collection: string): Promise<void> {
    const graph = `${collection}.hnsw.${randomBytes(6).toString("hex")}${graphSuffix(this.params.library)}`;
    this.#graph.save(join(dir, graph));
    const graphBytes = (await stat(join(dir, graph))).size;
    const header: SavedHeader = {
      format: FORMAT,
      tableVersion: this.tableVersion,
      dimension: this.dimension,
      m: this.params.m,
      efConstruction: this.params.efConstruction,
      scalar: this.params.scalar,
      library: this.params.library,
      graph,
      graphBytes,
      ids: this.#ids,
      metadata: this.#metadata,
    };
    const temp = `${headerPath(dir, collection)}.${process.pid}.tmp`;
    await writeFile(temp, JSON.stringify(header));
    await rename(temp, headerPath(dir, collection));
    const prefix = `${collection}.hnsw.`;
    // Workers mapping an older file keep it readable until they close (POSIX unlink).
    await this.#closePool();
    for (const name of await readdir(dir)) {
      const graphFile = name.endsWith(".usearch") || name.endsWith(".hnswlib");
      if (name.startsWith(prefix) && graphFile && name !== graph)
        await rm(join(dir, name), { force: true });
    }
    this.#savedGraph = join(dir, graph);
    this.dirty = false;
  }

  /** Stops the search workers, if any; the graph itself stays usable. */
  close(): Promise<void> {
    return this.#closePool();
  }

  async #closePool(): Promise<void> {
    const pool = this.#pool;
    this.#pool = null;
    await pool?.close();
  }

  /**
   * The `count` nearest keys to `query` (unit length). With `offload` (other queries are in
   * flight) and a graph equal to its saved file, an idle search worker answers (the pool is
   * started on first use); until the workers are ready, while all are busy, or if one fails,
   * this thread searches.
   */
  async #nearest(query: Float32Array, count: number, offload: boolean): Promise<Nearest> {
    if (offload && !this.dirty && this.#savedGraph !== null && this.params.searchThreads > 1) {
      this.#pool ??= new HnswSearchPool(
        {
          graph: this.#savedGraph,
          library: this.params.library,
          dimension: this.dimension,
          m: this.params.m,
          efConstruction: this.params.efConstruction,
          scalar: this.params.scalar,
          efSearch: this.params.efSearch,
        },
        this.params.searchThreads,
      );
      const pool = this.#pool;
      // With every worker busy, queueing behind them is slower than searching here.
      if (pool.ready && pool.idle) {
        try {
          return await pool.search(query, count);
        } catch {
          // A failed or closed pool: this thread's graph gives the same answer.
          if (this.#pool === pool && pool.broken) await this.#closePool();
        }
      }
    }
    return this.#graph.search(query, count);
  }

  /**
   * The `topK` nearest records by cosine similarity; fewer when the graph holds fewer.
   * `offload`: other queries are in flight, so a search worker may answer (see #nearest).
   */
  async search(vector: Float32Array, topK: number, offload = false): Promise<ScoredHit[]> {
    const found = await this.#nearest(unit(vector), topK, offload);
    const hits: ScoredHit[] = [];
    for (let i = 0; i < found.keys.length; i++) {
      const key = Number(found.keys[i]);
      const id = this.#ids[key];
      if (id === null || id === undefined) continue;
      // Inner product of unit vectors: the distance 1 - dot is 1 - cosine similarity.
      hits.push({
        id,
        score: 1 - (found.distances[i] as number),
        metadata: parseMetadata(this.#metadata[key]),
      });
    }
    return hits;
  }

  /**
   * The `topK` nearest records matching `filter` among the graph's `candidates` nearest, or
   * null when fewer than `topK` of those match (a selective filter: the caller then searches
   * the matching rows exactly). The candidates are the true nearest up to HNSW's own misses,
   * so the first `topK` matches among them are the filtered top-k.
   */
  async searchFiltered(
    vector: Float32Array,
    topK: number,
    filter: readonly FilterCondition[],
    candidates: number,
    offload = false,
  ): Promise<ScoredHit[] | null> {
    const found = await this.#nearest(unit(vector), Math.min(candidates, this.size), offload);
    const hits: ScoredHit[] = [];
    for (let i = 0; i < found.keys.length && hits.length < topK; i++) {
      const key = Number(found.keys[i]);
      const id = this.#ids[key];
      if (id === null || id === undefined) continue;
      const metadata = parseMetadata(this.#metadata[key]);
      if (!matchesFilter(metadata, filter)) continue;
      hits.push({ id, score: 1 - (found.distances[i] as number), metadata });
    }
    return hits.length >= topK ? hits : null;
  }

  /** Mirrors an upsert already committed to the table (an id upserted again replaces its node). */
  upsert(batch: CheckedBatch): void {
    this.#remove(batch.ids);
    const first = this.#ids.length;
    const keys = new BigUint64Array(batch.ids.length);
    const flat = new Float32Array(batch.ids.length * this.dimension);
    for (const [i, id] of batch.ids.entries()) {
      keys[i] = BigInt(first + i);
      normalizeInto(batch.vectors[i] as Float32Array, flat, i * this.dimension);
      this.#ids.push(id);
      this.#metadata.push(JSON.stringify(batch.metadata[i] ?? {}));
      this.#keyOf.set(id, first + i);
    }
    if (batch.ids.length > 0) this.#graph.add(keys, flat, this.params.buildThreads);
    this.#changed();
  }

  /** Mirrors a delete already committed to the table. */
  delete(ids: readonly string[]): void {
    this.#remove(ids);
    this.#changed();
  }

  /** The graph no longer equals its saved file: workers mapping that file must not answer. */
  #changed(): void {
    this.dirty = true;
    this.#savedGraph = null;
    void this.#closePool();
  }

  #remove(ids: readonly string[]): void {
    for (const id of ids) {
      const key = this.#keyOf.get(id);
      if (key === undefined) continue;
      this.#graph.remove(BigInt(key));
      this.#keyOf.delete(id);
      this.#ids[key] = null;
      this.#metadata[key] = null;
    }
  }
}

/** Rows on their way into a graph: ids, metadata JSON, and the vector of row `i`. */
interface RowBatch {
  readonly ids: readonly string[];
  readonly metadata: readonly string[];
  vector(i: number): ArrayLike<number>;
}

/** `table`'s rows, one Arrow batch at a time. */
async function* tableRows(table: Table, dimension: number): AsyncGenerator<RowBatch> {
  for await (const batch of table.query().select(["id", "vector", "metadata"])) {
    const idColumn = batch.getChild("id");
    const vectorColumn = batch.getChild("vector");
    const metadataColumn = batch.getChild("metadata");
    if (idColumn === null || vectorColumn === null || metadataColumn === null) continue;
    const values = columnValues(vectorColumn, dimension);
    const ids: string[] = [];
    const metadata: string[] = [];
    for (let i = 0; i < batch.numRows; i++) {
      ids.push(String(idColumn.get(i)));
      metadata.push(String(metadataColumn.get(i)));
    }
    yield {
      ids,
      metadata,
      vector: (i) =>
        values?.subarray(i * dimension, (i + 1) * dimension) ??
        (vectorColumn.get(i) as { toArray(): Float32Array }).toArray(),
    };
  }
}

/** The saved header of `collection` under `dir`, or null when there is none or it is not JSON. */
async function readHeader(dir: string, collection: string): Promise<SavedHeader | null> {
  try {
    return JSON.parse(await readFile(headerPath(dir, collection), "utf8")) as SavedHeader;
  } catch {
    return null;
  }
}

/** How a saved graph's settings differ from `params`, in words; empty when it can be used. */
function settingsDiffer(header: SavedHeader, params: HnswParams): string[] {
  const differences: string[] = [];
  if (header.format !== FORMAT) differences.push(`format ${header.format}, not ${FORMAT}`);
  const library = header.library ?? "usearch";
  if (library !== params.library) differences.push(`library ${library}, not ${params.library}`);
  if (header.m !== params.m) differences.push(`M ${header.m}, not ${params.m}`);
  if (header.efConstruction !== params.efConstruction)
    differences.push(`ef_construction ${header.efConstruction}, not ${params.efConstruction}`);
  if (header.scalar !== params.scalar)
    differences.push(`${header.scalar} vectors, not ${params.scalar}`);
  return differences;
}

function headerPath(dir: string, collection: string): string {
  return join(dir, `${collection}.hnsw.json`);
}

/**
 * Copies `vector` scaled to unit length into `out` at `offset`. Stored vectors are never zero
 * (validate.ts refuses them: cosine is undefined there).
 */
function normalizeInto(vector: ArrayLike<number>, out: Float32Array, offset: number): void {
  let sum = 0;
  for (let d = 0; d < vector.length; d++) sum += (vector[d] as number) ** 2;
  const scale = sum > 0 ? 1 / Math.sqrt(sum) : 0;
  for (let d = 0; d < vector.length; d++) out[offset + d] = (vector[d] as number) * scale;
}

function unit(vector: Float32Array): Float32Array {
  const out = new Float32Array(vector.length);
  normalizeInto(vector, out, 0);
  return out;
}

/**
 * The float32 values of a FixedSizeList vector column, row after row, without one `get` per
 * row; null when the column is not laid out that way (then rows are read one by one).
 */
function columnValues(column: Vector, dimension: number): Float32Array | null {
  if (column.data.length !== 1) return null;
  const [data] = column.data;
  const values = data?.children[0]?.values;
  if (!(values instanceof Float32Array) || data?.nullCount !== 0) return null;
  return values.length === column.length * dimension ? values : null;
}
