import { stat } from "node:fs/promises";
import { join } from "node:path";
import { AiosError } from "../../core/errors.js";
import {
  type ConfigSplits,
  cardMetadata,
  formatOf,
  type HfFileFormat,
  parquetConversionConfigs,
  type RepoFile,
  repoConfigs,
} from "./data-files.js";
import { type HubClient, resolveUrl } from "./hub-client.js";
import {
  listLocalFiles,
  listRepoFiles,
  readLocalText,
  readRepoText,
  repoCommit,
} from "./list-repo.js";

export const PARQUET_REVISION = "refs/convert/parquet";

/** One data file of the chosen split, and where its bytes are. */
export interface HfDataFile extends HfFileFormat {
  /** Path inside the repo (or the local directory). */
  readonly path: string;
  readonly size: number;
  /** `https://…/resolve/{commit}/{path}`, or an absolute local path. */
  readonly location: string;
  readonly remote: boolean;
}

export interface ResolvedSplit {
  readonly name: string;
  readonly config: string;
  readonly split: string;
  /** Commit the files were listed at (`local` for a directory). */
  readonly revision: string;
  readonly source: "parquet conversion" | "repo files" | "local directory";
  readonly files: readonly HfDataFile[];
}

export interface SplitRequest {
  /** A Hub dataset id (`wikitext`, `owner/name`) or a local directory in the same layout. */
  readonly name: string;
  readonly config: string | null;
  readonly split: string;
}

/**
 * Which files hold a dataset's split. A local directory is read in place. On the Hub, the
 * parquet conversion is preferred (one format, row groups to stream); a dataset without one is
 * read from its own files, matched to configs and splits by its card or by file naming.
 */
export async function resolveSplit(hub: HubClient, request: SplitRequest): Promise<ResolvedSplit> {
  if (await isDirectory(request.name)) return resolveLocal(request);
  const commit = await repoCommit(hub, request.name, "main");
  const converted = await listRepoFiles(hub, request.name, PARQUET_REVISION);
  const convertedConfigs = converted === null ? new Map() : parquetConversionConfigs(converted);
  if (convertedConfigs.size > 0) {
    // Pinned to a commit, so that a run resumed later reads the same files.
    const convertedCommit = await repoCommit(hub, request.name, PARQUET_REVISION);
    return pick(request, convertedConfigs, "parquet conversion", convertedCommit, (path) =>
      resolveUrl(hub, request.name, convertedCommit, path),
    );
  }
  const files = (await listRepoFiles(hub, request.name, commit)) ?? [];
  const card = files.some((file) => file.path === "README.md")
    ? await readRepoText(hub, request.name, commit, "README.md")
    : null;
  const where = resolveUrl(hub, request.name, commit, "README.md");
  const configs = repoConfigs(files, card === null ? null : cardMetadata(card, where));
  return pick(request, configs, "repo files", commit, (path) =>
    resolveUrl(hub, request.name, commit, path),
  );
}

async function resolveLocal(request: SplitRequest): Promise<ResolvedSplit> {
  const files = await listLocalFiles(request.name);
  const card = await readLocalText(request.name, "README.md");
  const where = join(request.name, "README.md");
  const configs = repoConfigs(files, card === null ? null : cardMetadata(card, where));
  return pick(request, configs, "local directory", "local", (path) => join(request.name, path));
}

function pick(
  request: SplitRequest,
  configs: ConfigSplits,
  source: ResolvedSplit["source"],
  revision: string,
  locate: (path: string) => string,
): ResolvedSplit {
  const names = [...configs.keys()];
  if (names.length === 0) {
    throw new AiosError(
      "DATASET_EMPTY",
      `dataset "${request.name}" holds no data files the hf backend reads (parquet, jsonl, json, csv, txt, optionally .gz)`,
      {
        hint: "check --hf-name; the backend reads a dataset's parquet conversion or its own data files",
      },
    );
  }
  const config = request.config ?? (names.length === 1 ? names[0] : undefined);
  if (config === undefined) {
    throw new AiosError(
      "CONFIG_INVALID",
      `dataset "${request.name}" has several configs; choose one with --hf-config: ${names.join(", ")}`,
      { hint: `e.g. --hf-config ${names[0]}` },
    );
  }
  const splits = configs.get(config);
  if (splits === undefined) {
    throw new AiosError(
      "DATASET_NOT_FOUND",
      `dataset "${request.name}" has no config "${config}"; its configs are: ${names.join(", ")}`,
      { hint: `pass --hf-config ${names[0]}` },
    );
  }
  const files = splits.get(request.split);
  if (files === undefined) {
    const known = [...splits.keys()].sort();
    throw new AiosError(
      "DATASET_NOT_FOUND",
      `dataset "${request.name}" (config ${config}) has no split "${request.split}"; its splits are: ${known.join(", ")}`,
      { hint: `pass --hf-split ${known[0]}` },
    );
  }
  return {
    name: request.name,
    config,
    split: request.split,
    revision,
    source,
    files: files.map((file) => dataFile(file, locate(file.path), source !== "local directory")),
  };
}

function dataFile(file: RepoFile, location: string, remote: boolean): HfDataFile {
  const format = formatOf(file.path);
  if (format === null) throw new Error(`not a data file: ${file.path}`);
  return { ...file, ...format, location, remote };
}

async function isDirectory(path: string): Promise<boolean> {
  // Hub ids are `name` or `owner/name`; a path that exists locally as a directory wins.
  return (await stat(path).catch(() => null))?.isDirectory() ?? false;
}
