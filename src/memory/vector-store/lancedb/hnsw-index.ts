import { randomBytes } from "node:crypto";
import { readdir, readFile, rename, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import type { Table } from "@lancedb/lancedb";
import type { Vector } from "apache-arrow";
import type { Index as UsearchIndex } from "usearch";
import { type FilterCondition, matchesFilter } from "../filter.js";
import type { CheckedBatch, ScoredHit } from "../types.js";
import { parseMetadata } from "./rows.js";

/** Graph parameters of the HNSW index (Malkov & Yashunin 2018; usearch's names in brackets). */
export interface HnswParams {
  /** Links per node [connectivity]: more is better recall, more memory, slower build. */
  readonly m: number;
  /** Candidate list while inserting [expansion_add]: more is a better graph, slower build. */
  readonly efConstruction: number;
  /** Candidate list per query [expansion_search]: more is better recall, slower queries. */
  readonly efSearch: number;
  /** Threads for the build; 0 lets usearch use every core. */
  readonly buildThreads: number;
}

/**
 * Rows per usearch `add` call while building. Large enough that every build thread has work,
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
  /** The graph file beside this one; a fresh name per save ties the two files together. */
  readonly graph: string;
  /** Record id and metadata JSON by usearch key; null where the key was removed. */
  readonly ids: (string | null)[];
  readonly metadata: (string | null)[];
}

/**
 * An in-process HNSW graph (usearch) over a LanceDB table's vectors, with the ids and metadata
 * JSON it answers with. LanceDB stays the store of record; this is a derived cache that is only
 * used while `tableVersion` equals the table's version, so it can be stale but never wrong.
 * Saved beside the table as `<collection>.hnsw.json` plus a graph file it names.
 */
export class HnswIndex {
  readonly params: HnswParams;
  readonly dimension: number;
  tableVersion: number;
  readonly #graph: UsearchIndex;
  readonly #ids: (string | null)[];
  readonly #metadata: (string | null)[];
  readonly #keyOf = new Map<string, number>();
  /** Whether the graph changed since it was last saved. */
  dirty: boolean;

  private constructor(
    graph: UsearchIndex,
    params: HnswParams,
    dimension: number,
    tableVersion: number,
    ids: (string | null)[],
    metadata: (string | null)[],
    dirty: boolean,
  ) {
    this.#graph = graph;
    this.params = params;
    this.dimension = dimension;
    this.tableVersion = tableVersion;
    this.#ids = ids;
    this.#metadata = metadata;
    for (const [key, id] of ids.entries()) if (id !== null) this.#keyOf.set(id, key);
    this.dirty = dirty;
  }

  get size(): number {
    return this.#keyOf.size;
  }

  /**
   * Reads every row of `table` (at its current version) into a new graph. Vectors are copied
   * straight out of the Arrow column and inserted `BUILD_CHUNK` rows per call, so usearch's
   * threads share large batches (one call per LanceDB batch of ~1000 rows left them idle).
   */
  static async build(table: Table, dimension: number, params: HnswParams): Promise<HnswIndex> {
    const tableVersion = await table.version();
    const graph = await newGraph(dimension, params);
    const ids: string[] = [];
    const metadata: string[] = [];
    let chunk = new Float32Array(BUILD_CHUNK * dimension);
    let filled = 0;
    const flush = () => {
      if (filled === 0) return;
      const keys = new BigUint64Array(filled);
      const first = ids.length - filled;
      for (let i = 0; i < filled; i++) keys[i] = BigInt(first + i);
      graph.add(keys, chunk.subarray(0, filled * dimension), params.buildThreads);
      chunk = new Float32Array(BUILD_CHUNK * dimension);
      filled = 0;
    };
    for await (const batch of table.query().select(["id", "vector", "metadata"])) {
      const idColumn = batch.getChild("id");
      const vectorColumn = batch.getChild("vector");
      const metadataColumn = batch.getChild("metadata");
      if (idColumn === null || vectorColumn === null || metadataColumn === null) continue;
      const values = columnValues(vectorColumn, dimension);
      for (let i = 0; i < batch.numRows; i++) {
        ids.push(String(idColumn.get(i)));
        metadata.push(String(metadataColumn.get(i)));
        const row =
          values?.subarray(i * dimension, (i + 1) * dimension) ??
          (vectorColumn.get(i) as { toArray(): Float32Array }).toArray();
        normalizeInto(row, chunk, filled * dimension);
        filled++;
        if (filled === BUILD_CHUNK) flush();
      }
    }
    flush();
    return new HnswIndex(graph, params, dimension, tableVersion, ids, metadata, true);
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
    let header: SavedHeader;
    try {
      header = JSON.parse(await readFile(headerPath(dir, collection), "utf8")) as SavedHeader;
    } catch {
      return null;
    }
    if (
      header.format !== FORMAT ||
      header.m !== params.m ||
      header.efConstruction !== params.efConstruction
    )
      return null;
    const graph = await newGraph(header.dimension, params);
    try {
      graph.load(join(dir, header.graph));
    } catch {
      return null;
    }
    return new HnswIndex(
      graph,
      params,
      header.dimension,
      header.tableVersion,
      header.ids,
      header.metadata,
      false,
    );
  }

  /**
   * Saves the graph and its header: graph first under a fresh name, then the header naming it
   * (renamed into place), then older graphs are removed. A crash in between leaves the old
   * pair, whose older `tableVersion` makes it unused until rebuilt.
   */
  async save(dir: string, collection: string): Promise<void> {
    const graph = `${collection}.hnsw.${randomBytes(6).toString("hex")}.usearch`;
    this.#graph.save(join(dir, graph));
    const header: SavedHeader = {
      format: FORMAT,
      tableVersion: this.tableVersion,
      dimension: this.dimension,
      m: this.params.m,
      efConstruction: this.params.efConstruction,
      graph,
      ids: this.#ids,
      metadata: this.#metadata,
    };
    const temp = `${headerPath(dir, collection)}.${process.pid}.tmp`;
    await writeFile(temp, JSON.stringify(header));
    await rename(temp, headerPath(dir, collection));
    const prefix = `${collection}.hnsw.`;
    for (const name of await readdir(dir)) {
      if (name.startsWith(prefix) && name.endsWith(".usearch") && name !== graph)
        await rm(join(dir, name), { force: true });
    }
    this.dirty = false;
  }

  /** The `topK` nearest records by cosine similarity; fewer when the graph holds fewer. */
  search(vector: Float32Array, topK: number): ScoredHit[] {
    const found = this.#graph.search(unit(vector), topK, 1);
    const hits: ScoredHit[] = [];
    for (let i = 0; i < found.keys.length; i++) {
      const key = Number(found.keys[i]);
      const id = this.#ids[key];
      if (id === null || id === undefined) continue;
      // Inner product of unit vectors: usearch's distance 1 - dot is 1 - cosine similarity.
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
  searchFiltered(
    vector: Float32Array,
    topK: number,
    filter: readonly FilterCondition[],
    candidates: number,
  ): ScoredHit[] | null {
    const found = this.#graph.search(unit(vector), Math.min(candidates, this.size), 1);
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
    this.dirty = true;
  }

  /** Mirrors a delete already committed to the table. */
  delete(ids: readonly string[]): void {
    this.#remove(ids);
    this.dirty = true;
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

function headerPath(dir: string, collection: string): string {
  return join(dir, `${collection}.hnsw.json`);
}

async function newGraph(dimension: number, params: HnswParams): Promise<UsearchIndex> {
  const { Index, MetricKind, ScalarKind } = await import("usearch");
  return new Index({
    dimensions: dimension,
    // Cosine on vectors normalised once, as FAISS does: usearch's cosine metric would divide
    // by both norms in every distance (a 100k build took 6.7 s against 5.6 s).
    metric: MetricKind.IP,
    quantization: ScalarKind.F32,
    connectivity: params.m,
    expansion_add: params.efConstruction,
    expansion_search: params.efSearch,
    multi: false,
  });
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
