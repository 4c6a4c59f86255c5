import { mkdtemp, readdir, readFile, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { vectorStoreConfigSchema } from "../../../../src/config/memory-config.js";
import { createVectorStore } from "../../../../src/memory/vector-store/create-vector-store.js";
import { ExactIndex } from "../../../../src/memory/vector-store/exact-search.js";
import { graphSuffix } from "../../../../src/memory/vector-store/lancedb/hnsw-graph.js";
import { keepsHnswGraph } from "../../../../src/memory/vector-store/lancedb/lancedb-store.js";
import { ClusteredVectors } from "../../../../src/memory/vector-store/random-vectors.js";
import { describeEachLibrary, hnswlibMissing } from "./hnsw-libraries.js";

const root = await mkdtemp(join(tmpdir(), "aios-hnsw-"));
afterAll(() => rm(root, { recursive: true, force: true }));

const dim = 16;
const source = new ClusteredVectors(dim, { clusters: 10, sigma: 0.35 }, 7);
const data = source.take(1000);
const queries = source.take(20);
const ids = data.map((_, i) => `r${i}`);

async function recallAt10(
  store: Awaited<ReturnType<typeof createVectorStore>>,
  vectors: Float32Array[],
  names: string[],
) {
  const exact = new ExactIndex(vectors, dim);
  let found = 0;
  for (const query of queries) {
    const truth = new Set(exact.topK(query, 10).map((hit) => names[hit.index]));
    found += (await store.query(query, 10)).filter(([id]) => truth.has(id)).length;
  }
  return found / (queries.length * 10);
}

describeEachLibrary("lancedb HNSW index: a graph beside the table", (library) => {
  const dir = join(root, library);
  const config = vectorStoreConfigSchema.parse({ lancedb: { path: dir, hnsw_library: library } });

  it("serves unfiltered queries after createIndex, and again after close and reopen", async () => {
    const store = await createVectorStore("lancedb", config, { collection: "reopen" });
    await store.upsert(
      ids,
      data,
      data.map((_, i) => ({ n: i })),
    );
    expect(await store.createIndex()).toBe(true);
    expect((await store.stats()).index).toMatch(new RegExp(`^HNSW \\(${library}\\), M 32`));
    expect(await recallAt10(store, data, ids)).toBeGreaterThanOrEqual(0.95);
    // The storage figure counts the graph's files beside the table.
    const graphFiles = (await readdir(dir)).filter((f) => f.startsWith("aios_memory_reopen.hnsw"));
    let graphBytes = 0;
    for (const f of graphFiles) graphBytes += (await stat(join(dir, f))).size;
    expect((await store.stats()).storageBytes).toBeGreaterThan(graphBytes);
    await store.close();
    expect(graphFiles).toHaveLength(2);

    const again = await createVectorStore("lancedb", config, { collection: "reopen" });
    expect((await again.stats()).index).toMatch(/^HNSW/);
    const [hit] = await again.query(data[42] as Float32Array, 1);
    expect(hit?.[0]).toBe("r42");
    expect(hit?.[2]).toEqual({ n: 42 });
    await again.close();
  });

  it("stores f32 vectors by default and f16 when asked; a graph of the other kind is rebuilt, not read", async () => {
    const store = await createVectorStore("lancedb", config, { collection: "scalar" });
    await store.upsert(ids, data);
    await store.createIndex();
    expect((await store.stats()).index).toContain("ef_search 128, f32 vectors");
    const [self] = await store.query(data[7] as Float32Array, 1);
    expect(self?.[1]).toBeCloseTo(1, 6);
    await store.close();
    const f16 = vectorStoreConfigSchema.parse({
      lancedb: { path: dir, hnsw_library: library, hnsw_scalar: "f16" },
    });
    const half = await createVectorStore("lancedb", f16, { collection: "scalar" });
    // The saved f32 graph does not match: queries go to LanceDB until the graph is rebuilt.
    expect((await half.stats()).index).toBe(
      "none: exact search (the saved HNSW graph has f32 vectors, not f16; the next write or vs-index rebuilds it)",
    );
    expect(await half.createIndex()).toBe(true);
    expect((await half.stats()).index).toContain("f16 vectors");
    expect(await recallAt10(half, data, ids)).toBeGreaterThanOrEqual(0.95);
    // Half-precision distances: the score of a stored vector is 1 to about 1e-4, not exactly.
    const [near] = await half.query(data[7] as Float32Array, 1);
    expect(near?.[0]).toBe("r7");
    expect(near?.[1]).toBeCloseTo(1, 3);
    await half.close();
  });

  it("rebuilds a graph whose file was cut short instead of handing it to the library", async () => {
    const store = await createVectorStore("lancedb", config, { collection: "cut" });
    await store.upsert(ids, data);
    await store.createIndex();
    await store.close();
    const [graph] = (await readdir(dir)).filter(
      (f) => f.startsWith("aios_memory_cut.hnsw.") && f.endsWith(graphSuffix(library)),
    );
    const file = join(dir, graph as string);
    // usearch 2.25.3 loads this without checking and corrupts the heap (the process aborts).
    await writeFile(file, (await readFile(file)).subarray(0, 4096));
    const again = await createVectorStore("lancedb", config, { collection: "cut" });
    expect((await again.stats()).index).not.toMatch(/^HNSW/);
    expect((await again.query(data[42] as Float32Array, 1))[0]?.[0]).toBe("r42");
    expect(await again.createIndex()).toBe(true);
    expect((await again.stats()).index).toMatch(/^HNSW/);
    await again.close();
  });

  it("mirrors this client's upserts and deletes at once", async () => {
    const store = await createVectorStore("lancedb", config, { collection: "mirror" });
    await store.upsert(ids, data);
    await store.createIndex();
    const fresh = source.take(1)[0] as Float32Array;
    await store.upsert(["new"], [fresh], [{ tag: "late" }]);
    expect((await store.stats()).index).toMatch(/^HNSW/);
    expect((await store.query(fresh, 1))[0]).toEqual([
      "new",
      expect.closeTo(1, 5),
      { tag: "late" },
    ]);
    // Upserting an id again moves it: its old vector no longer answers.
    await store.upsert(["r5"], [fresh]);
    const [top] = await store.query(data[5] as Float32Array, 1);
    expect(top?.[0]).not.toBe("r5");
    await store.delete(["new", "r5"]);
    const after = (await store.query(fresh, 5)).map(([id]) => id);
    expect(after).not.toContain("new");
    expect(after).not.toContain("r5");
    expect((await store.stats()).index).toMatch(/^HNSW/);
    await store.close();
  });

  it("never answers from a graph another client's write made stale", async () => {
    const first = await createVectorStore("lancedb", config, { collection: "stale" });
    await first.upsert(ids, data);
    await first.createIndex();
    await first.close();
    const reader = await createVectorStore("lancedb", config, { collection: "stale" });
    expect((await reader.stats()).index).toMatch(/^HNSW/);
    const writer = await createVectorStore("lancedb", config, { collection: "stale" });
    const fresh = source.take(1)[0] as Float32Array;
    await writer.upsert(["other"], [fresh]);
    await writer.delete(["r7"]);
    await writer.close();
    // The reader's table handle moves to the latest version on its next write; a write here
    // must not mirror into a graph that misses "other".
    await reader.upsert(["mine"], [data[8] as Float32Array]);
    expect((await reader.stats()).index).not.toMatch(/^HNSW/);
    expect((await reader.query(fresh, 1))[0]?.[0]).toBe("other");
    expect((await reader.query(data[7] as Float32Array, 3)).map(([id]) => id)).not.toContain("r7");
    // createIndex rebuilds it from the table.
    expect(await reader.createIndex()).toBe(true);
    expect((await reader.stats()).index).toMatch(/^HNSW/);
    expect((await reader.query(fresh, 1))[0]?.[0]).toBe("other");
    await reader.close();
  });

  it("keeps filtered recall at 10 % (graph candidates) and 1 % (exact over the matching rows)", async () => {
    const many = source.take(3000);
    const names = many.map((_, i) => `f${i}`);
    const store = await createVectorStore("lancedb", config, { collection: "filtered" });
    await store.upsert(
      names,
      many,
      many.map((_, i) => ({ bucket: i % 100 })),
    );
    await store.createIndex();
    for (const [filter, matches] of [
      [{ bucket: { $lt: 10 } }, (i: number) => i % 100 < 10],
      [{ bucket: 3 }, (i: number) => i % 100 === 3],
    ] as const) {
      const rows = many.flatMap((_, i) => (matches(i) ? [i] : []));
      const exact = new ExactIndex(
        rows.map((i) => many[i] as Float32Array),
        dim,
      );
      let found = 0;
      for (const query of queries) {
        const truth = new Set(exact.topK(query, 10).map((hit) => names[rows[hit.index] as number]));
        const hits = await store.query(query, 10, filter);
        expect(hits).toHaveLength(10);
        found += hits.filter(([id]) => truth.has(id)).length;
      }
      expect(found / (queries.length * 10)).toBeGreaterThanOrEqual(0.95);
    }
    await store.close();
  });

  it("index ivf_flat keeps LanceDB's IVF_FLAT index and writes no graph", async () => {
    const ivf = vectorStoreConfigSchema.parse({
      lancedb: { path: dir, hnsw_library: library, index: "ivf_flat" },
    });
    const store = await createVectorStore("lancedb", ivf, { collection: "ivf" });
    await store.upsert(ids, data);
    expect(await store.createIndex()).toBe(true);
    expect((await store.stats()).index).toMatch(/^IVF_FLAT/);
    expect(await recallAt10(store, data, ids)).toBeGreaterThanOrEqual(0.9);
    await store.close();
    expect((await readdir(dir)).filter((f) => f.startsWith("aios_memory_ivf.hnsw"))).toHaveLength(
      0,
    );
  });
});

describe.skipIf(hnswlibMissing !== null)("lancedb HNSW library change", () => {
  it("rebuilds a graph another library saved instead of reading it, and says which serves", async () => {
    const dir = join(root, "switch");
    const usearch = vectorStoreConfigSchema.parse({
      lancedb: { path: dir, hnsw_library: "usearch" },
    });
    const store = await createVectorStore("lancedb", usearch, { collection: "switch" });
    await store.upsert(ids, data);
    await store.createIndex();
    expect((await store.stats()).index).toMatch(/^HNSW \(usearch\)/);
    await store.close();
    // auto resolves to hnswlib where its addon loads.
    const auto = vectorStoreConfigSchema.parse({ lancedb: { path: dir } });
    expect(auto.lancedb.hnsw_library).toBe("auto");
    const again = await createVectorStore("lancedb", auto, { collection: "switch" });
    expect((await again.stats()).index).toBe(
      "none: exact search (the saved HNSW graph has library usearch, not hnswlib; the next write or vs-index rebuilds it)",
    );
    expect((await again.query(data[42] as Float32Array, 1))[0]?.[0]).toBe("r42");
    expect(await again.createIndex()).toBe(true);
    expect((await again.stats()).index).toMatch(/^HNSW \(hnswlib\)/);
    expect(await recallAt10(again, data, ids)).toBeGreaterThanOrEqual(0.95);
    await again.close();
    const files = (await readdir(dir)).filter((f) => f.startsWith("aios_memory_switch.hnsw."));
    expect(files.filter((f) => f.endsWith(".usearch"))).toEqual([]);
    expect(files.filter((f) => f.endsWith(".hnswlib"))).toHaveLength(1);
  });
});

describe("where a LanceDB store keeps a graph", () => {
  it("with index hnsw on a local path only: ivf_flat and object storage resolve no library", () => {
    expect(keepsHnswGraph("hnsw", root)).toBe(true);
    expect(keepsHnswGraph("ivf_flat", root)).toBe(false);
    expect(keepsHnswGraph("hnsw", "s3://bucket/memory")).toBe(false);
  });
});
