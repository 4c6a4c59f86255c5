/**
 * Which files of a dataset repo make a config's split, and with which builder parameters, as
 * `datasets` 5.0 decides it for `load_dataset(name, config, split=..., data_files=...,
 * data_dir=...)` (`load.HubDatasetModuleFactory.get_module`, `LocalDatasetModuleFactory`,
 * `builder.DatasetBuilder._create_builder_config`).
 */
import { AiosError } from "../../core/errors.js";
import {
  type InferredModule,
  inferModule,
  isAllowedDataFile,
  isReadableModule,
  moduleKeeps,
  type ReadableModule,
} from "./builder-module.js";
import {
  type CardConfig,
  type CardData,
  defaultConfigName,
  type ReadParams,
  readParams,
} from "./card-configs.js";
import { formatOf, type HfFormat } from "./data-files.js";
import {
  getDataPatterns,
  NoDataFilesError,
  resolvePatterns,
  type SplitPatterns,
  sanitizePatterns,
} from "./data-patterns.js";

export interface LayoutRequest {
  /** `--hf-config`; null to let the card choose (see `defaultConfigName`). */
  readonly config: string | null;
  readonly split: string;
  /** `--hf-data-files` as `load_dataset(data_files=...)` takes it; null when not given. */
  readonly dataFiles: unknown;
  /** `--hf-data-dir`: a directory of the repo; null when not given. */
  readonly dataDir: string | null;
}

/** A split of a repo as `datasets` builds it. */
export interface RepoLayout {
  readonly config: string;
  readonly split: string;
  /** Paths of the split's files, in the order `datasets` reads them (a path may repeat). */
  readonly paths: readonly string[];
  readonly module: ReadableModule;
  readonly params: ReadParams;
  /** Said once as a note: where aios reads a file otherwise than `datasets` would. */
  readonly note: string | null;
}

/**
 * The repo's files cannot give the split: none is a data file (`reason: "no data files"`), or
 * they are of a format the hf backend does not read. The caller may turn to the parquet
 * conversion.
 */
export class UnreadableRepoError extends Error {
  constructor(
    readonly reason: string,
    readonly module: string | null,
  ) {
    super(reason);
  }
}

/**
 * The config's split of a repo holding `paths` (every file, `/`-separated) with card `card`.
 *
 * @param name the dataset, for messages.
 * @throws UnreadableRepoError when the repo holds no file to read for the split.
 * @throws AiosError `DATASET_NOT_FOUND` (unknown config or split), `CONFIG_INVALID` (several
 *   configs and none chosen), `DATASET_CARD` (a card `datasets` refuses).
 */
export function repoLayout(
  name: string,
  paths: readonly string[],
  card: CardData,
  request: LayoutRequest,
): RepoLayout {
  const userGiven = request.dataFiles !== null || request.dataDir !== null;
  const dataDir = request.dataDir ?? "";
  const configs = card.configs;
  const names = configs.length > 0 ? configs.map((c) => c.name) : ["default"];
  const defaultName = configs.length > 0 ? defaultConfigName(card) : "default";
  let chosen: CardConfig | null = null;
  if (request.config !== null) {
    if (!names.includes(request.config)) {
      throw new AiosError(
        "DATASET_NOT_FOUND",
        `dataset "${name}" has no config "${request.config}"; its configs are: ${names.join(", ")}`,
        { hint: `pass --hf-config ${names[0]}` },
      );
    }
    chosen = configs.find((c) => c.name === request.config) ?? null;
  } else if (defaultName !== null) {
    chosen = configs.find((c) => c.name === defaultName) ?? null;
  } else if (!userGiven) {
    // `datasets` only builds a config on the fly when data_files or data_dir are given.
    throw new AiosError(
      "CONFIG_INVALID",
      `dataset "${name}" has several configs; choose one with --hf-config: ${names.join(", ")}`,
      { hint: `e.g. --hf-config ${names[0]}` },
    );
  }
  const configName = chosen?.name ?? request.config ?? "default";
  const where = chosen === null ? `dataset "${name}"` : `the card's config "${chosen.name}"`;

  // Files: the user's data_files / data_dir replace the config's, as load_dataset's kwargs do.
  let splits: Map<string, string[]>;
  let filtered: boolean;
  if (userGiven) {
    const patterns =
      request.dataFiles !== null
        ? sanitizePatterns(request.dataFiles, "--hf-data-files")
        : defaultPatterns(paths, dataDir, `--hf-data-dir ${dataDir}`);
    splits = resolvePatterns(patterns, paths, dataDir, isAllowedDataFile, "--hf-data-files");
    // A data_dir makes `datasets` filter by the builder's extensions; data_files alone does not.
    filtered = request.dataDir !== null;
  } else if (chosen !== null) {
    const ownDir = typeof chosen.params.data_dir === "string" ? chosen.params.data_dir : "";
    const patterns =
      chosen.params.data_files !== undefined && chosen.params.data_files !== null
        ? sanitizePatterns(chosen.params.data_files, where)
        : defaultPatterns(paths, ownDir, where);
    splits = resolvePatterns(patterns, paths, ownDir, isAllowedDataFile, where);
    filtered = false;
  } else {
    splits = resolvePatterns(
      defaultPatterns(paths, "", where),
      paths,
      "",
      isAllowedDataFile,
      where,
    );
    filtered = true;
  }

  const files = splits.get(request.split);
  if (files === undefined) {
    const known = [...splits.keys()];
    throw new AiosError(
      "DATASET_NOT_FOUND",
      `dataset "${name}" (config ${configName}) has no split "${request.split}"; its splits are: ${known.join(", ")}`,
      { hint: `pass --hf-split ${known[0] ?? "train"}` },
    );
  }
  const inferred = builderOf(paths, card, request, files);
  if (inferred === null) throw new UnreadableRepoError("no data files", null);
  if (!isReadableModule(inferred.module)) {
    throw new UnreadableRepoError(`${inferred.module} files`, inferred.module);
  }
  const module = inferred.module;
  const kept = filtered ? files.filter((path) => moduleKeeps(module, path)) : files;
  const families = new Set(
    kept.flatMap((path) => {
      const format = formatOf(path)?.format;
      return format === undefined ? [] : [FAMILY[format]];
    }),
  );
  const params = readParams(
    chosen === null ? {} : withoutLayoutKeys(chosen.params),
    families,
    inferred.kwargs,
    where,
  );
  const others = kept.filter((path) => {
    const format = formatOf(path)?.format;
    return format !== undefined && FAMILY[format] !== module;
  });
  const note =
    others.length === 0
      ? null
      : `datasets reads every file of ${name} with its ${module} builder (the format of the repo's first config), which cannot read ${others.length === 1 ? others[0] : `${others[0]} and ${others.length - 1} more`} right; aios reads each file by its own format`;
  return { config: configName, split: request.split, paths: kept, module, params, note };
}

/** The builder each reader of a file format stands for. */
const FAMILY: Readonly<Record<HfFormat, ReadableModule>> = {
  parquet: "parquet",
  jsonl: "json",
  json: "json",
  csv: "csv",
  tsv: "csv",
  text: "text",
};

/**
 * The builder `datasets` uses for every config of the repo: inferred once from the user's
 * data_files, else from the first card config's data_files (when no data_dir is given), else
 * from the repo's default split patterns. Where the splits disagree (`datasets` then refuses the
 * repo), the split read decides; where `datasets` would find no file at all, the split's own files do.
 */
function builderOf(
  paths: readonly string[],
  card: CardData,
  request: LayoutRequest,
  splitFiles: readonly string[],
): InferredModule | null {
  const dataDir = request.dataDir ?? "";
  const first = card.configs[0];
  let patterns: SplitPatterns;
  try {
    patterns =
      request.dataFiles !== null
        ? sanitizePatterns(request.dataFiles, "--hf-data-files")
        : first !== undefined &&
            request.dataDir === null &&
            first.params.data_files !== undefined &&
            first.params.data_files !== null
          ? sanitizePatterns(first.params.data_files, `the card's config "${first.name}"`)
          : getDataPatterns(paths, dataDir);
  } catch (error) {
    if (error instanceof NoDataFilesError) return inferModule(splitFiles);
    throw error;
  }
  const base = request.dataFiles !== null ? dataDir : request.dataDir === null ? "" : dataDir;
  let inference: Map<string, string[]>;
  try {
    inference = resolvePatterns(patterns, paths, base, isAllowedDataFile, "the builder's files");
  } catch {
    return inferModule(splitFiles);
  }
  const modules = [...inference.values()].map((files) => inferModule(files));
  const same = modules.every(
    (m) => m?.module === modules[0]?.module && m?.kwargs.sep === modules[0]?.kwargs.sep,
  );
  const found = same ? (modules[0] ?? null) : inferModule(inference.get(request.split) ?? []);
  return found ?? inferModule(splitFiles);
}

function defaultPatterns(paths: readonly string[], dataDir: string, where: string): SplitPatterns {
  try {
    return getDataPatterns(paths, dataDir);
  } catch (error) {
    if (error instanceof NoDataFilesError) {
      if (dataDir === "") throw new UnreadableRepoError("no data files", null);
      throw new AiosError("DATASET_NOT_FOUND", `${where}: no data files under ${dataDir}`, {
        hint: "check the directory: it is relative to the repo's root",
      });
    }
    throw error;
  }
}

function withoutLayoutKeys(params: Readonly<Record<string, unknown>>): Record<string, unknown> {
  const { data_files: _files, data_dir: _dir, default: _default, ...rest } = params;
  return rest;
}
