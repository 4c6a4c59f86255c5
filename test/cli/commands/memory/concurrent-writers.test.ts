import { type ChildProcess, spawn } from "node:child_process";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { hostname, tmpdir } from "node:os";
import { join } from "node:path";
import { PGlite } from "@electric-sql/pglite";
import { vector } from "@electric-sql/pglite-pgvector";
import { PGLiteSocketServer } from "@electric-sql/pglite-socket";
import { afterAll, describe, expect, it } from "vitest";
import {
  type VectorStoreConfig,
  vectorStoreConfigSchema,
} from "../../../../src/config/memory-config.js";
import { createVectorStore } from "../../../../src/memory/vector-store/create-vector-store.js";
import { lanceDbLockPath } from "../../../../src/memory/vector-store/lancedb/lancedb-store.js";
import { acquireLock } from "../../../../src/memory/vector-store/lock-file.js";
import { pgliteLockPath } from "../../../../src/memory/vector-store/pgvector/pglite-connection.js";
import { ClusteredVectors } from "../../../../src/memory/vector-store/random-vectors.js";
import { type CliResult, cliPath, runCli } from "../../../helpers/run-cli.js";

// Real processes (the built CLI) writing one store at once: what the lock files and LanceDB's
// commit retries are for. Sizes keep each test to seconds; the overlap is made real by
// starting the second writer once the first has printed its first progress line.

const workdirs: string[] = [];
async function workdir(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), "aios-concurrent-"));
  workdirs.push(dir);
  return dir;
}
afterAll(() => Promise.all(workdirs.map((dir) => rm(dir, { recursive: true, force: true }))));

interface Store {
  readonly backend: "lancedb" | "pgvector";
  /** The `memory.vector_store` section, as YAML and as parsed config. */
  readonly yaml: string;
  readonly config: VectorStoreConfig;
  readonly file: string;
}

async function storeIn(
  cwd: string,
  backend: Store["backend"],
  extra: { url?: string; lockTimeoutS?: number } = {},
): Promise<Store> {
  const section = {
    ...(extra.lockTimeoutS === undefined ? {} : { lock_timeout_s: extra.lockTimeoutS }),
    lancedb: { path: join(cwd, "lance") },
    pgvector: { path: join(cwd, "pg"), ...(extra.url === undefined ? {} : { url: extra.url }) },
  };
  const yaml = `memory:\n  vector_store: ${JSON.stringify(section)}\n`;
  const file = join(cwd, `store-${Math.random().toString(36).slice(2)}.yaml`);
  await writeFile(file, yaml);
  return { backend, yaml, config: vectorStoreConfigSchema.parse(section), file };
}

function upsertArgs(store: Store, ...args: string[]): string[] {
  return ["memory", "vs-upsert", "--config", store.file, "--backend", store.backend, ...args];
}

/** A running CLI process; `firstProgress` resolves on its first "upsert: n/N" line. */
function start(args: readonly string[], cwd: string) {
  const child: ChildProcess = spawn(process.execPath, [cliPath, ...args], {
    cwd,
    stdio: ["ignore", "pipe", "pipe"],
  });
  let stdout = "";
  let stderr = "";
  let onProgress = () => {};
  const firstProgress = new Promise<void>((resolve) => {
    onProgress = resolve;
  });
  let onWaiting = () => {};
  const waiting = new Promise<void>((resolve) => {
    onWaiting = resolve;
  });
  child.stdout?.on("data", (chunk: Buffer) => {
    stdout += chunk.toString();
  });
  child.stderr?.on("data", (chunk: Buffer) => {
    stderr += chunk.toString();
    if (/^upsert: \d+\//m.test(stderr)) onProgress();
    if (/^aios: waiting up to/m.test(stderr)) onWaiting();
  });
  const done = new Promise<CliResult>((resolve, reject) => {
    child.on("error", reject);
    child.on("close", (code) => resolve({ code, stdout, stderr }));
  });
  return { pid: child.pid as number, firstProgress, waiting, done };
}

/** Every id in the collection, read in this process once the writers have exited. */
async function storedIds(store: Store): Promise<string[]> {
  const client = await createVectorStore(store.backend, store.config);
  try {
    const ids: string[] = [];
    for await (const batch of client.scan(1000)) ids.push(...batch.map((r) => r.id));
    return ids;
  } finally {
    await client.close();
  }
}

function range(prefix: string, n: number): string[] {
  return Array.from({ length: n }, (_, i) => `${prefix}${i}`);
}

/**
 * The reproduction, sized to seconds: a long upsert, and while it runs a second one
 * into the same collection (and, on LanceDB, a third rewriting the first's ids at once, which
 * without the lock committed duplicate rows). Every process must succeed and every record it
 * acknowledged must be there, once.
 */
async function twoWriters(store: Store, cwd: string, sameIds: boolean) {
  const seed = await runCli(
    upsertArgs(store, "--random", "10", "--dim", "8", "--id-prefix", "seed-"),
    { cwd },
  );
  expect(seed.code, seed.stderr).toBe(0);
  const bulk = start(
    upsertArgs(
      store,
      "--random",
      "3000",
      "--dim",
      "8",
      "--batch-size",
      "20",
      "--id-prefix",
      "bulk-",
    ),
    cwd,
  );
  await bulk.firstProgress;
  const others = [
    start(
      upsertArgs(
        store,
        "--random",
        "60",
        "--dim",
        "8",
        "--batch-size",
        "10",
        "--seed",
        "7",
        "--id-prefix",
        "other-",
      ),
      cwd,
    ),
  ];
  if (sameIds) {
    others.push(
      start(
        upsertArgs(
          store,
          "--random",
          "3000",
          "--dim",
          "8",
          "--batch-size",
          "300",
          "--seed",
          "9",
          "--id-prefix",
          "bulk-",
        ),
        cwd,
      ),
    );
  }
  const results = await Promise.all([bulk.done, ...others.map((o) => o.done)]);
  for (const result of results) {
    expect(result.code, result.stderr).toBe(0);
    expect(result.stderr).not.toMatch(/unexpected error/);
  }
  const ids = await storedIds(store);
  expect(ids).toHaveLength(10 + 3000 + 60); // no record lost, none stored twice
  expect(new Set(ids)).toEqual(
    new Set([...range("seed-", 10), ...range("bulk-", 3000), ...range("other-", 60)]),
  );
  return { bulk, others, results };
}

describe("two processes writing one store", () => {
  it("LanceDB: concurrent upserts all succeed, every acknowledged id is there once", async () => {
    const cwd = await workdir();
    await twoWriters(await storeIn(cwd, "lancedb"), cwd, true);
  });

  it("pgvector (PGlite): two processes on one directory lose nothing", async () => {
    const cwd = await workdir();
    const { bulk, results } = await twoWriters(await storeIn(cwd, "pgvector"), cwd, false);
    // PGlite admits one process at a time. Whether the second one had to wait depends on how
    // fast the first finished (the wait itself is tested deterministically below, with a lock
    // this test holds); when it did, it said so, and for whom.
    const waited = /aios: waiting up to 30 s for the PGlite database/.test(
      results[1]?.stderr ?? "",
    );
    if (waited) {
      expect(results[1]?.stderr).toMatch(
        new RegExp(`for the PGlite database at .*: process ${bulk.pid} \\(.*vs-upsert`),
      );
    }
  });

  it("pgvector (server URL, via pg): concurrent sessions lose nothing", async () => {
    const cwd = await workdir();
    const db = await PGlite.create({ dataDir: join(cwd, "server"), extensions: { vector } });
    const server = new PGLiteSocketServer({ db, host: "127.0.0.1", port: 0, maxConnections: 10 });
    await server.start();
    try {
      const url = `postgres://postgres@${server.getServerConn()}/postgres`;
      await twoWriters(await storeIn(cwd, "pgvector", { url }), cwd, false);
    } finally {
      await server.stop();
      await db.close();
    }
  });
});

describe("a PGlite directory held by another process", () => {
  it("makes writers and readers wait, then exit 2 naming the holder; nothing is written", async () => {
    const cwd = await workdir();
    const store = await storeIn(cwd, "pgvector", { lockTimeoutS: 1 });
    expect((await runCli(upsertArgs(store, "--random", "5", "--dim", "4"), { cwd })).code).toBe(0);
    const lock = await acquireLock(pgliteLockPath(store.config.pgvector.path), {
      what: "test",
      timeoutS: 0,
    });
    try {
      const upsert = await runCli(
        upsertArgs(store, "--random", "5", "--dim", "4", "--id-prefix", "late-"),
        { cwd },
      );
      expect(upsert.code).toBe(2);
      expect(upsert.stderr).toContain(
        `aios: waiting up to 1 s for the PGlite database at ${store.config.pgvector.path}: process ${process.pid} (`,
      );
      expect(upsert.stderr).toContain(`is in use: process ${process.pid} (`);
      expect(upsert.stderr).toContain("gave up after waiting 1 s");
      expect(upsert.stderr).toContain("memory.vector_store.lock_timeout_s");
      const stats = await runCli(
        ["memory", "vs-stats", "--config", store.file, "--backend", "pgvector"],
        { cwd },
      );
      expect(stats.code).toBe(2);
      expect(stats.stderr).toContain(`process ${process.pid}`);
    } finally {
      await lock.release();
    }
    const ids = await storedIds(store);
    expect(ids.sort()).toEqual(range("random-", 5).sort());
  });

  it("lets a waiting writer in when the holder lets go", async () => {
    const cwd = await workdir();
    const store = await storeIn(cwd, "pgvector", { lockTimeoutS: 120 });
    const lock = await acquireLock(pgliteLockPath(store.config.pgvector.path), {
      what: "test",
      timeoutS: 0,
    });
    const writer = start(upsertArgs(store, "--random", "5", "--dim", "4"), cwd);
    await writer.waiting;
    await lock.release();
    const result = await writer.done;
    expect(result.code, result.stderr).toBe(0);
    expect(await storedIds(store)).toHaveLength(5);
  });

  it("is taken over at once when its holder is gone (a stale lock)", async () => {
    const cwd = await workdir();
    const store = await storeIn(cwd, "pgvector", { lockTimeoutS: 0 });
    const gone = spawn(process.execPath, ["-e", ""], { stdio: "ignore" });
    await new Promise((resolve) => gone.once("exit", resolve));
    await writeFile(
      pgliteLockPath(store.config.pgvector.path),
      JSON.stringify({ pid: gone.pid, hostname: hostname(), command: "killed", token: "x" }),
    );
    const upsert = await runCli(upsertArgs(store, "--random", "5", "--dim", "4"), { cwd });
    expect(upsert.code, upsert.stderr).toBe(0);
    expect(await storedIds(store)).toHaveLength(5);
  });
});

describe("a LanceDB table another process is writing", () => {
  it("is read without waiting; a writer waits, then exits 2 naming the holder", async () => {
    const cwd = await workdir();
    const store = await storeIn(cwd, "lancedb", { lockTimeoutS: 1 });
    expect((await runCli(upsertArgs(store, "--random", "5", "--dim", "4"), { cwd })).code).toBe(0);
    const lock = await acquireLock(
      lanceDbLockPath(store.config.lancedb.path, "aios_memory_default"),
      {
        what: "test",
        timeoutS: 0,
      },
    );
    try {
      const stats = await runCli(["memory", "vs-stats", "--config", store.file, "--json"], { cwd });
      expect(stats.code, stats.stderr).toBe(0);
      expect(JSON.parse(stats.stdout)).toMatchObject({ count: 5 });
      const upsert = await runCli(
        upsertArgs(store, "--random", "5", "--dim", "4", "--id-prefix", "late-"),
        { cwd },
      );
      expect(upsert.code).toBe(2);
      expect(upsert.stderr).toContain(
        `LanceDB table aios_memory_default at ${store.config.lancedb.path} is in use: process ${process.pid} (`,
      );
      expect(upsert.stderr).toContain("nothing was written");
    } finally {
      await lock.release();
    }
    expect(await storedIds(store)).toHaveLength(5);
  });
});

describe("a LanceDB writer rebuilding a stale HNSW graph", () => {
  it("does not keep another process's writer waiting for the build", async () => {
    const cwd = await workdir();
    const path = join(cwd, "lance");
    // ef_construction 1000 makes the build of 20k vectors take seconds.
    const graphSection = {
      index_min_rows: 256,
      lancedb: { path, hnsw_ef_construction: 1000 },
    };
    // Clients that never build anything themselves (no graph, no IVF index).
    const plain = (lock_timeout_s: number) =>
      vectorStoreConfigSchema.parse({
        index_min_rows: 1_000_000_000,
        lock_timeout_s,
        lancedb: { path, index: "ivf_flat" },
      });
    const seed = await createVectorStore("lancedb", vectorStoreConfigSchema.parse(graphSection));
    const vectors = new ClusteredVectors(32, { clusters: 20, sigma: 0.35 }, 5).take(20_000);
    await seed.upsert(
      vectors.map((_, i) => `w${i}`),
      vectors,
    );
    await seed.close();
    // Another program's write leaves the saved graph stale: the CLI's write will rebuild it.
    const other = await createVectorStore("lancedb", plain(60));
    await other.upsert(["stale"], [vectors[0] as Float32Array]);
    await other.close();
    const file = join(cwd, "graph.yaml");
    await writeFile(file, `memory:\n  vector_store: ${JSON.stringify(graphSection)}\n`);
    const rebuilding = start(
      [
        ...["memory", "vs-upsert", "--config", file, "--backend", "lancedb"],
        ...["--random", "1", "--dim", "32", "--id-prefix", "cli-"],
      ],
      cwd,
    );
    // Once the CLI's write is committed, it is building the graph.
    const watcher = await createVectorStore("lancedb", plain(60));
    for (;;) {
      await watcher.refresh();
      if ((await watcher.count()) === 20_002) break;
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    // Before, the build ran under the write lock and this writer gave up after 0.5 s (exit 2).
    const writer = await createVectorStore("lancedb", plain(0.5));
    await writer.upsert(["meanwhile"], [vectors[1] as Float32Array]);
    await writer.close();
    const done = await rebuilding.done;
    expect(done.code, done.stderr).toBe(0);
    await watcher.refresh();
    expect(await watcher.count()).toBe(20_003);
    await watcher.close();
  }, 120_000);
});
