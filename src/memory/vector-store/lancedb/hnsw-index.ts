import { randomBytes } from "node:crypto";
import { readdir, readFile, rename, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import type { Table } from "@lancedb/lancedb";
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

interface SavedHeader {
  readonly format: 1;
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

  /** Reads every row of `table` (at its current version) into a new graph. */
  static async build(table: Table, dimension: number, params: HnswParams): Promise<HnswIndex> {
    const tableVersion = await table.version();
    const graph = await newGraph(dimension, params);
    const ids: string[] = [];
    const metadata: string[] = [];
    for await (const batch of table.query().select(["id", "vector", "metadata"])) {
      const idColumn = batch.getChild("id");
      const vectorColumn = batch.getChild("vector");
      const metadataColumn = batch.getChild("metadata");
      if (idColumn === null || vectorColumn === null || metadataColumn === null) continue;
      const first = ids.length;
      const flat = new Float32Array(batch.numRows * dimension);
      for (let i = 0; i < batch.numRows; i++) {
        ids.push(String(idColumn.get(i)));
        metadata.push(String(metadataColumn.get(i)));
        flat.set((vectorColumn.get(i) as { toArray(): Float32Array }).toArray(), i * dimension);
      }
      const keys = new BigUint64Array(batch.numRows);
      for (let i = 0; i < batch.numRows; i++) keys[i] = BigInt(first + i);
      if (batch.numRows > 0) graph.add(keys, flat, params.buildThreads);
    }
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
      header.format !== 1 ||
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
      format: 1,
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
    const found = this.#graph.search(vector, topK, 1);
    const hits: ScoredHit[] = [];
    for (let i = 0; i < found.keys.length; i++) {
      const key = Number(found.keys[i]);
      const id = this.#ids[key];
      if (id === null || id === undefined) continue;
      // usearch's cosine distance is 1 - cosine similarity.
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
    const found = this.#graph.search(vector, Math.min(candidates, this.size), 1);
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
      flat.set(batch.vectors[i] as Float32Array, i * this.dimension);
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
    metric: MetricKind.Cos,
    quantization: ScalarKind.F32,
    connectivity: params.m,
    expansion_add: params.efConstruction,
    expansion_search: params.efSearch,
    multi: false,
  });
}
