import { type TrainingFieldKey, trainingFields } from "./fields.js";
import { describeSource, type MixEntry } from "./mix-syntax.js";

const PREFIX = "memory.dataset.";

/**
 * Keys that are not a source's own: what the URI says (file, backend, hf name, wds pattern),
 * the mixture itself, the process's rank (one for the whole mixture) and tokenization workers
 * (one pipeline for the whole mixture).
 */
const SHARED_ONLY = new Set<TrainingFieldKey>([
  "dataset_file",
  "dataset_backend",
  "dataset_mix",
  "mix_stopping_strategy",
  "hf_name",
  "wds_pattern",
  "rank",
  "world_size",
  "wds_rank",
  "wds_world_size",
  "hf_num_workers",
]);

/** Dataset options a mixture source may set for itself, by their path below `memory.dataset`. */
const sourceKeyByPath = new Map<string, TrainingFieldKey>(
  (Object.keys(trainingFields) as TrainingFieldKey[])
    .filter((key) => trainingFields[key].yaml.startsWith(PREFIX) && !SHARED_ONLY.has(key))
    .map((key) => [trainingFields[key].yaml.slice(PREFIX.length), key]),
);

const ENTRY_KEYS = new Set(["uri", "weight", "name"]);

/**
 * The dataset options an entry sets for its source alone, as training config keys. They are
 * written as under `memory.dataset` (`text_column: body`, `hf: {split: test}`), so a source's
 * options read like the shared ones they override.
 * @throws Error naming the source and the key that is not a per-source dataset option.
 */
export function mixSourceOptions(
  entry: MixEntry,
  index: number,
): Partial<Record<TrainingFieldKey, unknown>> {
  const options: Partial<Record<TrainingFieldKey, unknown>> = {};
  const walk = (body: Record<string, unknown>, prefix: string) => {
    for (const [name, value] of Object.entries(body)) {
      if (prefix === "" && ENTRY_KEYS.has(name)) continue;
      const path = `${prefix}${name}`;
      const key = sourceKeyByPath.get(path);
      if (key !== undefined) options[key] = value;
      else if (typeof value === "object" && value !== null && !Array.isArray(value))
        walk(value as Record<string, unknown>, `${path}.`);
      else
        throw new Error(
          `${describeSource(entry, index)}: ${path} is not a dataset option a source can set (known: uri, weight, name, ${[...sourceKeyByPath.keys()].join(", ")})`,
        );
    }
  };
  walk(entry, "");
  return options;
}

/**
 * `--mix-stopping-strategy` set away from its default without a mixture: it would have no
 * effect, which must not pass unsaid.
 */
export function inertMixWarnings(config: {
  readonly dataset_mix: readonly MixEntry[] | null;
  readonly mix_stopping_strategy: string;
}): string[] {
  const fallback = trainingFields.mix_stopping_strategy.schema.parse(undefined);
  if (config.dataset_mix !== null || config.mix_stopping_strategy === fallback) return [];
  return [
    `--mix-stopping-strategy (memory.dataset.mix_stopping_strategy) = ${config.mix_stopping_strategy} has no effect without --dataset-mix`,
  ];
}
