import { createHash } from "node:crypto";
import { createWriteStream } from "node:fs";
import { mkdir, readFile, rename, stat, writeFile } from "node:fs/promises";
import { homedir } from "node:os";
import { dirname, join } from "node:path";
import { pipeline } from "node:stream/promises";
import { AiosError, errnoCode } from "../../core/errors.js";
import { formatBytes } from "../../core/format-bytes.js";
import type { HubClient } from "./hub-client.js";
import type { HfDataFile, ResolvedSplit, SplitRequest } from "./resolve-split.js";
import { type DownloadStats, resumableDownload } from "./resumable-download.js";

/**
 * Where `--no-hf-streaming` keeps files: `--hf-cache-dir`, else `HUGGINGFACE_HUB_CACHE`, else
 * `$HF_HOME/hub`, else `~/.cache/huggingface/hub` — the Hub clients' own defaults.
 */
export function hfCacheRoot(cacheDir: string | null, env: NodeJS.ProcessEnv = process.env): string {
  if (cacheDir !== null) return cacheDir;
  if (env.HUGGINGFACE_HUB_CACHE) return env.HUGGINGFACE_HUB_CACHE;
  if (env.HF_HOME) return join(env.HF_HOME, "hub");
  return join(homedir(), ".cache", "huggingface", "hub");
}

/**
 * The split's files on local disk. A split downloaded before is found through its manifest and
 * read with no network at all; otherwise it is resolved on the Hub, each file downloaded once
 * (resuming dropped connections), and the manifest written last, so a broken download is never
 * taken for a complete one. Layout: `datasets--{owner}--{name}/snapshots/{commit}/{path}`, as
 * the Hub's clients lay out their cache.
 */
/** Bytes of one file downloaded into the cache so far; `done === total` when it is complete. */
export type DownloadProgress = (file: string, done: number, total: number) => void;

export async function cachedSplit(
  hub: HubClient,
  request: SplitRequest,
  root: string,
  resolve: () => Promise<ResolvedSplit>,
  log: (message: string) => void,
  progress: DownloadProgress = () => {},
): Promise<ResolvedSplit> {
  const repoDir = join(root, `datasets--${request.name.split("/").join("--")}`);
  const manifest = join(repoDir, "aios-splits", manifestName(request));
  const cached = await readManifest(manifest);
  if (cached !== null && (await allPresent(cached))) return cached;

  const remote = await resolve();
  const files: HfDataFile[] = [];
  for (const file of remote.files) {
    const path = join(repoDir, "snapshots", safeSegment(remote.revision), ...file.path.split("/"));
    if ((await sizeOf(path)) !== file.size) {
      log(`downloading ${file.path} (${formatBytes(file.size)}) into ${dirname(path)}`);
      await download(hub, file, path, progress);
    }
    // The size on disk is what the manifest checks next time (a listing may not know it).
    files.push({ ...file, size: (await sizeOf(path)) ?? file.size, location: path, remote: false });
  }
  const local: ResolvedSplit = { ...remote, files };
  await mkdir(dirname(manifest), { recursive: true });
  await writeFile(manifest, `${JSON.stringify(local, null, 2)}\n`);
  return local;
}

async function download(
  hub: HubClient,
  file: HfDataFile,
  path: string,
  progress: DownloadProgress,
): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  const partial = `${path}.incomplete`;
  const stats: DownloadStats = { bytes: 0, resumes: 0 };
  const bytes = resumableDownload(hub, file.location, stats);
  bytes.on("data", () => progress(file.path, stats.bytes, Math.max(file.size, stats.bytes)));
  try {
    await pipeline(bytes, createWriteStream(partial));
    progress(file.path, stats.bytes, stats.bytes);
  } catch (error) {
    if (error instanceof AiosError) throw error;
    throw new AiosError("IO", `cannot write ${partial}: ${(error as Error).message}`, {
      hint: "check --hf-cache-dir: it must be writable and have room for the dataset",
      cause: error,
    });
  }
  await rename(partial, path);
}

/**
 * `{config}--{split}.json`, with a digest of whatever else chose the files (revision,
 * data_files, data_dir, a pinned commit) when anything did.
 */
function manifestName(request: SplitRequest): string {
  const base = `${encodeURIComponent(request.config ?? "(default)")}--${encodeURIComponent(request.split)}`;
  const choices = {
    revision: request.revision,
    dataFiles: request.dataFiles,
    dataDir: request.dataDir,
    pinned: request.pinned ?? null,
  };
  if (Object.values(choices).every((value) => value === null)) return `${base}.json`;
  const digest = createHash("sha256").update(JSON.stringify(choices)).digest("hex").slice(0, 16);
  return `${base}--${digest}.json`;
}

async function readManifest(path: string): Promise<ResolvedSplit | null> {
  try {
    const manifest = JSON.parse(await readFile(path, "utf8")) as Partial<ResolvedSplit>;
    // A manifest of an older aios lacks the builder parameters: resolve again.
    return manifest.params === undefined ? null : (manifest as ResolvedSplit);
  } catch (error) {
    if (errnoCode(error) === "ENOENT" || error instanceof SyntaxError) return null;
    throw error;
  }
}

async function allPresent(split: ResolvedSplit): Promise<boolean> {
  for (const file of split.files) {
    if ((await sizeOf(file.location)) !== file.size) return false;
  }
  return split.files.length > 0;
}

async function sizeOf(path: string): Promise<number | null> {
  return (await stat(path).catch(() => null))?.size ?? null;
}

function safeSegment(revision: string): string {
  return revision.replace(/[^A-Za-z0-9._-]/g, "_");
}
