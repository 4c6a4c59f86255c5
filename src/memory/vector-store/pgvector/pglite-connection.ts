import { mkdir } from "node:fs/promises";
import { dirname, resolve } from "node:path";
import type { PGlite } from "@electric-sql/pglite";
import { AiosError } from "../../../core/errors.js";
import { acquireLock, type HeldLock } from "../lock-file.js";
import type { StoreLockOptions } from "../types.js";
import type { SqlConnection, SqlQueryable } from "./sql-connection.js";

/**
 * PGlite holds its data directory exclusively: two instances on one directory lose each
 * other's writes. Inside a process, every client that names the same directory shares one
 * instance, closed when the last of them closes. Between processes, the lock file
 * `<dir>.lock` (lock-file.ts) admits one process at a time, readers included; the others wait
 * up to `memory.vector_store.lock_timeout_s`.
 */
const shared = new Map<string, { db: Promise<Running>; users: number }>();

interface Running {
  readonly db: PGlite;
  readonly lock: HeldLock;
}

/** The lock file of a PGlite data directory: beside it, since PGlite owns the directory. */
export function pgliteLockPath(dataDir: string): string {
  return `${resolve(dataDir)}.lock`;
}

async function startPglite(dataDir: string, lockOptions: StoreLockOptions): Promise<Running> {
  // PGlite creates the data directory itself, but not its parents (artifacts/memory/...).
  await mkdir(dirname(dataDir), { recursive: true });
  const lock = await acquireLock(pgliteLockPath(dataDir), {
    what: `the PGlite database at ${dataDir}`,
    ...lockOptions,
  });
  const [{ PGlite }, { vector }] = await Promise.all([
    import("@electric-sql/pglite"),
    import("@electric-sql/pglite-pgvector"),
  ]);
  try {
    const db = await PGlite.create({ dataDir, extensions: { vector } });
    await db.exec("CREATE EXTENSION IF NOT EXISTS vector");
    return { db, lock };
  } catch (error) {
    await lock.release();
    throw new AiosError(
      "VECTOR_STORE",
      `Cannot open the PGlite database at ${dataDir}: ${String(error)}`,
      {
        hint: "check memory.vector_store.pgvector.path: a writable PGlite data directory",
        cause: error,
      },
    );
  }
}

export async function openPgliteConnection(
  path: string,
  lock: StoreLockOptions,
): Promise<SqlConnection> {
  const dataDir = resolve(path);
  let entry = shared.get(dataDir);
  if (entry === undefined) {
    entry = { db: startPglite(dataDir, lock), users: 0 };
    shared.set(dataDir, entry);
  }
  entry.users += 1;
  let running: Running;
  try {
    running = await entry.db;
  } catch (error) {
    entry.users -= 1;
    if (shared.get(dataDir) === entry) shared.delete(dataDir);
    throw error;
  }
  const held = entry;
  const { db } = running;
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
        try {
          await db.close();
        } finally {
          await running.lock.release();
        }
      }
    },
  };
}
