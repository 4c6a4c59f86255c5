import { type ChildProcess, spawn } from "node:child_process";
import { mkdtemp, readFile, rm, stat, utimes, writeFile } from "node:fs/promises";
import { hostname, tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, it } from "vitest";
import { AiosError } from "../../../src/core/errors.js";
import { acquireLock, type LockHolder } from "../../../src/memory/vector-store/lock-file.js";

const dir = await mkdtemp(join(tmpdir(), "aios-lock-"));
afterAll(() => rm(dir, { recursive: true, force: true }));
let counter = 0;
const lockPath = () => join(dir, `store-${++counter}.lock`);

/** The built module, for holders in other processes (`npm test` builds before it runs). */
const builtLockFile = fileURLToPath(
  new URL("../../../dist/src/memory/vector-store/lock-file.js", import.meta.url),
);

async function rejection(promise: Promise<unknown>): Promise<AiosError> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof AiosError) return error;
    throw error;
  }
  throw new Error("expected an AiosError");
}

async function holderOf(path: string): Promise<LockHolder> {
  return JSON.parse(await readFile(path, "utf8")) as LockHolder;
}

async function exists(path: string): Promise<boolean> {
  return stat(path).then(
    () => true,
    () => false,
  );
}

/** A pid that certainly ran and is gone: a child that has exited. */
async function deadPid(): Promise<number> {
  const child = spawn(process.execPath, ["-e", ""], { stdio: "ignore" });
  await new Promise((resolve) => child.once("exit", resolve));
  return child.pid as number;
}

/** Another process that takes the lock at `path` with the built module and runs `then`. */
function otherHolder(path: string, then: string): { child: ChildProcess; held: Promise<void> } {
  const script = `
    import { acquireLock } from ${JSON.stringify(builtLockFile)};
    const lock = await acquireLock(${JSON.stringify(path)}, { what: "test store", timeoutS: 30 });
    process.stdout.write("held\\n");
    ${then}`;
  const child = spawn(process.execPath, ["--input-type=module", "-e", script], {
    stdio: ["pipe", "pipe", "inherit"],
  });
  const held = new Promise<void>((resolve, reject) => {
    child.stdout?.on("data", (chunk: Buffer) => {
      if (chunk.toString().includes("held")) resolve();
    });
    child.once("exit", (code) => reject(new Error(`holder exited with ${code} before holding`)));
  });
  return { child, held };
}

function exited(child: ChildProcess): Promise<number | null> {
  if (child.exitCode !== null) return Promise.resolve(child.exitCode);
  return new Promise((resolve) => child.once("exit", (code) => resolve(code)));
}

describe("lock file", () => {
  it("records its holder and is gone once released", async () => {
    const path = lockPath();
    const lock = await acquireLock(path, { what: "test store", timeoutS: 0 });
    const holder = await holderOf(path);
    expect(holder.pid).toBe(process.pid);
    expect(holder.hostname).toBe(hostname());
    expect(holder.command).toContain(process.argv[1]);
    expect(Date.parse(holder.started_at)).toBeLessThanOrEqual(Date.parse(holder.acquired_at));
    await lock.release();
    expect(await exists(path)).toBe(false);
    await lock.release(); // twice is harmless
  });

  it("takes over a stale lock whose process is gone, without waiting", async () => {
    const path = lockPath();
    const pid = await deadPid();
    await writeFile(
      path,
      JSON.stringify({ pid, hostname: hostname(), command: "crashed", token: "old" }),
    );
    const notices: string[] = [];
    const lock = await acquireLock(path, {
      what: "test store",
      timeoutS: 0,
      onWait: (n) => notices.push(n),
    });
    expect((await holderOf(path)).pid).toBe(process.pid);
    expect(notices).toEqual([]);
    await lock.release();
  });

  it("takes over a lock of its own pid that it does not hold (a pid reused after a crash)", async () => {
    const path = lockPath();
    await writeFile(
      path,
      JSON.stringify({
        pid: process.pid,
        hostname: hostname(),
        command: "old",
        started_at: "2020-01-01T00:00:00.000Z",
        token: "old",
      }),
    );
    const lock = await acquireLock(path, { what: "test store", timeoutS: 0 });
    expect((await holderOf(path)).token).not.toBe("old");
    await lock.release();
  });

  it("counts a lock of this very process, taken in another thread, as live", async () => {
    const path = lockPath();
    const started = new Date(Date.now() - process.uptime() * 1000).toISOString();
    await writeFile(
      path,
      JSON.stringify({ pid: process.pid, hostname: hostname(), started_at: started, token: "t" }),
    );
    const error = await rejection(acquireLock(path, { what: "test store", timeoutS: 0 }));
    expect(error.code).toBe("VECTOR_STORE_BUSY");
  });

  it("takes over a lock killed with SIGKILL (no exit hook ran)", async () => {
    const path = lockPath();
    const { child, held } = otherHolder(path, "setInterval(() => {}, 1000);");
    await held;
    child.kill("SIGKILL");
    await exited(child);
    expect((await holderOf(path)).pid).toBe(child.pid);
    const lock = await acquireLock(path, { what: "test store", timeoutS: 0 });
    expect((await holderOf(path)).pid).toBe(process.pid);
    await lock.release();
  });

  it("is removed by a holder that exits without releasing it", async () => {
    const path = lockPath();
    const { child, held } = otherHolder(path, "process.exit(0);");
    await held.catch(() => {});
    expect(await exited(child)).toBe(0);
    expect(await exists(path)).toBe(false);
  });

  it("waits for a live holder, saying so once, then names it when the wait times out", async () => {
    const path = lockPath();
    const { child, held } = otherHolder(path, "setInterval(() => {}, 1000);");
    try {
      await held;
      const notices: string[] = [];
      const error = await rejection(
        acquireLock(path, {
          what: "the test store",
          timeoutS: 1,
          timeoutSetting: "test.lock_timeout_s",
          onWait: (n) => notices.push(n),
        }),
      );
      expect(notices).toHaveLength(1);
      expect(notices[0]).toMatch(
        new RegExp(`^waiting up to 1 s for the test store: process ${child.pid} \\(.*since `),
      );
      expect(error.code).toBe("VECTOR_STORE_BUSY");
      expect(error.message).toContain(`the test store is in use: process ${child.pid} (`);
      expect(error.message).toContain("gave up after waiting 1 s");
      expect(error.hint).toContain("test.lock_timeout_s");
      expect(error.hint).toContain(`delete ${path}`);
      expect((await holderOf(path)).pid).toBe(child.pid);
    } finally {
      child.kill();
      await exited(child);
    }
  });

  it("gets the lock as soon as another process releases it", async () => {
    const path = lockPath();
    const { child, held } = otherHolder(
      path,
      "setTimeout(async () => { await lock.release(); setInterval(() => {}, 1000); }, 1500);",
    );
    try {
      await held;
      const notices: string[] = [];
      const lock = await acquireLock(path, {
        what: "test store",
        timeoutS: 60,
        onWait: (n) => notices.push(n),
      });
      expect(notices).toHaveLength(1);
      expect((await holderOf(path)).pid).toBe(process.pid);
      await lock.release();
    } finally {
      child.kill();
      await exited(child);
    }
  });

  it("counts a holder on another host as live (its pid cannot be checked here)", async () => {
    const path = lockPath();
    await writeFile(
      path,
      JSON.stringify({ pid: await deadPid(), hostname: "elsewhere", command: "x", token: "t" }),
    );
    const error = await rejection(acquireLock(path, { what: "test store", timeoutS: 0 }));
    expect(error.message).toMatch(/process \d+ on host elsewhere/);
  });

  it("waits for an unreadable lock file while it may be being written, not after", async () => {
    const path = lockPath();
    await writeFile(path, "");
    const error = await rejection(acquireLock(path, { what: "test store", timeoutS: 0 }));
    expect(error.message).toContain("whose holder cannot be read");
    const old = new Date(Date.now() - 60_000);
    await utimes(path, old, old);
    const lock = await acquireLock(path, { what: "test store", timeoutS: 0 });
    expect((await holderOf(path)).pid).toBe(process.pid);
    await lock.release();
  });

  it("queues acquisitions inside one process instead of failing them", async () => {
    const path = lockPath();
    const first = await acquireLock(path, { what: "test store", timeoutS: 0 });
    let secondHeld = false;
    const second = acquireLock(path, { what: "test store", timeoutS: 0 }).then((lock) => {
      secondHeld = true;
      return lock;
    });
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(secondHeld).toBe(false);
    await first.release();
    await (await second).release();
    expect(secondHeld).toBe(true);
  });
});
