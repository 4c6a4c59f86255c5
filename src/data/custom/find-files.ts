import { readdir, stat } from "node:fs/promises";
import { basename, dirname, join, relative } from "node:path";
import { AiosError, errnoCode } from "../../core/errors.js";
import { type DatasetFile, datasetFileOf, SUPPORTED_EXTENSIONS } from "../formats/dataset-file.js";

/**
 * The files of a dataset path: the file itself, or every supported file under a directory,
 * recursively, sorted by path so that every run (and every machine) reads the same order.
 */
export async function findDatasetFiles(path: string): Promise<DatasetFile[]> {
  const info = await stat(path).catch(async (error: unknown) => {
    if (errnoCode(error) === "ENOENT" || errnoCode(error) === "ENOTDIR") throw await notFound(path);
    throw new AiosError("IO", `cannot read dataset path ${path}: ${String(error)}`, {
      hint: "check the permissions of --dataset-file",
      cause: error,
    });
  });
  if (info.isDirectory()) return filesUnder(path);
  const file = datasetFileOf(path);
  if (file === null) {
    throw new AiosError(
      "CONFIG_INVALID",
      `--dataset-file ${path} has an extension the custom backend does not read`,
      { hint: `use a file ending in ${SUPPORTED_EXTENSIONS.join(", ")}, or a directory of them` },
    );
  }
  return [file];
}

async function filesUnder(root: string): Promise<DatasetFile[]> {
  const found: DatasetFile[] = [];
  const walk = async (dir: string): Promise<void> => {
    for (const entry of await readdir(dir, { withFileTypes: true })) {
      // Hidden entries (.git, .DS_Store, editor swap files) are never training data.
      if (entry.name.startsWith(".")) continue;
      const path = join(dir, entry.name);
      if (entry.isDirectory()) {
        await walk(path);
      } else if (entry.isFile() || (entry.isSymbolicLink() && (await isFile(path)))) {
        // Symlinked directories are not followed: a link to an ancestor would loop forever.
        const file = datasetFileOf(path);
        if (file !== null) found.push(file);
      }
    }
  };
  await walk(root);
  // Code-point order, not locale order: the same on every machine.
  const key = (file: DatasetFile) => relative(root, file.path);
  return found.sort((a, b) => (key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0));
}

async function isFile(path: string): Promise<boolean> {
  return stat(path).then(
    (info) => info.isFile(),
    () => false,
  );
}

async function notFound(path: string): Promise<AiosError> {
  const parent = dirname(path);
  const entries = await readdir(parent).catch(() => null);
  const near = entries === null ? null : nearestName(basename(path), entries);
  const hint =
    near !== null
      ? `did you mean ${join(parent, near)}?`
      : entries === null
        ? `the directory ${parent} does not exist either; check --dataset-file`
        : `check --dataset-file; ${parent} holds no similarly named file`;
  return new AiosError("DATASET_NOT_FOUND", `dataset not found: ${path}`, { hint });
}

/** The entry closest to `name` by edit distance, if it is close enough to be a likely typo. */
export function nearestName(name: string, entries: readonly string[]): string | null {
  let best: string | null = null;
  let bestDistance = Math.max(2, Math.floor(name.length / 3)) + 1;
  for (const entry of entries) {
    const distance = editDistance(name.toLowerCase(), entry.toLowerCase());
    if (distance < bestDistance) {
      best = entry;
      bestDistance = distance;
    }
  }
  return best;
}

function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      const substitution = (previous[j - 1] ?? 0) + (a[i - 1] === b[j - 1] ? 0 : 1);
      current[j] = Math.min((previous[j] ?? 0) + 1, (current[j - 1] ?? 0) + 1, substitution);
    }
    previous = current;
  }
  return previous[b.length] ?? 0;
}
