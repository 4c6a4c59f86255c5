import { type ChildProcess, spawn } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, expect, it } from "vitest";
import { vectorStoreConfigSchema } from "../../src/config/memory-config.js";
import { startGuiServer } from "../../src/gui/server.js";
import { pgliteLockPath } from "../../src/memory/vector-store/pgvector/pglite-connection.js";
import { cliPath, repoRoot } from "../helpers/run-cli.js";

const dir = await mkdtemp(join(tmpdir(), "aios-gui-busy-"));
let holder: ChildProcess | undefined;
afterAll(async () => {
  holder?.kill();
  await rm(dir, { recursive: true, force: true });
});

/** The built module, for a holder in another process (`npm test` builds before it runs). */
const builtLockFile = fileURLToPath(
  new URL("../../dist/src/memory/vector-store/lock-file.js", import.meta.url),
);

/** Another process takes the store's lock and keeps it until killed. */
function holdLock(path: string): Promise<void> {
  const script = `
    import { acquireLock } from ${JSON.stringify(builtLockFile)};
    await acquireLock(${JSON.stringify(path)}, { what: "test store", timeoutS: 30 });
    process.stdout.write("held\\n");
    setInterval(() => {}, 1000);`;
  holder = spawn(process.execPath, ["--input-type=module", "-e", script], {
    stdio: ["ignore", "pipe", "inherit"],
  });
  return new Promise((resolve, reject) => {
    holder?.stdout?.on("data", (chunk: Buffer) => {
      if (chunk.toString().includes("held")) resolve();
    });
    holder?.once("exit", (code) => reject(new Error(`holder exited with ${code} before holding`)));
  });
}

it("answers 409 Conflict, naming the holder, for a store another process holds", async () => {
  const storePath = join(dir, "pgvector");
  await holdLock(pgliteLockPath(storePath));
  const server = await startGuiServer({
    host: "127.0.0.1",
    port: 0,
    stateFile: join(dir, "state.json"),
    cliPath,
    vectorStore: vectorStoreConfigSchema.parse({
      lock_timeout_s: 0,
      pgvector: { path: storePath },
    }),
    cwd: dir,
    assetDir: join(repoRoot, "dist", "page"),
  });
  try {
    const response = await fetch(
      new URL("/api/memory/collection?backend=pgvector&collection=traces", server.url),
    );
    const body = (await response.json()) as { error: { code: string; message: string } };
    expect(body.error.code).toBe("VECTOR_STORE_BUSY");
    expect(response.status).toBe(409);
    expect(body.error.message).toContain(String(holder?.pid));
  } finally {
    await server.close();
  }
});
