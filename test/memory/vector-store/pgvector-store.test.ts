import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { vectorStoreConfigSchema } from "../../../src/config/memory-config.js";
import { AiosError } from "../../../src/core/errors.js";
import { createVectorStore } from "../../../src/memory/vector-store/create-vector-store.js";
import { randomVectors } from "../../../src/memory/vector-store/random-vectors.js";
import { describeVectorStoreConformance } from "./conformance.js";

// Embedded PostgreSQL (PGlite, WASM) with pgvector: the same SQL a server runs.
const dir = await mkdtemp(join(tmpdir(), "aios-pgvector-"));
afterAll(() => rm(dir, { recursive: true, force: true }));
const config = vectorStoreConfigSchema.parse({ pgvector: { path: dir } });

describeVectorStoreConformance("pgvector (PGlite)", {
  open: (collection) => createVectorStore("pgvector", config, { collection }),
});

describe("pgvector HNSW index", () => {
  it("is built at index_min_rows; filtered queries still return every match", async () => {
    const small = vectorStoreConfigSchema.parse({ pgvector: { path: dir }, index_min_rows: 300 });
    const store = await createVectorStore("pgvector", small, { collection: "hnsw" });
    const vectors = randomVectors(400, 16, 5);
    const ids = vectors.map((_, i) => `h${i}`);
    await store.upsert(
      ids.slice(0, 299),
      vectors.slice(0, 299),
      ids.slice(0, 299).map((_, i) => ({ b: i % 50 })),
    );
    expect((await store.stats()).indexed).toBe(false);
    await store.upsert(
      ids.slice(299),
      vectors.slice(299),
      ids.slice(299).map((_, i) => ({ b: (i + 299) % 50 })),
    );
    expect((await store.stats()).indexed).toBe(true);
    const [self] = await store.query(vectors[42] as Float32Array, 1);
    expect(self?.[0]).toBe("h42");
    // 8 rows match: all must come back whether the planner picks the index or a scan.
    expect(await store.query(vectors[3] as Float32Array, 8, { b: 3 })).toHaveLength(8);
    await store.close();
  });
});

describe("pgvector server connection", () => {
  it("says clearly when the server is not reachable", async () => {
    const unreachable = vectorStoreConfigSchema.parse({
      pgvector: { url: "postgres://aios:secret@127.0.0.1:9/none" },
    });
    const error = await createVectorStore("pgvector", unreachable).then(
      () => null,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(AiosError);
    expect((error as AiosError).code).toBe("VECTOR_STORE_UNREACHABLE");
    expect((error as AiosError).message).toMatch(
      /PostgreSQL is not reachable at postgres:\/\/aios:\*\*\*@127\.0\.0\.1:9\/none/,
    );
    expect((error as AiosError).message).not.toMatch(/secret/);
  });
});

describe("pgvector embedded path", () => {
  it("creates the data directory's missing parents (a fresh checkout has no artifacts/)", async () => {
    const nested = join(dir, "fresh", "artifacts", "memory", "pgvector");
    const fresh = vectorStoreConfigSchema.parse({ pgvector: { path: nested } });
    const store = await createVectorStore("pgvector", fresh, { collection: "fresh" });
    await store.upsert(["a"], [new Float32Array([1, 0, 0])]);
    expect(await store.count()).toBe(1);
    await store.close();
  });
});
