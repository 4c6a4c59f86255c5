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
import { QDRANT_SKIP_REASON, qdrantConfigFromEnv } from "../../helpers/qdrant-env.js";

export interface TestDriver {
  readonly name: string;
  /** Null when the driver cannot run here; `skipReason` says why. */
  readonly open: ((collection: string) => Promise<VectorStoreClient>) | null;
  readonly skipReason: string;
}

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
  const qdrant = qdrantConfigFromEnv("aios_cog");
  if (qdrant === null) {
    process.stdout.write(`qdrant ${label} tests skipped: ${QDRANT_SKIP_REASON}\n`);
    drivers.push({ name: "qdrant", open: null, skipReason: QDRANT_SKIP_REASON });
  } else {
    drivers.push({
      name: "qdrant",
      open: (collection) => createVectorStore("qdrant", qdrant, { collection }),
      skipReason: "",
    });
  }
  return drivers;
}
