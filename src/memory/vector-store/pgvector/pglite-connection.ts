import { mkdir } from "node:fs/promises";
import { dirname, resolve } from "node:path";
import type { PGlite } from "@electric-sql/pglite";
import { AiosError } from "../../../core/errors.js";
import type { SqlConnection, SqlQueryable } from "./sql-connection.js";

/**
 * PGlite holds its data directory exclusively: two instances on one directory corrupt it. So
 * every client in this process that names the same directory shares one instance, closed when
 * the last of them closes.
 */
const shared = new Map<string, { db: Promise<PGlite>; users: number }>();

async function startPglite(dataDir: string): Promise<PGlite> {
  const [{ PGlite }, { vector }] = await Promise.all([
    import("@electric-sql/pglite"),
    import("@electric-sql/pglite-pgvector"),
  ]);
  try {
    // PGlite creates the data directory itself, but not its parents (artifacts/memory/...).
    await mkdir(dirname(dataDir), { recursive: true });
    const db = await PGlite.create({ dataDir, extensions: { vector } });
    await db.exec("CREATE EXTENSION IF NOT EXISTS vector");
    return db;
  } catch (error) {
    throw new AiosError(
      "VECTOR_STORE",
      `Cannot open the PGlite database at ${dataDir}: ${String(error)}`,
      {
        hint: "check memory.vector_store.pgvector.path: a writable directory that no other process has open",
        cause: error,
      },
    );
  }
}

export async function openPgliteConnection(path: string): Promise<SqlConnection> {
  const dataDir = resolve(path);
  let entry = shared.get(dataDir);
  if (entry === undefined) {
    entry = { db: startPglite(dataDir), users: 0 };
    shared.set(dataDir, entry);
  }
  entry.users += 1;
  let db: PGlite;
  try {
    db = await entry.db;
  } catch (error) {
    entry.users -= 1;
    if (shared.get(dataDir) === entry) shared.delete(dataDir);
    throw error;
  }
  const held = entry;
  let closed = false;
  const queryable = (target: Pick<PGlite, "query">): SqlQueryable => ({
    query: async <T>(sql: string, params: readonly unknown[] = []) =>
      (await target.query<T>(sql, [...params])).rows,
  });
  return {
    location: dataDir,
    ...queryable(db),
    transaction: (body) => db.transaction((tx) => body(queryable(tx))),
    close: async () => {
      if (closed) return;
      closed = true;
      held.users -= 1;
      if (held.users === 0) {
        shared.delete(dataDir);
        await db.close();
      }
    },
  };
}
