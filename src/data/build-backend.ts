import { parseHfDataFiles } from "../config/hf-data-files.js";
import type { TrainingConfig } from "../config/training-config.js";
import { AiosError, oneLine } from "../core/errors.js";
import { openCustomBackend } from "./custom/custom-backend.js";
import { openHfBackend } from "./hf/hf-backend.js";
import type { DownloadProgress } from "./hf/hf-cache.js";
import { openMixture } from "./mixture/open-mixture.js";
import type { DatasetBackend } from "./types.js";
import { resolveShards } from "./webdataset/shard-list.js";
import { WebDatasetBackend } from "./webdataset/webdataset-backend.js";

export interface BuildBackendOptions {
  /** Where non-fatal reports go (bad rows skipped); the default writes to stderr. */
  readonly warn?: (message: string) => void;
  /** Where choices made for the user go (a guessed text column); the default writes to stderr. */
  readonly notice?: (message: string) => void;
  /** Where progress lines go (downloads into the cache); the default writes to stderr. */
  readonly log?: (message: string) => void;
  /** Bytes of each file downloaded into the hf cache, for a progress display. */
  readonly onDownload?: DownloadProgress;
  /** Bytes of a local file scanned while its record-boundary index is built (custom backend). */
  readonly onIndexProgress?: (file: string, done: number, total: number) => void;
}

type BackendKind = TrainingConfig["dataset_backend"];
type BackendBuilder = (
  config: TrainingConfig,
  options: BuildBackendOptions,
) => Promise<DatasetBackend>;

/** One line per backend: adding a driver is one new file and one line here. */
const builders: Record<BackendKind, BackendBuilder> = {
  custom: (config, options) =>
    openCustomBackend({
      path: requireDatasetFile(config),
      textColumn: config.text_column,
      csvDelimiter: config.csv_delimiter,
      encodingErrors: config.encoding_errors,
      shuffle: config.shuffle,
      seed: config.seed,
      ...ranksOf(config),
      warn: options.warn ?? warnOnStderr,
      notice: options.notice ?? noteOnStderr,
      log: options.log ?? logOnStderr,
      onIndexProgress: options.onIndexProgress,
    }),
  hf: (config, options) => {
    if (config.hf_name === null) {
      throw new AiosError("CONFIG_INVALID", "--hf-name is required with --dataset-backend hf", {
        hint: "pass --hf-name wikitext --hf-config wikitext-2-v1 --hf-split train, or --dataset-file hf://NAME:CONFIG:SPLIT",
      });
    }
    return openHfBackend({
      name: config.hf_name,
      config: config.hf_config,
      split: config.hf_split,
      revision: config.hf_revision,
      dataFiles: config.hf_data_files === null ? null : parseHfDataFiles(config.hf_data_files),
      dataDir: config.hf_data_dir,
      shuffle: config.hf_shuffle,
      seed: config.seed,
      ...ranksOf(config),
      streaming: config.hf_streaming,
      cacheDir: config.hf_cache_dir,
      textField: config.hf_text_field,
      csvDelimiter: config.csv_delimiter,
      encodingErrors: config.encoding_errors,
      tokenEnv: config.hf_token_env,
      warn: options.warn ?? warnOnStderr,
      notice: options.notice ?? noteOnStderr,
      log: options.log ?? logOnStderr,
      onDownload: options.onDownload,
    });
  },
  webdataset: async (config, options) => {
    const warn = options.warn ?? warnOnStderr;
    const pattern = config.wds_pattern;
    if (pattern === null) {
      throw new AiosError(
        "CONFIG_INVALID",
        "--wds-pattern is required with --dataset-backend webdataset",
        {
          hint: 'pass --wds-pattern "shards/shard-{000000..000009}.tar"',
        },
      );
    }
    return new WebDatasetBackend({
      pattern,
      shards: resolveShards(pattern, config.wds_on_error, warn),
      key: config.wds_key,
      decode: config.wds_decode,
      shuffle: config.wds_shuffle,
      resampled: config.wds_resampled,
      seed: config.seed,
      ...ranksOf(config),
      onError: config.wds_on_error,
      encodingErrors: config.encoding_errors,
      warn,
    });
  },
};

/**
 * The dataset backend the config selects (`--dataset-backend`), or the mixture of several
 * (`--dataset-mix`), each source opened here by its own configuration.
 */
export async function buildBackend(
  config: TrainingConfig,
  options: BuildBackendOptions = {},
): Promise<DatasetBackend> {
  if (config.dataset_mix !== null)
    return openMixture(config, (source) => builders[source.dataset_backend](source, options));
  return builders[config.dataset_backend](config, options);
}

function requireDatasetFile(config: TrainingConfig): string {
  // resolveTrainingConfig already enforces this; a hand-built config may not have.
  if (config.dataset_file === null) {
    throw new AiosError("CONFIG_INVALID", "--dataset-file is required with the custom backend", {
      hint: "pass --dataset-file PATH (a .txt, .csv, .jsonl, .json file or a directory)",
    });
  }
  return config.dataset_file;
}

function warnOnStderr(message: string): void {
  process.stderr.write(`warning: ${oneLine(message)}\n`);
}

function noteOnStderr(message: string): void {
  process.stderr.write(`note: ${oneLine(message)}\n`);
}

function logOnStderr(message: string): void {
  process.stderr.write(`${message}\n`);
}

/**
 * This process's rank and the world size, one pair for every backend: `--rank` /
 * `--world-size`, else their older webdataset names, else torchrun's `$RANK` / `$WORLD_SIZE`.
 * @throws AiosError `CONFIG_INVALID` when the rank is not below the world size.
 */
function ranksOf(config: TrainingConfig): { rank: number; worldSize: number } {
  const rank = config.rank ?? config.wds_rank ?? envCount("RANK", 0);
  const worldSize = config.world_size ?? config.wds_world_size ?? envCount("WORLD_SIZE", 1);
  if (rank >= worldSize) {
    throw new AiosError("CONFIG_INVALID", `--rank ${rank} is not below --world-size ${worldSize}`, {
      hint: "ranks count from 0 to world size - 1 (torchrun sets RANK and WORLD_SIZE)",
    });
  }
  return { rank, worldSize };
}

/** A whole number from the environment (torchrun's RANK / WORLD_SIZE), else the fallback. */
function envCount(name: string, fallback: number): number {
  const raw = process.env[name];
  return raw !== undefined && /^\d+$/.test(raw) ? Number(raw) : fallback;
}
