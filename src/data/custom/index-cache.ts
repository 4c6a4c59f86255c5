import { createHash } from "node:crypto";
import { mkdir, readFile, rename, writeFile } from "node:fs/promises";
import { homedir } from "node:os";
import { join, resolve } from "node:path";

/**
 * Where the custom backend keeps the record-boundary indexes of CSV files and JSON arrays:
 * `$AIOS_CACHE_DIR`, else `$XDG_CACHE_HOME/aios`, else `~/.cache/aios` (the XDG base directory
 * rule the Hugging Face cache follows too), under `custom-index/`. Never beside the data: the
 * user's data directory may be read-only or shared.
 */
export function customIndexDir(env: NodeJS.ProcessEnv = process.env): string {
  const root =
    env.AIOS_CACHE_DIR ||
    (env.XDG_CACHE_HOME ? join(env.XDG_CACHE_HOME, "aios") : join(homedir(), ".cache", "aios"));
  return join(root, "custom-index");
}

/** What an index was built from: a file whose path, size or modification time changed is re-indexed. */
export interface FileFingerprint {
  readonly path: string;
  readonly size: number;
  readonly mtimeMs: number;
}

/** The stored index of one file under one reading (format, delimiter, block size). */
export interface BoundaryIndex {
  readonly fingerprint: FileFingerprint;
  /** What else the boundaries depend on, e.g. `csv , 1048576`. */
  readonly reading: string;
  /** CSV: bytes of the header record, read before every block but the first. */
  readonly headerEnd: number | null;
  /** Byte offsets: CSV record starts, JSON array commas; sorted. */
  readonly boundaries: readonly number[];
  /** JSON: whether the file is one well-formed array (else it is read whole). */
  readonly valid: boolean;
}

function indexPath(dir: string, fingerprint: FileFingerprint, reading: string): string {
  const key = createHash("sha256")
    .update(`${resolve(fingerprint.path)}\0${reading}`)
    .digest("hex");
  return join(dir, `${key.slice(0, 32)}.json`);
}

/** The cached index of this file and reading, or null when there is none or the file changed. */
export async function readCachedIndex(
  dir: string,
  fingerprint: FileFingerprint,
  reading: string,
): Promise<BoundaryIndex | null> {
  let stored: BoundaryIndex;
  try {
    stored = JSON.parse(
      await readFile(indexPath(dir, fingerprint, reading), "utf8"),
    ) as BoundaryIndex;
  } catch {
    // Missing, or cut short by a crash: build it again.
    return null;
  }
  const same =
    stored.reading === reading &&
    stored.fingerprint?.path === resolve(fingerprint.path) &&
    stored.fingerprint.size === fingerprint.size &&
    stored.fingerprint.mtimeMs === fingerprint.mtimeMs &&
    Array.isArray(stored.boundaries);
  return same ? stored : null;
}

/**
 * Stores an index (written aside and renamed, so a reader never sees half of one). A cache
 * that cannot be written costs only the rebuild next time: the error is returned, not thrown.
 */
export async function writeCachedIndex(dir: string, index: BoundaryIndex): Promise<Error | null> {
  const path = indexPath(dir, index.fingerprint, index.reading);
  const stored: BoundaryIndex = {
    ...index,
    fingerprint: { ...index.fingerprint, path: resolve(index.fingerprint.path) },
  };
  try {
    await mkdir(dir, { recursive: true });
    const partial = `${path}.${process.pid}.partial`;
    await writeFile(partial, JSON.stringify(stored));
    await rename(partial, path);
    return null;
  } catch (error) {
    return error as Error;
  }
}
