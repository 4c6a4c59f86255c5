import { z } from "zod";
import { AiosError } from "../core/errors.js";
import { looksLikeShards, parseDatasetUri } from "./dataset-uri.js";
import { type FieldSpec, type TrainingFieldKey, trainingFields } from "./fields.js";
import { mixSourceOptions } from "./mix-source-options.js";
import { describeSource, type MixEntry } from "./mix-syntax.js";
import { fixForIssue } from "./value-fix.js";

type SchemaOf<K extends TrainingFieldKey> = (typeof trainingFields)[K]["schema"];

const shape = Object.fromEntries(
  Object.entries(trainingFields).map(([key, spec]) => [key, spec.schema]),
) as { [K in TrainingFieldKey]: SchemaOf<K> };

export const trainingConfigSchema = z.strictObject(shape);
export type TrainingConfig = z.output<typeof trainingConfigSchema>;

/** Values as they arrive from YAML and flags, before defaults; keys are TrainingConfig keys. */
export type RawTrainingConfig = Partial<Record<TrainingFieldKey, unknown>>;

export interface ConfigProblem {
  key: TrainingFieldKey;
  value: unknown;
  problem: string;
  fix: string;
}

/** How a field is named to a user: its flag and its YAML key. */
export function describeField(key: TrainingFieldKey): string {
  const spec: FieldSpec = trainingFields[key];
  return `--${spec.flag} (${spec.yaml})`;
}

/**
 * Defaults < `raw` (YAML merged with flags by the caller), then the dataset URI mapping and the
 * cross-field rules. Every problem is collected, so one run shows all of them.
 */
export function resolveTrainingConfig(
  raw: RawTrainingConfig,
  options: { requireDataset?: boolean } = {},
): TrainingConfig {
  const mapped = applyDatasetUri(raw);
  const parsed = trainingConfigSchema.safeParse(mapped);
  if (!parsed.success) {
    throw configError(
      parsed.error.issues.map((issue) => {
        const key = issue.path[0] as TrainingFieldKey;
        return {
          key,
          value: mapped[key],
          problem: issue.message,
          fix: fixForIssue(key, issue),
        };
      }),
    );
  }
  const problems = crossFieldProblems(parsed.data, options.requireDataset ?? true);
  if (problems.length > 0) throw configError(problems);
  return parsed.data;
}

function applyDatasetUri(raw: RawTrainingConfig): RawTrainingConfig {
  const file = raw.dataset_file;
  if (typeof file !== "string") return raw;
  const uri = parseDatasetUri(file);
  const explicitBackend = raw.dataset_backend;
  if (uri.backend !== "custom") {
    if (
      explicitBackend !== undefined &&
      explicitBackend !== "custom" &&
      explicitBackend !== uri.backend
    ) {
      throw configError([
        {
          key: "dataset_backend",
          value: explicitBackend,
          problem: `conflicts with --dataset-file ${file}, which selects the ${uri.backend} backend`,
          fix: `drop --dataset-backend or pass --dataset-backend ${uri.backend}`,
        },
      ]);
    }
  }
  switch (uri.backend) {
    case "custom":
      if (looksLikeShards(uri.path) && (explicitBackend ?? "custom") === "custom") {
        throw configError([
          {
            key: "dataset_file",
            value: file,
            problem: "names tar shards, which the custom backend does not read",
            fix: `use --dataset-backend webdataset --wds-pattern "${uri.path}" (or --dataset-file wds://${uri.path})`,
          },
        ]);
      }
      return { ...raw, dataset_file: uri.path };
    case "hf":
      return {
        ...raw,
        dataset_file: null,
        dataset_backend: "hf",
        hf_name: pick(raw, "hf_name", uri.name, file),
        ...(uri.config !== null ? { hf_config: pick(raw, "hf_config", uri.config, file) } : {}),
        ...(uri.split !== null ? { hf_split: pick(raw, "hf_split", uri.split, file) } : {}),
      };
    case "webdataset":
      return {
        ...raw,
        dataset_file: null,
        dataset_backend: "webdataset",
        wds_pattern: pick(raw, "wds_pattern", uri.pattern, file),
      };
  }
}

/** A URI part fills a field unless the field was given a different value explicitly. */
function pick(raw: RawTrainingConfig, key: TrainingFieldKey, fromUri: string, uri: string): string {
  const explicit = raw[key];
  if (explicit !== undefined && explicit !== null && explicit !== fromUri) {
    throw configError([
      {
        key,
        value: explicit,
        problem: `conflicts with --dataset-file ${uri}, which says "${fromUri}"`,
        fix: `give the value in one place only`,
      },
    ]);
  }
  return fromUri;
}

function crossFieldProblems(config: TrainingConfig, requireDataset: boolean): ConfigProblem[] {
  const problems: ConfigProblem[] = [];
  const add = (key: TrainingFieldKey, problem: string, fix: string) =>
    problems.push({ key, value: config[key], problem, fix });

  const mixing = config.dataset_mix !== null;
  if (
    requireDataset &&
    !mixing &&
    config.dataset_backend === "custom" &&
    config.dataset_file === null
  ) {
    add(
      "dataset_file",
      "is required with the custom backend",
      "pass --dataset-file PATH (a .txt, .csv, .jsonl, .json file or a directory)",
    );
  }
  if (requireDataset && config.dataset_backend === "hf" && config.hf_name === null) {
    add(
      "hf_name",
      "is required with --dataset-backend hf",
      "pass --hf-name NAME, or --dataset-file hf://NAME:CONFIG:SPLIT",
    );
  }
  if (requireDataset && config.dataset_backend === "webdataset" && config.wds_pattern === null) {
    add(
      "wds_pattern",
      "is required with --dataset-backend webdataset",
      'pass --wds-pattern "shards/shard-{000000..000009}.tar"',
    );
  }
  if (config.dataset_mix !== null) problems.push(...mixProblems(config, config.dataset_mix));
  for (const [key, alias] of [
    ["rank", "wds_rank"],
    ["world_size", "wds_world_size"],
  ] as const) {
    const value = config[key];
    const older = config[alias];
    if (value !== null && older !== null && value !== older) {
      add(
        alias,
        `conflicts with ${describeField(key)} = ${value}`,
        `give it once, as --${trainingFields[key].flag}`,
      );
    }
  }
  if (config.hidden_size % config.num_heads !== 0) {
    add(
      "num_heads",
      `must divide --hidden-size ${config.hidden_size}`,
      `pick a divisor of ${config.hidden_size}, e.g. ${largestDivisorUpTo(config.hidden_size, config.num_heads)}`,
    );
  } else if (config.pos_encodings === "rope" && (config.hidden_size / config.num_heads) % 2 !== 0) {
    add(
      "num_heads",
      `gives an odd head size ${config.hidden_size / config.num_heads}, which RoPE cannot rotate`,
      "choose --hidden-size / --num-heads even",
    );
  }
  if (config.workers > config.batch_size) {
    add(
      "workers",
      `exceeds --batch-size ${config.batch_size}: each worker needs at least one sequence`,
      `pass --workers ${config.batch_size} or a larger --batch-size`,
    );
  }
  return problems;
}

/** A mixture with a single dataset's settings, or a source that cannot be resolved. */
function mixProblems(config: TrainingConfig, mix: readonly MixEntry[]): ConfigProblem[] {
  const problems: ConfigProblem[] = [];
  const single: TrainingFieldKey[] = (["dataset_file", "hf_name", "wds_pattern"] as const).filter(
    (key) => config[key] !== null,
  );
  if (config.dataset_backend !== "custom") single.unshift("dataset_backend");
  for (const key of single) {
    problems.push({
      key,
      value: config[key],
      problem: "cannot be combined with --dataset-mix, which names every dataset read",
      fix: "drop it, and put that dataset in the mixture as one more source",
    });
  }
  if (single.length > 0) return problems;
  for (const [index, entry] of mix.entries()) {
    try {
      resolveMixSource(config, entry, index);
    } catch (error) {
      const sourceProblems = error instanceof ConfigError ? error.problems : null;
      problems.push({
        key: "dataset_mix",
        value: entry,
        problem:
          sourceProblems === null
            ? (error as Error).message
            : `${describeSource(entry, index)}: ${sourceProblems.map((p) => `${describeField(p.key)} = ${JSON.stringify(p.value ?? null)}: ${p.problem}`).join("; ")}`,
        fix:
          sourceProblems?.[0]?.fix ??
          (error instanceof AiosError && error.hint !== undefined
            ? error.hint
            : "correct that source in --dataset-mix"),
      });
    }
  }
  return problems;
}

/**
 * The configuration that reads one source of a mixture alone: the shared dataset options, then
 * the source's own (`mixSourceOptions`), then its URI as `--dataset-file` would map it. Used
 * both to check a mixture when the configuration is resolved and to open each source.
 * @throws ConfigError for the source's own problems; AiosError `CONFIG_INVALID` naming the
 *   source for a URI or an option that cannot be.
 */
export function resolveMixSource(
  config: TrainingConfig,
  entry: MixEntry,
  index: number,
): TrainingConfig {
  let own: RawTrainingConfig;
  try {
    own = mixSourceOptions(entry, index);
  } catch (error) {
    throw new AiosError("CONFIG_INVALID", (error as Error).message, {
      hint: "set per-source dataset options as under memory.dataset (text_column, hf: {split: …}, webdataset: {key: …})",
    });
  }
  const {
    dataset_file: _file,
    dataset_backend: _backend,
    dataset_mix: _mix,
    hf_name: _name,
    wds_pattern: _pattern,
    ...shared
  } = config;
  try {
    // What the URI says is the source's own: a shared --hf-config / --hf-split applies to the
    // hf sources whose URI leaves it out.
    const uri = parseDatasetUri(entry.uri);
    const raw: RawTrainingConfig = { ...shared, ...own, dataset_file: entry.uri };
    if (uri.backend === "hf" && uri.config !== null && own.hf_config === undefined)
      delete raw.hf_config;
    if (uri.backend === "hf" && uri.split !== null && own.hf_split === undefined)
      delete raw.hf_split;
    return resolveTrainingConfig(raw);
  } catch (error) {
    if (error instanceof ConfigError || !(error instanceof AiosError)) throw error;
    throw new AiosError("CONFIG_INVALID", `${describeSource(entry, index)}: ${error.message}`, {
      hint: error.hint,
    });
  }
}

function largestDivisorUpTo(n: number, limit: number): number {
  for (let d = Math.min(n, limit); d > 1; d--) if (n % d === 0) return d;
  return 1;
}

function configError(problems: ConfigProblem[]): ConfigError {
  const lines = problems.map(
    (p) =>
      `${describeField(p.key)} = ${JSON.stringify(p.value ?? null)}: ${p.problem}.\n    Fix: ${p.fix}`,
  );
  const head =
    problems.length === 1
      ? "Invalid training configuration"
      : `${problems.length} problems in the training configuration`;
  return new ConfigError(`${head}:\n  ${lines.join("\n  ")}`, problems);
}

/** A config error that also carries its problems one by one (the GUI shows each by its field). */
export class ConfigError extends AiosError {
  readonly problems: readonly ConfigProblem[];
  constructor(message: string, problems: readonly ConfigProblem[]) {
    super("CONFIG_INVALID", message);
    this.problems = problems;
  }
}
