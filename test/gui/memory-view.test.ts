import { mkdtemp, readdir, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, expect, it } from "vitest";
import { vectorStoreConfigSchema } from "../../src/config/memory-config.js";
import { MemoryView } from "../../src/gui/memory-view.js";
import { createVectorStore } from "../../src/memory/vector-store/create-vector-store.js";
import { randomVectors } from "../../src/memory/vector-store/random-vectors.js";
import { hnswlibMissing } from "../memory/vector-store/lancedb/hnsw-libraries.js";

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
  // The default library: hnswlib where its addon is built.
  const library = hnswlibMissing === null ? "hnswlib" : "usearch";
  expect(indexed.index).toMatch(
    new RegExp(`^HNSW \\(${library}\\), M 12, ef_construction 64, ef_search 40`),
  );
  await view.close();
});

it("keeps one client and its graph between requests, and sees another process's writes", async () => {
  const config = vectorStoreConfigSchema.parse({ lancedb: { path: dir } });
  const writer = await createVectorStore("lancedb", config, { collection: "kept" });
  const vectors = randomVectors(400, 8, 2);
  await writer.upsert(
    vectors.map((_, i) => `v${i}`),
    vectors,
  );
  await writer.createIndex();
  await writer.close();
  const view = new MemoryView(config);
  expect((await view.query("lancedb", "kept", { id: "v7" }, 1)).hits[0]?.id).toBe("v7");
  // The graph stays in memory: removing its files does not take it from the open client.
  for (const name of await readdir(dir))
    if (name.startsWith("aios_memory_kept.hnsw")) await rm(join(dir, name));
  expect((await view.collection("lancedb", "kept")).index).toMatch(/^HNSW/);
  // Another client writes: the next request sees the record; the graph missing it no longer answers.
  const other = await createVectorStore("lancedb", config, { collection: "kept" });
  const [fresh] = randomVectors(1, 8, 99);
  await other.upsert(["fresh"], [fresh as Float32Array]);
  await other.close();
  const after = await view.collection("lancedb", "kept");
  expect(after.count).toBe(401);
  expect(after.index).not.toMatch(/^HNSW/);
  expect((await view.query("lancedb", "kept", { id: "fresh" }, 1)).hits[0]?.id).toBe("fresh");
  await view.close();
});
