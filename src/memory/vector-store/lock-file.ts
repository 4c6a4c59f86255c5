import { randomBytes } from "node:crypto";
import { readFileSync, unlinkSync } from "node:fs";
import { mkdir, open, readFile, stat, unlink } from "node:fs/promises";
import { hostname } from "node:os";
import { dirname } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { AiosError, errnoCode } from "../../core/errors.js";

/**
 * A lock file that keeps other processes out of an embedded store: PGlite's data directory
 * (two PGlite processes on one directory lose each other's writes) and LanceDB tables while
 * aios writes (concurrent merge-inserts of one new id commit duplicate rows, and index and
 * compaction commits preempt each other: lancedb/lancedb#3377, lance-format/lance#6151).
 *
 * The file is created with O_EXCL and holds the holder's pid, host, command and start time,
 * as PostgreSQL's postmaster.pid does. A lock whose process is gone (same host, pid not
 * running) is stale and taken over; liveness is the pid, not a heartbeat, because PGlite runs
 * SQL synchronously on the main thread and a long statement would miss any timer. A process
 * that cannot get the lock waits up to `timeoutS` (saying once that it waits and for whom),
 * then fails with VECTOR_STORE_BUSY naming the holder. Locks are released on close and, for a
 * process that exits without closing, by an exit hook; a killed process leaves a stale file.
 */

export interface LockHolder {
  readonly pid: number;
  readonly hostname: string;
  /** The holder's command line, for messages. */
  readonly command: string;
  /** When the holding process started (ISO 8601). */
  readonly started_at: string;
  /** When it took the lock (ISO 8601). */
  readonly acquired_at: string;
  /** Tells this holder's file from a later one of a process with the same pid. */
  readonly token: string;
}

export interface LockOptions {
  /** What the lock guards, for messages: "the PGlite database at /data/pg". */
  readonly what: string;
  /** Seconds to wait for another process's lock; 0 gives up at once. */
  readonly timeoutS: number;
  /** Called once, when the lock is held by a live process and this one starts to wait. */
  readonly onWait?: (notice: string) => void;
  /** The setting that changes `timeoutS`, named in the hint when the wait times out. */
  readonly timeoutSetting?: string;
}

export interface HeldLock {
  readonly path: string;
  /** Removes the lock file (if it is still this holder's); safe to call twice. */
  release(): Promise<void>;
}

/** How often a waiting process looks again. */
const POLL_MS = 200;
/** A lock file that cannot be parsed is one being written, unless it is older than this. */
const UNREADABLE_GRACE_MS = 10_000;
const MAX_COMMAND_CHARS = 300;

/** Lock files this process holds, by path, with their tokens (for the exit hook). */
const heldHere = new Map<string, string>();
/** Acquisitions inside this process queue here, so the file only arbitrates between processes. */
const localQueue = new Map<string, Promise<void>>();
let exitHookInstalled = false;

/**
 * Takes the lock file at `path` (its directory is created), waiting for another process's
 * lock up to `options.timeoutS`. Throws VECTOR_STORE_BUSY naming the holder when the wait
 * times out, IO when the file cannot be created.
 */
export async function acquireLock(path: string, options: LockOptions): Promise<HeldLock> {
  const previous = localQueue.get(path) ?? Promise.resolve();
  let releaseLocal = () => {};
  const mine = new Promise<void>((resolve) => {
    releaseLocal = resolve;
  });
  const queued = previous.then(() => mine);
  localQueue.set(path, queued);
  const leaveQueue = () => {
    releaseLocal();
    if (localQueue.get(path) === queued) localQueue.delete(path);
  };
  await previous;
  let token: string;
  try {
    token = await acquireFile(path, options);
  } catch (error) {
    leaveQueue();
    throw error;
  }
  let released = false;
  return {
    path,
    release: async () => {
      if (released) return;
      released = true;
      try {
        await removeIfOurs(path, token);
      } finally {
        heldHere.delete(path);
        leaveQueue();
      }
    },
  };
}

async function acquireFile(path: string, options: LockOptions): Promise<string> {
  await mkdir(dirname(path), { recursive: true });
  const token = randomBytes(8).toString("hex");
  const record = JSON.stringify(ownHolder(token));
  const deadline = Date.now() + options.timeoutS * 1000;
  // Fairness: a writer that releases and at once locks again (batch after batch) would keep
  // a polling waiter out for its whole run. A waiter leaves `<lock>.want`; a process that
  // finds another's there gives it one turn first.
  const want = `${path}.want`;
  if (await anotherWants(want, token)) await sleep(POLL_MS * 2);
  let notified = false;
  try {
    for (;;) {
      if (await createExclusive(path, record)) {
        heldHere.set(path, token);
        installExitHook();
        return token;
      }
      const current = await readLock(path);
      if (current === null) continue; // released between our attempt and the read
      const stale = isStale(current, path);
      if (stale && (await removeStale(path, current.raw))) continue;
      if (Date.now() >= deadline) throw busyError(path, current.holder, options);
      await createExclusive(want, record).catch(() => false);
      if (!notified && !stale && current.holder !== null) {
        notified = true;
        options.onWait?.(
          `waiting up to ${options.timeoutS} s for ${options.what}: ${describeHolder(current.holder)} holds it`,
        );
      }
      await sleep(Math.min(deadline - Date.now(), POLL_MS * (0.5 + Math.random())) + 1);
    }
  } finally {
    await removeIfOurs(want, token);
  }
}

/** Whether a live process other than this acquisition waits for the lock (its `.want` file). */
async function anotherWants(want: string, token: string): Promise<boolean> {
  const current = await readLock(want).catch(() => null);
  if (current === null || current.holder?.token === token) return false;
  if (isStale(current, want)) {
    await unlink(want).catch(() => {});
    return false;
  }
  return true;
}

function ownHolder(token: string): LockHolder {
  const command = process.argv.slice(1).join(" ");
  return {
    pid: process.pid,
    hostname: hostname(),
    command:
      command.length > MAX_COMMAND_CHARS ? `${command.slice(0, MAX_COMMAND_CHARS)}…` : command,
    started_at: new Date(processStartMs()).toISOString(),
    acquired_at: new Date().toISOString(),
    token,
  };
}

/** Creates `path` with `content` unless it exists (O_EXCL); false when it does. */
async function createExclusive(path: string, content: string): Promise<boolean> {
  let handle: Awaited<ReturnType<typeof open>>;
  try {
    handle = await open(path, "wx");
  } catch (error) {
    if (errnoCode(error) === "EEXIST") return false;
    throw new AiosError("IO", `Cannot create the lock file ${path}: ${String(error)}`, {
      hint: "the store's directory must be writable by this user",
    });
  }
  try {
    await handle.writeFile(content);
  } finally {
    await handle.close();
  }
  return true;
}

interface LockContent {
  /** The file's text, compared before a stale lock is removed. */
  readonly raw: string;
  /** Null while the file cannot be parsed (being written, or damaged). */
  readonly holder: LockHolder | null;
  readonly ageMs: number;
}

async function readLock(path: string): Promise<LockContent | null> {
  try {
    const [raw, info] = await Promise.all([readFile(path, "utf8"), stat(path)]);
    return { raw, holder: parseHolder(raw), ageMs: Date.now() - info.mtimeMs };
  } catch (error) {
    if (errnoCode(error) === "ENOENT") return null;
    throw error;
  }
}

function parseHolder(raw: string): LockHolder | null {
  try {
    const value = JSON.parse(raw) as Partial<LockHolder>;
    if (typeof value.pid !== "number" || typeof value.hostname !== "string") return null;
    return {
      pid: value.pid,
      hostname: value.hostname,
      command: String(value.command ?? ""),
      started_at: String(value.started_at ?? ""),
      acquired_at: String(value.acquired_at ?? ""),
      token: String(value.token ?? ""),
    };
  } catch {
    return null;
  }
}

/** When this process started, in ms since the epoch (the same in every thread of it). */
function processStartMs(): number {
  return Date.now() - process.uptime() * 1000;
}

/** Two readings of one process's start differ by clock jitter, far less than this. */
const SAME_START_MS = 2000;

/**
 * Whether the lock's holder is certainly gone: a process of this host that no longer runs, or
 * one that had this process's pid but started at another time (a pid reused, as in containers,
 * where every run may be pid 1). A lock of this very process (another of its threads) is live.
 * A holder on another host cannot be checked and counts as live.
 */
function isStale(lock: LockContent, path: string): boolean {
  const { holder } = lock;
  if (holder === null) return lock.ageMs > UNREADABLE_GRACE_MS;
  if (holder.hostname !== hostname()) return false;
  if (holder.pid === process.pid) {
    if (heldHere.get(path) === holder.token) return false;
    return !(Math.abs(Date.parse(holder.started_at) - processStartMs()) < SAME_START_MS);
  }
  return !processRuns(holder.pid);
}

function processRuns(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: it runs, under another user.
    return errnoCode(error) === "EPERM";
  }
}

/**
 * Removes a stale lock file, unless it changed since it was read. Two processes may find the
 * same stale lock; a short-lived `.takeover` file (O_EXCL) lets only one of them remove it, so
 * neither can delete the fresh lock the other has just made. Returns false when another
 * process is taking over (the caller looks again shortly).
 */
async function removeStale(path: string, raw: string): Promise<boolean> {
  const guard = `${path}.takeover`;
  if (!(await createExclusive(guard, JSON.stringify(ownHolder("takeover"))))) {
    const other = await readLock(guard);
    // A takeover lasts microseconds; one left behind by a dead process is removed.
    if (other !== null && isStale(other, guard)) await unlink(guard).catch(() => {});
    return false;
  }
  try {
    const now = await readFile(path, "utf8").catch(() => null);
    if (now === raw) await unlink(path).catch(() => {});
    return true;
  } finally {
    await unlink(guard).catch(() => {});
  }
}

async function removeIfOurs(path: string, token: string): Promise<void> {
  const current = await readLock(path).catch(() => null);
  if (current?.holder?.token === token) await unlink(path).catch(() => {});
}

function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.on("exit", () => {
    for (const [path, token] of heldHere) {
      try {
        if (parseHolder(readFileSync(path, "utf8"))?.token === token) unlinkSync(path);
      } catch {
        // Already gone, or unreadable: nothing of ours to remove.
      }
    }
  });
}

export function describeHolder(holder: LockHolder): string {
  const host = holder.hostname === hostname() ? "" : ` on host ${holder.hostname}`;
  return `process ${holder.pid}${host} (${holder.command || "unknown command"}, since ${holder.acquired_at})`;
}

function busyError(path: string, holder: LockHolder | null, options: LockOptions): AiosError {
  const who =
    holder === null
      ? `the lock file ${path}, whose holder cannot be read,`
      : describeHolder(holder);
  const setting = options.timeoutSetting ?? "the lock timeout";
  return new AiosError(
    "VECTOR_STORE_BUSY",
    `${options.what} is in use: ${who} holds it; gave up after waiting ${options.timeoutS} s`,
    {
      hint: `let that process finish (or stop it), or wait longer with ${setting}; if no such process runs any more, delete ${path}`,
    },
  );
}
