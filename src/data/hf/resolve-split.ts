import { stat } from "node:fs/promises";
import { join } from "node:path";
import { AiosError } from "../../core/errors.js";
import {
  type CardData,
  cardData,
  cardMetadata,
  DEFAULT_READ_PARAMS,
  type ReadParams,
} from "./card-configs.js";
import {
  type ConvertedSplit,
  formatOf,
  type HfFileFormat,
  parquetConversionConfigs,
  type RepoFile,
} from "./data-files.js";
import { type HubClient, resolveUrl } from "./hub-client.js";
import {
  listLocalFiles,
  listRepoFiles,
  readLocalText,
  readRepoText,
  repoCommit,
} from "./list-repo.js";
import { describePartial } from "./partial-split.js";
import { type LayoutRequest, repoLayout, UnreadableRepoError } from "./repo-layout.js";

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

export type SplitSource = "repo files" | "parquet conversion" | "local directory";

export interface ResolvedSplit {
  readonly name: string;
  readonly config: string;
  readonly split: string;
  /** Commit the files were listed at (`local` for a directory): what a checkpoint pins. */
  readonly revision: string;
  readonly source: SplitSource;
  readonly files: readonly HfDataFile[];
  /** How the builder `datasets` would use turns the files into rows. */
  readonly params: ReadParams;
  /** Said once per run as a warning: the split is only part of the data (a partial conversion). */
  readonly warning: string | null;
  /** Said once per run as a note: why the conversion is read rather than the repo's files. */
  readonly note: string | null;
}

export interface SplitRequest extends LayoutRequest {
  /** A Hub dataset id (`wikitext`, `owner/name`) or a local directory in the same layout. */
  readonly name: string;
  /** `--hf-revision`: a branch, tag or commit; null for `main`. */
  readonly revision: string | null;
  /** The commit and source a checkpoint was written at: resolve there, not at the branch head. */
  readonly pinned?: { readonly revision: string; readonly source: SplitSource } | null;
}

/**
 * Which files hold a dataset's split, as `datasets` 5.0 finds them (docs/DATA.md, "hf"): a
 * local directory is read in place; on the Hub, the repo's own data files at `revision` (its
 * card's `configs:`, else the Hub's file naming); the parquet conversion
 * (`refs/convert/parquet`) only for a repo with a loading script or without data files the
 * backend reads. Everything is pinned to commits.
 */
export async function resolveSplit(hub: HubClient, request: SplitRequest): Promise<ResolvedSplit> {
  if (await isDirectory(request.name)) {
    if (request.revision !== null) {
      throw new AiosError(
        "CONFIG_INVALID",
        `--hf-revision ${request.revision} names a revision of a Hub dataset, but ${request.name} is a local directory`,
        { hint: "drop --hf-revision, or pass the dataset's Hub id as --hf-name" },
      );
    }
    return resolveLocal(request);
  }
  const pinned = request.pinned ?? null;
  if (pinned?.source === "parquet conversion")
    return conversionSplit(hub, request, pinned.revision, null);
  const commit =
    pinned?.revision ?? (await repoCommit(hub, request.name, request.revision ?? "main"));
  const files = (await listRepoFiles(hub, request.name, commit)) ?? [];
  const userGiven = request.dataFiles !== null || request.dataDir !== null;
  const script = `${request.name.split("/").at(-1)}.py`;
  if (!userGiven && pinned === null && files.some((file) => file.path === script)) {
    return conversionSplit(
      hub,
      request,
      null,
      `${request.name} is a script dataset (${script}), which datasets 5 no longer runs: reading the Hub's parquet conversion of it`,
    );
  }
  const card = await readCard(
    files,
    (path) => readRepoText(hub, request.name, commit, path),
    resolveUrl(hub, request.name, commit, "README.md"),
  );
  try {
    return fromLayout(request, files, card, "repo files", commit, (path) =>
      resolveUrl(hub, request.name, commit, path),
    );
  } catch (error) {
    if (!(error instanceof UnreadableRepoError) || userGiven || pinned !== null)
      throw unreadable(request, error);
    const what =
      error.module === null ? "no data files" : `only ${error.reason}, which aios does not read`;
    try {
      return await conversionSplit(
        hub,
        request,
        null,
        `${request.name} holds ${what}: reading the Hub's parquet conversion of it`,
      );
    } catch (conversionError) {
      // No conversion either: the repo's own problem is the one to report.
      if (conversionError instanceof AiosError && conversionError.code === "DATASET_EMPTY")
        throw unreadable(request, error);
      throw conversionError;
    }
  }
}

async function resolveLocal(request: SplitRequest): Promise<ResolvedSplit> {
  const files = await listLocalFiles(request.name);
  const card = await readCard(
    files,
    (path) => readLocalText(request.name, path),
    join(request.name, "README.md"),
  );
  try {
    return fromLayout(request, files, card, "local directory", "local", (path) =>
      join(request.name, path),
    );
  } catch (error) {
    throw unreadable(request, error);
  }
}

async function readCard(
  files: readonly RepoFile[],
  read: (path: string) => Promise<string | null>,
  where: string,
): Promise<CardData> {
  const has = (path: string) => files.some((file) => file.path === path);
  const readme = has("README.md") ? await read("README.md") : null;
  const standalone = has(".huggingface.yaml") ? await read(".huggingface.yaml") : null;
  return cardData(cardMetadata(readme, standalone, where));
}

function fromLayout(
  request: SplitRequest,
  files: readonly RepoFile[],
  card: CardData,
  source: SplitSource,
  revision: string,
  locate: (path: string) => string,
): ResolvedSplit {
  const layout = repoLayout(
    request.name,
    files.map((file) => file.path),
    card,
    request,
  );
  const sizes = new Map(files.map((file) => [file.path, file.size]));
  const dataFiles: HfDataFile[] = [];
  for (const path of layout.paths) {
    const format = formatOf(path);
    if (format === null) {
      throw new AiosError(
        "DATASET_BAD_ROWS",
        `${request.name}: ${path} is a ${layout.module} data file to datasets, but not a file the hf backend reads`,
        {
          hint: "the hf backend reads .parquet, .jsonl, .json, .csv, .tsv and .txt files, optionally .gz; choose other files with --hf-data-files",
        },
      );
    }
    dataFiles.push({
      path,
      size: sizes.get(path) ?? 0,
      ...format,
      location: locate(path),
      remote: source === "repo files",
    });
  }
  return {
    name: request.name,
    config: layout.config,
    split: layout.split,
    revision,
    source,
    files: dataFiles,
    params: layout.params,
    warning: null,
    note: layout.note,
  };
}

/**
 * The split from the Hub's parquet conversion, at `commit` (a pinned one) or at the
 * conversion's head; a `partial-` split comes with a warning naming the fraction it holds.
 * @throws AiosError `DATASET_EMPTY` when the dataset has no conversion.
 */
async function conversionSplit(
  hub: HubClient,
  request: SplitRequest,
  commit: string | null,
  note: string | null,
): Promise<ResolvedSplit> {
  const at = commit ?? PARQUET_REVISION;
  const listed = await listRepoFiles(hub, request.name, at);
  const configs = listed === null ? new Map() : parquetConversionConfigs(listed);
  if (configs.size === 0) {
    throw new AiosError(
      "DATASET_EMPTY",
      `dataset "${request.name}" has no parquet conversion (${PARQUET_REVISION})`,
      {
        hint: "the Hub converts datasets in the background; read its own files with --hf-data-files",
      },
    );
  }
  const pinnedCommit = commit ?? (await repoCommit(hub, request.name, PARQUET_REVISION));
  const names = [...configs.keys()];
  const config =
    request.config ??
    (names.length === 1 ? names[0] : names.includes("default") ? "default" : undefined);
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
  const split: ConvertedSplit | undefined = splits.get(request.split);
  if (split === undefined) {
    const known = [...splits.keys()].sort();
    throw new AiosError(
      "DATASET_NOT_FOUND",
      `dataset "${request.name}" (config ${config}) has no split "${request.split}"; its splits are: ${known.join(", ")}`,
      { hint: `pass --hf-split ${known[0]}` },
    );
  }
  const files: HfDataFile[] = split.files.map((file) => ({
    ...file,
    format: "parquet",
    gzip: false,
    location: resolveUrl(hub, request.name, pinnedCommit, file.path),
    remote: true,
  }));
  let warning: string | null = null;
  if (split.partial) {
    const card = await readRepoText(
      hub,
      request.name,
      request.revision ?? "main",
      "README.md",
    ).catch(() => null);
    // The card only adds the split's size to the warning: one it cannot read adds nothing.
    let metadata: Record<string, unknown> | null = null;
    try {
      metadata = cardMetadata(card);
    } catch {}
    warning = await describePartial(hub, request.name, config, request.split, files, metadata);
  }
  const main = request.revision === null || request.revision === "main";
  return {
    name: request.name,
    config,
    split: request.split,
    revision: pinnedCommit,
    source: "parquet conversion",
    files,
    params: DEFAULT_READ_PARAMS,
    warning,
    note:
      note === null
        ? null
        : main
          ? note
          : `${note} (the conversion is of the main branch, not of --hf-revision ${request.revision})`,
  };
}

/** A repo with nothing the backend reads for the split, as the error a user sees. */
function unreadable(request: SplitRequest, error: unknown): unknown {
  if (!(error instanceof UnreadableRepoError)) return error;
  const what = error.module === null ? "no data files" : `only ${error.reason}`;
  return new AiosError(
    "DATASET_EMPTY",
    `dataset "${request.name}" holds ${what} for split "${request.split}", and has no parquet conversion to read instead; the hf backend reads parquet, jsonl, json, csv and txt files (optionally .gz)`,
    { hint: "check --hf-name; --hf-data-files and --hf-data-dir choose files of the repo" },
  );
}

async function isDirectory(path: string): Promise<boolean> {
  // Hub ids are `name` or `owner/name`; a path that exists locally as a directory wins.
  return (await stat(path).catch(() => null))?.isDirectory() ?? false;
}
