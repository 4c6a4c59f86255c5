import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { vectorStoreConfigSchema } from "../../../src/config/memory-config.js";
import { createVectorStore } from "../../../src/memory/vector-store/create-vector-store.js";
import { ExactIndex } from "../../../src/memory/vector-store/exact-search.js";
import { ClusteredVectors } from "../../../src/memory/vector-store/random-vectors.js";
import { describeVectorStoreConformance } from "./conformance.js";

const dir = await mkdtemp(join(tmpdir(), "aios-lancedb-"));
afterAll(() => rm(dir, { recursive: true, force: true }));
const config = vectorStoreConfigSchema.parse({ lancedb: { path: dir } });

describeVectorStoreConformance("lancedb", {
  open: (collection) => createVectorStore("lancedb", config, { collection }),
});

describe("lancedb ANN index", () => {
  const dim = 32;
  const data = new ClusteredVectors(dim, { clusters: 20, sigma: 0.35 }, 3).take(2000);
  const ids = data.map((_, i) => `r${i}`);
  const tags = data.map((_, i) => ({ bucket: i % 100 }));

  it("is built automatically once a collection reaches index_min_rows", async () => {
    const small = vectorStoreConfigSchema.parse({ lancedb: { path: dir }, index_min_rows: 1000 });
    const store = await createVectorStore("lancedb", small, { collection: "auto_index" });
    await store.upsert(ids.slice(0, 999), data.slice(0, 999));
    expect((await store.stats()).indexed).toBe(false);
    await store.upsert(ids.slice(999, 1200), data.slice(999, 1200));
    expect((await store.stats()).indexed).toBe(true);
    await store.close();
  });

  it("is built on demand, keeps exact hits and recall, and still honours selective filters", async () => {
    const store = await createVectorStore("lancedb", config, { collection: "on_demand" });
    await store.upsert(ids.slice(0, 100), data.slice(0, 100));
    expect(await store.createIndex()).toBe(false); // too few rows to train: stays exact
    await store.upsert(ids, data, tags);
    expect(await store.createIndex()).toBe(true);
    expect((await store.stats()).indexed).toBe(true);

    const exact = new ExactIndex(data, dim);
    const queries = new ClusteredVectors(dim, { clusters: 20, sigma: 0.35 }, 3)
      .take(2020)
      .slice(2000);
    let found = 0;
    for (const query of queries) {
      const truth = new Set(exact.topK(query, 10).map((hit) => ids[hit.index]));
      const hits = await store.query(query, 10);
      found += hits.filter(([id]) => truth.has(id)).length;
    }
    expect(found / (queries.length * 10)).toBeGreaterThanOrEqual(0.9);

    const [self] = await store.query(data[77] as Float32Array, 1);
    expect(self?.[0]).toBe("r77");
    // 20 rows match; the IVF probe may see fewer, and the driver must then search them exactly.
    const filtered = await store.query(data[5] as Float32Array, 20, { bucket: 5 });
    expect(filtered).toHaveLength(20);
    expect(filtered[0]?.[0]).toBe("r5");
    await store.close();
  });
});
