/**
 * The vector store drivers the cognitive stores are tested on: LanceDB and PGlite (pgvector)
 * always, embedded in this process; Qdrant when QDRANT_URL names a server, else skipped with
 * the reason printed, as in the vector store conformance suite.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll } from "vitest";
import { vectorStoreConfigSchema } from "../../../src/config/memory-config.js";
import { createVectorStore } from "../../../src/memory/vector-store/create-vector-store.js";
import type { VectorStoreClient } from "../../../src/memory/vector-store/types.js";

export interface TestDriver {
  readonly name: string;
  /** Null when the driver cannot run here; `skipReason` says why. */
  readonly open: ((collection: string) => Promise<VectorStoreClient>) | null;
  readonly skipReason: string;
}

export const QDRANT_SKIP_REASON =
  "QDRANT_URL is not set, so no Qdrant server to test against (docker compose up -d qdrant, then QDRANT_URL=http://localhost:6333 npm test)";

/** Call at module level: creates the embedded stores' temporary directories and removes them after. */
export async function testDrivers(label: string): Promise<TestDriver[]> {
  const dir = await mkdtemp(join(tmpdir(), `aios-cognitive-${label}-`));
  afterAll(() => rm(dir, { recursive: true, force: true }));
  const lancedb = vectorStoreConfigSchema.parse({ lancedb: { path: join(dir, "lancedb") } });
  const pgvector = vectorStoreConfigSchema.parse({ pgvector: { path: join(dir, "pgvector") } });
  const drivers: TestDriver[] = [
    {
      name: "lancedb",
      open: (collection) => createVectorStore("lancedb", lancedb, { collection }),
      skipReason: "",
    },
    {
      name: "pgvector (PGlite)",
      open: (collection) => createVectorStore("pgvector", pgvector, { collection }),
      skipReason: "",
    },
  ];
  const qdrantUrl = process.env.QDRANT_URL;
  if (qdrantUrl === undefined || qdrantUrl === "") {
    process.stdout.write(`qdrant ${label} tests skipped: ${QDRANT_SKIP_REASON}\n`);
    drivers.push({ name: "qdrant", open: null, skipReason: QDRANT_SKIP_REASON });
  } else {
    const url = new URL(qdrantUrl);
    const qdrant = vectorStoreConfigSchema.parse({
      collection_prefix: `aios_cog_${Date.now() % 1_000_000}`,
      qdrant: {
        host: url.hostname,
        port: Number(url.port || 6333),
        https: url.protocol === "https:",
        api_key: process.env.QDRANT_API_KEY || null,
      },
    });
    drivers.push({
      name: "qdrant",
      open: (collection) => createVectorStore("qdrant", qdrant, { collection }),
      skipReason: "",
    });
  }
  return drivers;
}
