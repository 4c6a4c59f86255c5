import { AiosError } from "../../../core/errors.js";
import { type HnswlibAddon, hnswlibAddon } from "./hnswlib-addon.js";

/** How a graph stores its vectors: float32 as given, or IEEE half (usearch: quantization). */
export type HnswScalar = "f32" | "f16";

/**
 * The HNSW library holding the graph: hnswlib (nmslib/hnswlib 0.8.0, in aios's native addon
 * native/hnsw) or usearch (npm, prebuilt). Both are Malkov & Yashunin's algorithm; hnswlib
 * keeps each node's links and vector in one block and builds a 1M graph in about half
 * usearch's time (docs/BENCHMARKS.md, issue 20). Their files differ: a graph saved by one is
 * rebuilt by the other.
 */
export type HnswLibrary = "hnswlib" | "usearch";

/**
 * What shapes a graph: the same for the graph `HnswIndex` builds and for each search worker's
 * copy of its saved file (a graph opened with other settings would misread it).
 */
export interface GraphSettings {
  readonly library: HnswLibrary;
  readonly dimension: number;
  readonly m: number;
  readonly efConstruction: number;
  readonly scalar: HnswScalar;
  readonly efSearch: number;
}

/** Nearest keys first, with their distances (1 - dot product of unit vectors). */
export interface Nearest {
  readonly keys: BigUint64Array;
  readonly distances: Float32Array;
}

/**
 * An HNSW graph over unit vectors under inner product, keyed by integers. Every method is
 * synchronous and runs on the calling thread (`add` spreads its rows over `threads` threads).
 */
export interface HnswGraph {
  /**
   * Starts a bulk build of about `rows` rows (room is made for them). hnswlib, on an empty
   * float32 graph, then inserts on half-precision distances until `endBuild` (see
   * native/hnsw/hnsw.cc); usearch ignores it.
   */
  beginBuild(rows: number): void;
  /** Ends a bulk build: the graph is then an ordinary float32 graph. */
  endBuild(): void;
  /** Inserts rows `vectors[i·dimension ..]` under `keys[i]` (keys not in the graph); 0 threads: every core. */
  add(keys: BigUint64Array, vectors: Float32Array, threads: number): void;
  /** The `count` nearest live keys to `query`; fewer when the graph holds fewer. */
  search(query: Float32Array, count: number): Nearest;
  /** Takes `key` out of every later answer. */
  remove(key: bigint): void;
  save(path: string): void;
  /** Replaces this graph with the file `save` wrote. Throws on a short or foreign file. */
  load(path: string): void;
  /**
   * Opens a saved file for searching only: usearch maps it (pages shared with other threads),
   * hnswlib reads it into memory.
   */
  view(path: string): void;
}

/** `lancedb.hnsw_library`: a library, or `auto` for hnswlib when its addon loads. */
export type HnswLibraryChoice = HnswLibrary | "auto";

let fallbackTold = false;

/**
 * The library `choice` names: `auto` is hnswlib when the native addon loads, else usearch,
 * said once per process through `note` (the build is then about twice as slow at 1M).
 * `addon` is the loaded addon (a parameter so that its absence can be tested).
 *
 * @throws AiosError VECTOR_STORE (exit 2) when `choice` is hnswlib and the addon does not load.
 */
export function resolveHnswLibrary(
  choice: HnswLibraryChoice,
  note: (line: string) => void,
  addon: HnswlibAddon = hnswlibAddon(),
): HnswLibrary {
  if (choice === "usearch") return "usearch";
  if (addon.ok) return "hnswlib";
  if (choice === "hnswlib")
    throw new AiosError(
      "VECTOR_STORE",
      `memory.vector_store.lancedb.hnsw_library is hnswlib, but ${addon.reason}`,
      {
        hint: `${addon.hint}; or set hnsw_library to auto or usearch`,
      },
    );
  if (!fallbackTold) {
    fallbackTold = true;
    note(
      `note: ${addon.reason}; the HNSW graph uses usearch, whose build is slower (to use hnswlib: ${addon.hint})`,
    );
  }
  return "usearch";
}

/** The file suffix of a saved graph of `library`. */
export function graphSuffix(library: HnswLibrary): string {
  return library === "hnswlib" ? ".hnswlib" : ".usearch";
}

/**
 * An empty graph with `settings`, under inner product (vectors are stored unit-length).
 * Throws when `settings.library` is hnswlib and the native addon does not load (callers
 * resolve the library with `resolveHnswLibrary` first).
 */
export async function newGraph(settings: GraphSettings): Promise<HnswGraph> {
  return settings.library === "hnswlib" ? newHnswlibGraph(settings) : newUsearchGraph(settings);
}

/** hnswlib's level generator seed (its own default): the same rows build the same graph. */
const HNSWLIB_SEED = 100;

function newHnswlibGraph(settings: GraphSettings): HnswGraph {
  const addon = hnswlibAddon();
  if (!addon.ok) throw new Error(addon.reason);
  const graph = new addon.HnswGraph(
    settings.dimension,
    settings.m,
    settings.efConstruction,
    settings.efSearch,
    settings.scalar === "f16",
    HNSWLIB_SEED,
  );
  return {
    beginBuild: (rows) => graph.beginBuild(rows),
    endBuild: () => graph.endBuild(),
    add: (keys, vectors, threads) => graph.add(keys, vectors, threads),
    search: (query, count) => {
      const [keys, distances] = graph.search(query, count);
      return { keys, distances };
    },
    remove: (key) => graph.remove(key),
    save: (path) => graph.save(path),
    load: (path) => graph.load(path),
    view: (path) => graph.load(path),
  };
}

async function newUsearchGraph(settings: GraphSettings): Promise<HnswGraph> {
  const { Index, MetricKind, ScalarKind } = await import("usearch");
  const index = new Index({
    dimensions: settings.dimension,
    // Cosine on vectors normalised once, as FAISS does: usearch's cosine metric would divide
    // by both norms in every distance (a 100k build took 6.7 s against 5.6 s).
    metric: MetricKind.IP,
    quantization: settings.scalar === "f16" ? ScalarKind.F16 : ScalarKind.F32,
    connectivity: settings.m,
    expansion_add: settings.efConstruction,
    expansion_search: settings.efSearch,
    multi: false,
  });
  return {
    beginBuild: () => {},
    endBuild: () => {},
    add: (keys, vectors, threads) => index.add(keys, vectors, threads),
    search: (query, count) => {
      const found = index.search(query, count, 1);
      return { keys: found.keys, distances: found.distances };
    },
    remove: (key) => {
      index.remove(key);
    },
    save: (path) => index.save(path),
    load: (path) => index.load(path),
    view: (path) => index.view(path),
  };
}
