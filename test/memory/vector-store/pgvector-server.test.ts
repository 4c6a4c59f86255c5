import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { PGlite } from "@electric-sql/pglite";
import { vector } from "@electric-sql/pglite-pgvector";
import { PGLiteSocketServer } from "@electric-sql/pglite-socket";
import { afterAll } from "vitest";
import { vectorStoreConfigSchema } from "../../../src/config/memory-config.js";
import { createVectorStore } from "../../../src/memory/vector-store/create-vector-store.js";
import { describeVectorStoreConformance } from "./conformance.js";

// The server path (`memory.vector_store.pgvector.url`, through `pg`) against PostgreSQL with
// pgvector speaking the wire protocol: PGlite behind a local socket, since no PostgreSQL server
// here has the extension. The driver sees a server URL and nothing else.
const dataDir = await mkdtemp(join(tmpdir(), "aios-pg-server-"));
const db = await PGlite.create({
  dataDir,
  extensions: { vector },
});
const server = new PGLiteSocketServer({ db, host: "127.0.0.1", port: 0, maxConnections: 100 });
await server.start();
afterAll(async () => {
  await server.stop();
  await db.close();
  await rm(dataDir, { recursive: true, force: true });
});

const config = vectorStoreConfigSchema.parse({
  pgvector: { url: `postgres://postgres@${server.getServerConn()}/postgres` },
});

describeVectorStoreConformance("pgvector (server URL, via pg)", {
  open: (collection) => createVectorStore("pgvector", config, { collection }),
});
