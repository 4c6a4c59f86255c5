import { fieldValueShape } from "../config/field-kinds.js";
import { type FieldSpec, type TrainingFieldKey, trainingFields } from "../config/fields.js";
import { vectorStoreBackends } from "../config/memory-config.js";
import type { FieldView, FormValue, FormView, SectionView } from "./api-types.js";

/**
 * Which training fields the panel shows, and where. Types, defaults, choices, help and
 * validation all come from the config schema (`src/config/fields.ts`); this file only places
 * fields and names the few whose label is not their flag in words.
 */
const SECTIONS: readonly {
  id: string;
  title: string;
  backend: string | null;
  keys: readonly TrainingFieldKey[];
}[] = [
  {
    id: "dataset",
    title: "Dataset",
    backend: null,
    keys: [
      "dataset_file",
      "dataset_backend",
      "text_column",
      "csv_delimiter",
      "encoding_errors",
      "ascii_only",
    ],
  },
  {
    id: "mixture",
    title: "Dataset mixture (instead of one dataset)",
    backend: null,
    keys: ["dataset_mix", "mix_stopping_strategy"],
  },
  {
    id: "hf",
    title: "Hugging Face Datasets",
    backend: "hf",
    keys: [
      "hf_name",
      "hf_config",
      "hf_split",
      "hf_revision",
      "hf_data_dir",
      "hf_data_files",
      "hf_shuffle",
      "hf_streaming",
      "hf_cache_dir",
    ],
  },
  {
    id: "webdataset",
    title: "WebDataset shards",
    backend: "webdataset",
    keys: ["wds_pattern", "wds_resampled", "wds_shuffle", "wds_decode", "wds_key"],
  },
  {
    id: "training",
    title: "Training",
    backend: null,
    keys: [
      "steps",
      "batch_size",
      "max_seq_len",
      "halt_max_steps",
      "lr",
      "workers",
      "gemm",
      "log_file",
    ],
  },
  {
    id: "model",
    title: "Model",
    backend: null,
    keys: [
      "model",
      "hidden_size",
      "num_heads",
      "expansion",
      "h_layers",
      "l_layers",
      "h_cycles",
      "l_cycles",
    ],
  },
  { id: "run", title: "Run", backend: null, keys: ["brain_name", "resume"] },
];

const LABELS: Partial<Record<TrainingFieldKey, string>> = {
  dataset_mix: "Sources and weights",
  mix_stopping_strategy: "Stopping strategy",
  dataset_file: "Dataset file/dir or URI",
  model: "Tokenizer",
  ascii_only: "ASCII only",
  wds_shuffle: "Shuffle buffer",
  hf_shuffle: "Row shuffle buffer",
  max_seq_len: "Max sequence length",
  lr: "Learning rate",
  workers: "Workers",
  gemm: "Compute engine",
  h_layers: "H layers",
  l_layers: "L layers",
  h_cycles: "H cycles",
  l_cycles: "L cycles",
};

/** Fields whose help is shown beside them, not only as a tooltip. */
const EXPLAINED: ReadonlySet<TrainingFieldKey> = new Set(["hf_streaming", "wds_pattern"]);

/** Fields edited as rows of several values. */
const ROWS: ReadonlySet<TrainingFieldKey> = new Set(["dataset_mix"]);

/** Fields given a whole row: long paths and patterns. */
const WIDE: ReadonlySet<TrainingFieldKey> = new Set([
  "dataset_mix",
  "wds_pattern",
  "hf_cache_dir",
  "hf_data_files",
  "log_file",
  "model",
]);

/** Every training field the panel shows. */
export const PANEL_KEYS: readonly TrainingFieldKey[] = SECTIONS.flatMap((s) => s.keys);

/** `--hf-cache-dir` → "Cache dir": the flag in words, without its backend prefix. */
function labelOf(key: TrainingFieldKey): string {
  const spec: FieldSpec = trainingFields[key];
  const words = spec.flag.replace(/^(hf|wds)-/, "").replaceAll("-", " ");
  return LABELS[key] ?? `${words.charAt(0).toUpperCase()}${words.slice(1)}`;
}

export function fieldView(key: TrainingFieldKey): FieldView {
  const spec: FieldSpec = trainingFields[key];
  const shape = fieldValueShape(key);
  const initial: FormValue =
    shape.fallback === null || shape.fallback === undefined
      ? ""
      : typeof shape.fallback === "boolean"
        ? shape.fallback
        : String(shape.fallback);
  return {
    key,
    flag: spec.flag,
    label: labelOf(key),
    help: spec.help,
    kind: shape.kind,
    choices: shape.choices,
    initial,
    explain: EXPLAINED.has(key),
    wide: WIDE.has(key),
    rows: ROWS.has(key),
  };
}

export function formView(): FormView {
  const sections: SectionView[] = SECTIONS.map((s) => ({
    id: s.id,
    title: s.title,
    backend: s.backend,
    fields: s.keys.map(fieldView),
  }));
  return { sections, vectorStoreBackends: vectorStoreBackends.filter((b) => b !== "disabled") };
}
