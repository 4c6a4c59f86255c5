import type { Client } from "pg";
import { AiosError } from "../../../core/errors.js";
import type { SqlConnection, SqlQueryable } from "./sql-connection.js";

/** The URL with its password replaced, safe to print. */
export function redactUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password !== "") parsed.password = "***";
    return parsed.toString();
  } catch {
    return "(unparseable URL)";
  }
}

/**
 * A PostgreSQL server with the pgvector extension, through `pg`. One session per client; a
 * small queue keeps a transaction's statements from interleaving with other calls.
 */
export async function openPgServerConnection(url: string): Promise<SqlConnection> {
  const { default: pg } = await import("pg");
  const location = redactUrl(url);
  const client: Client = new pg.Client({ connectionString: url });
  try {
    await client.connect();
  } catch (error) {
    throw new AiosError(
      "VECTOR_STORE_UNREACHABLE",
      `PostgreSQL is not reachable at ${location}: ${String(error)}`,
      {
        hint: "start the server, fix memory.vector_store.pgvector.url, or set it to null to use embedded PGlite",
        cause: error,
      },
    );
  }
  // Session errors (server restart) surface on the next query; keep them from crashing Node.
  client.on("error", () => {});
  let queue: Promise<unknown> = Promise.resolve();
  const exclusive = <T>(work: () => Promise<T>): Promise<T> => {
    const run = queue.then(work, work);
    queue = run.catch(() => {});
    return run;
  };
  const direct: SqlQueryable = {
    query: async <T>(sql: string, params: readonly unknown[] = []) =>
      (await client.query(sql, [...params])).rows as T[],
  };
  return {
    location,
    query: (sql, params) => exclusive(() => direct.query(sql, params)),
    transaction: (body) =>
      exclusive(async () => {
        await client.query("BEGIN");
        try {
          const result = await body(direct);
          await client.query("COMMIT");
          return result;
        } catch (error) {
          await client.query("ROLLBACK").catch(() => {});
          throw error;
        }
      }),
    close: async () => {
      await exclusive(() => client.end());
    },
  };
}
