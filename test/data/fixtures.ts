import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { gzipSync } from "node:zlib";
import { afterAll } from "vitest";

/** `../shared/datasets` beside the repository, wherever it is cloned. */
export const SHARED_DATASETS = resolve(
  dirname(fileURLToPath(import.meta.url)),
  "../../../shared/datasets",
);

/**
 * A temporary directory for one test file's fixtures, removed after its tests. Fixtures are
 * written by the tests themselves: nothing binary is committed.
 */
export async function fixtureDir(): Promise<{
  root: string;
  write: (relativePath: string, content: string) => Promise<string>;
}> {
  const root = await mkdtemp(join(tmpdir(), "aios-data-"));
  afterAll(() => rm(root, { recursive: true, force: true }));
  const write = async (relativePath: string, content: string): Promise<string> => {
    const path = join(root, relativePath);
    await mkdir(dirname(path), { recursive: true });
    await writeFile(path, relativePath.endsWith(".gz") ? gzipSync(content) : content);
    return path;
  };
  return { root, write };
}

/** Every item of an async iterable, or the first `limit`. */
export async function collect<T>(
  items: AsyncIterable<T>,
  limit = Number.POSITIVE_INFINITY,
): Promise<T[]> {
  const out: T[] = [];
  if (limit <= 0) return out;
  for await (const item of items) {
    out.push(item);
    if (out.length >= limit) break;
  }
  return out;
}
