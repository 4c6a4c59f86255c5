/** What the pgvector driver needs from PostgreSQL, whether PGlite in-process or a server. */
export interface SqlQueryable {
  query<T>(sql: string, params?: readonly unknown[]): Promise<T[]>;
}

export interface SqlConnection extends SqlQueryable {
  /** Where the data lives, for messages (a path, or a URL without its password). */
  readonly location: string;
  /** Runs `body` in one transaction on one session: all of it is written, or none. */
  transaction<T>(body: (tx: SqlQueryable) => Promise<T>): Promise<T>;
  close(): Promise<void>;
}
