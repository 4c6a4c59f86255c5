import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, expect, it } from "vitest";
import { vectorStoreConfigSchema } from "../../src/config/memory-config.js";
import { MemoryView } from "../../src/gui/memory-view.js";
import { createVectorStore } from "../../src/memory/vector-store/create-vector-store.js";
import { randomVectors } from "../../src/memory/vector-store/random-vectors.js";

const dir = await mkdtemp(join(tmpdir(), "aios-memory-view-"));
afterAll(() => rm(dir, { recursive: true, force: true }));

it("names the index that answers queries: exact search, then the HNSW graph with its parameters", async () => {
  const config = vectorStoreConfigSchema.parse({
    lancedb: { path: dir, hnsw_m: 12, ef_search: 40 },
  });
  const store = await createVectorStore("lancedb", config, { collection: "seen" });
  const vectors = randomVectors(300, 8, 1);
  await store.upsert(
    vectors.map((_, i) => `v${i}`),
    vectors,
  );
  const view = new MemoryView(config);
  expect((await view.collection("lancedb", "seen")).index).toBe("none: exact search");
  expect(await store.createIndex()).toBe(true);
  await store.close();
  const indexed = await view.collection("lancedb", "seen");
  expect(indexed.indexed).toBe(true);
  expect(indexed.index).toMatch(/^HNSW \(usearch\), M 12, ef_construction 64, ef_search 40/);
});
