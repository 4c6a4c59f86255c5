import { existsSync } from "node:fs";
import { createRequire } from "node:module";
import { nativeAddonPath } from "../../../core/native-addon.js";

/** native/hnsw/hnsw.cc's class; shapes and errors are documented there. */
interface NativeHnswGraph {
  add(keys: BigUint64Array, vectors: Float32Array, threads: number): void;
  search(query: Float32Array, count: number): [BigUint64Array, Float32Array];
  remove(key: bigint): void;
  save(path: string): void;
  load(path: string): void;
  size(): number;
  beginBuild(rows: number): void;
  endBuild(): void;
  /** The distance kernel this CPU runs: "avx512", "avx2" or "portable". */
  kernel(): string;
}

export type HnswlibAddon =
  | {
      readonly ok: true;
      readonly HnswGraph: new (
        dimension: number,
        m: number,
        efConstruction: number,
        efSearch: number,
        half: boolean,
        seed: number,
      ) => NativeHnswGraph;
    }
  | {
      readonly ok: false;
      readonly reason: string;
      /** What to do about it. */
      readonly hint: string;
    };

let loaded: HnswlibAddon | null = null;

/**
 * The native HNSW addon (native/hnsw, built by `npm install`), loaded once per thread; never
 * throws: a failure is a result naming the file and why.
 */
export function hnswlibAddon(): HnswlibAddon {
  if (loaded !== null) return loaded;
  const path = nativeAddonPath("hnsw", "aios_hnsw");
  if (!existsSync(path)) {
    loaded = {
      ok: false,
      reason: `the native HNSW addon is not built (${path} is missing)`,
      hint: "install a C++ compiler, make and python3 (Debian: apt-get install build-essential python3), then run `npm run build:native`",
    };
    return loaded;
  }
  try {
    const addon = createRequire(import.meta.url)(path) as {
      HnswGraph: Extract<HnswlibAddon, { ok: true }>["HnswGraph"];
    };
    loaded = { ok: true, HnswGraph: addon.HnswGraph };
  } catch (error) {
    loaded = {
      ok: false,
      reason: `the native HNSW addon ${path} did not load (${(error as Error).message})`,
      // Built for another Node (ABI) or damaged: building it again fixes both.
      hint: "run `npm run build:native` to build it again for this Node",
    };
  }
  return loaded;
}
