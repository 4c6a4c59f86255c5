import { mkdtemp, readdir, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { afterAll, expect, it } from "vitest";
import { vectorStoreConfigSchema } from "../../../../src/config/memory-config.js";
import { createVectorStore } from "../../../../src/memory/vector-store/create-vector-store.js";
import { graphSuffix } from "../../../../src/memory/vector-store/lancedb/hnsw-graph.js";
import { HnswSearchPool } from "../../../../src/memory/vector-store/lancedb/hnsw-search-pool.js";
import type { HnswWorkerData } from "../../../../src/memory/vector-store/lancedb/hnsw-search-protocol.js";
import { ClusteredVectors } from "../../../../src/memory/vector-store/random-vectors.js";
import { describeEachLibrary } from "./hnsw-libraries.js";

const root = await mkdtemp(join(tmpdir(), "aios-hnsw-pool-"));
afterAll(() => rm(root, { recursive: true, force: true }));

const dim = 16;
const source = new ClusteredVectors(dim, { clusters: 10, sigma: 0.35 }, 11);
const data = source.take(1000);
const ids = data.map((_, i) => `r${i}`);

function unit(vector: Float32Array): Float32Array {
  const norm = Math.hypot(...vector);
  return vector.map((x) => x / norm);
}

async function whenReady(pool: HnswSearchPool): Promise<void> {
  for (let waited = 0; !pool.ready; waited += 20) {
    if (pool.broken || waited > 30_000) throw new Error("the pool did not start");
    await sleep(20);
  }
}

describeEachLibrary("HNSW search workers", (library) => {
  const dir = join(root, library);
  const config = vectorStoreConfigSchema.parse({
    lancedb: { path: dir, hnsw_library: library, search_threads: 2 },
  });
  /** What a worker opens: the graph file `graph` with the settings it was built with. */
  const settings = (graph: string): HnswWorkerData => ({
    graph,
    library,
    dimension: dim,
    m: 32,
    efConstruction: 64,
    scalar: config.lancedb.hnsw_scalar,
    efSearch: 64,
  });

  it("answer from the saved graph file what the graph holds", async () => {
    const store = await createVectorStore("lancedb", config, { collection: "pool" });
    await store.upsert(ids, data);
    await store.createIndex();
    await store.close();
    const [file] = (await readdir(dir)).filter(
      (f) => f.startsWith("aios_memory_pool.hnsw.") && f.endsWith(graphSuffix(library)),
    );
    const pool = new HnswSearchPool(settings(join(dir, file as string)), 2);
    try {
      await whenReady(pool);
      // Keys are row numbers in the order the table was scanned: the order written.
      const answers = await Promise.all(
        [3, 42, 777].map((i) => pool.search(unit(data[i] as Float32Array), 5)),
      );
      expect(answers.map((found) => Number(found.keys[0]))).toEqual([3, 42, 777]);
      for (const found of answers) {
        expect(found.keys).toHaveLength(5);
        expect(found.distances[0]).toBeCloseTo(0, 5);
      }
    } finally {
      await pool.close();
    }
    await expect(pool.search(unit(data[0] as Float32Array), 1)).rejects.toThrow(/closed/);
  });

  it("is broken, not hung, on a missing graph file", async () => {
    // (A file that is not a graph never reaches the pool: HnswIndex.load checks its size.)
    for (const name of [`missing${graphSuffix(library)}`]) {
      const pool = new HnswSearchPool(settings(join(dir, name)), 1);
      for (let waited = 0; !pool.broken && waited < 30_000; waited += 20) await sleep(20);
      expect(pool.broken).toBe(true);
      expect(pool.ready).toBe(false);
      await expect(pool.search(unit(data[0] as Float32Array), 1)).rejects.toThrow(/graph/);
      await pool.close();
    }
  });

  it("concurrent queries get the answers single ones do, and see this client's later writes", async () => {
    const store = await createVectorStore("lancedb", config, { collection: "concurrent" });
    await store.upsert(
      ids,
      data,
      data.map((_, i) => ({ n: i })),
    );
    await store.createIndex();
    const queries = source.take(16);
    const single = [];
    for (const query of queries) single.push(await store.query(query, 10));
    // The first concurrent queries start the workers; give them time to open the graph.
    await Promise.all(queries.map((query) => store.query(query, 10)));
    await sleep(1500);
    expect(await Promise.all(queries.map((query) => store.query(query, 10)))).toEqual(single);
    expect(
      await Promise.all(queries.map((query) => store.query(query, 10, { n: { $lt: 500 } }))),
    ).toEqual(
      await (async () => {
        const out = [];
        for (const query of queries) out.push(await store.query(query, 10, { n: { $lt: 500 } }));
        return out;
      })(),
    );
    // After a write the saved file no longer holds the collection: workers must not answer.
    const fresh = source.take(1)[0] as Float32Array;
    await store.upsert(["new"], [fresh], [{ n: -1 }]);
    await store.delete(["r1"]);
    const after = await Promise.all(
      [fresh, fresh, data[1] as Float32Array].map((q) => store.query(q, 3)),
    );
    expect(after[0]?.[0]?.[0]).toBe("new");
    expect(after[1]?.[0]?.[0]).toBe("new");
    expect(after[2]?.map(([id]) => id)).not.toContain("r1");
    await store.close();
  });
});
