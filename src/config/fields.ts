import { z } from "zod";
import { parseHfDataFiles } from "./hf-data-files.js";
import { parseMixEntries } from "./mix-syntax.js";

/**
 * Every training option, once: its schema (type, default, rule), its CLI flag, where it lives
 * in a YAML config file, and its help text. The CLI, `config show`, the YAML loader and the GUI
 * are all generated from this table; nothing restates a default by hand.
 */
export interface FieldSpec<S extends z.ZodType = z.ZodType> {
  readonly schema: S;
  /** Long flag without the leading dashes; booleans also get `--no-<flag>`. */
  readonly flag: string;
  /** Dotted path in a YAML config file (`train.steps`, `memory.dataset.hf.name`). */
  readonly yaml: string;
  readonly help: string;
  /** Help group in `--help`. */
  readonly group: "data" | "hf" | "webdataset" | "training" | "architecture" | "run";
}

const optionalString = () => z.string().min(1).nullable().default(null);
const positiveInt = (fallback: number) => z.number().int().min(1).default(fallback);

export const trainingFields = {
  model: {
    schema: z.string().min(1).default("gpt2"),
    flag: "model",
    yaml: "train.model",
    help: "tokenizer: gpt2 (GPT-2 BPE) or another tiktoken encoding (cl100k_base, o200k_base, p50k_base, …) shipped with the package; a Hugging Face tokenizer.json, or a directory holding one; or a Hub model id owner/name (fetched like --hf-name: HF_ENDPOINT, --hf-token-env, --hf-cache-dir). The model's vocabulary size and the end-of-sequence id between samples come from it; --resume uses the brain's own",
    group: "data",
  },
  dataset_file: {
    schema: optionalString(),
    flag: "dataset-file",
    yaml: "memory.dataset.file",
    help: "dataset file/dir or URI: a .txt/.csv/.jsonl/.json file (optionally .gz), a directory, file://PATH, hf://NAME:CONFIG:SPLIT or wds://PATTERN",
    group: "data",
  },
  dataset_backend: {
    schema: z.enum(["custom", "hf", "webdataset"]).default("custom"),
    flag: "dataset-backend",
    yaml: "memory.dataset.backend",
    help: "where samples come from: custom (local files), hf (Hugging Face Datasets), webdataset (tar shards)",
    group: "data",
  },
  dataset_mix: {
    schema: z
      .unknown()
      .transform((value, context) => {
        const parsed = parseMixEntries(value);
        if (typeof parsed !== "string") return parsed;
        context.addIssue({ code: "custom", message: parsed });
        return z.NEVER;
      })
      .nullable()
      .default(null),
    flag: "dataset-mix",
    yaml: "memory.dataset.mix",
    help: 'several datasets read as one stream, instead of --dataset-file: "URI=WEIGHT,URI=WEIGHT" (each URI as --dataset-file takes it; commas inside {…} belong to a shard pattern, the weight follows the last =; weights are relative, none at all means round robin), or a JSON list as the YAML key holds: [{"uri": …, "weight": …, "name": …, and dataset options of that source alone, e.g. "text_column" or "hf": {"split": …}}]',
    group: "data",
  },
  mix_stopping_strategy: {
    schema: z
      .enum(["endless", "first_exhausted", "all_exhausted", "all_exhausted_without_replacement"])
      .default("endless"),
    flag: "mix-stopping-strategy",
    yaml: "memory.dataset.mix_stopping_strategy",
    help: "when a --dataset-mix ends, as interleave_datasets(stopping_strategy=): endless (each source starts its next epoch when it runs out; never ends), first_exhausted (ends when one source runs out), all_exhausted (a source that runs out starts again until every one has run out once), all_exhausted_without_replacement (a source that runs out is left out until every one has); a training run starts the mixture again when it ends",
    group: "data",
  },
  text_column: {
    schema: optionalString(),
    flag: "text-column",
    yaml: "memory.dataset.text_column",
    help: "CSV column or JSON field holding the text (default: text, else content, else a name-based guess)",
    group: "data",
  },
  csv_delimiter: {
    schema: z
      .string()
      .regex(/^([^"\r\n]|tab|\\t)$/, 'must be one character (not a quote or line break), or "tab"')
      .transform((value) => (value === "tab" || value === "\\t" ? "\t" : value))
      .nullable()
      .default(null),
    flag: "csv-delimiter",
    yaml: "memory.dataset.csv_delimiter",
    help: 'field delimiter of .csv/.tsv files: one character, or "tab" (default: tab for .tsv, else detected from the first rows among , ; tab |)',
    group: "data",
  },
  encoding_errors: {
    schema: z.enum(["skip", "replace", "strict"]).default("skip"),
    flag: "encoding-errors",
    yaml: "memory.dataset.encoding_errors",
    help: "rows holding bytes not valid UTF-8 (or UTF-16 after its byte-order mark): skip counts and drops them, replace keeps them with U+FFFD and counts them, strict stops with exit 2 naming the file and line",
    group: "data",
  },
  ascii_only: {
    schema: z.boolean().default(false),
    flag: "ascii-only",
    yaml: "train.ascii_only",
    help: "drop samples that contain non-ASCII characters",
    group: "data",
  },
  rank: {
    schema: z.number().int().min(0).nullable().default(null),
    flag: "rank",
    yaml: "memory.dataset.rank",
    help: "this process's rank among --world-size processes reading one dataset, each a disjoint part: webdataset shards rank, rank + world size, ...; hf files the same way when they divide evenly, else every world-size-th row; custom every world-size-th sample (default $RANK, else 0)",
    group: "data",
  },
  world_size: {
    schema: z.number().int().min(1).nullable().default(null),
    flag: "world-size",
    yaml: "memory.dataset.world_size",
    help: "processes reading one dataset, each a disjoint part (default $WORLD_SIZE, else 1)",
    group: "data",
  },
  shuffle: {
    schema: z.boolean().default(true),
    flag: "shuffle",
    yaml: "memory.dataset.shuffle",
    help: "shuffle custom-backend samples each epoch, deterministically from --seed",
    group: "data",
  },
  hf_name: {
    schema: optionalString(),
    flag: "hf-name",
    yaml: "memory.dataset.hf.name",
    help: "Hugging Face dataset id, e.g. wikitext or owner/name, or a local directory in the Hub's layout (required with --dataset-backend hf; the Hub is HF_ENDPOINT, default https://huggingface.co)",
    group: "hf",
  },
  hf_config: {
    schema: optionalString(),
    flag: "hf-config",
    yaml: "memory.dataset.hf.config",
    help: "dataset configuration, e.g. wikitext-103-raw-v1",
    group: "hf",
  },
  hf_split: {
    schema: z.string().min(1).default("train"),
    flag: "hf-split",
    yaml: "memory.dataset.hf.split",
    help: "dataset split: train, validation, test, ...",
    group: "hf",
  },
  hf_revision: {
    schema: optionalString(),
    flag: "hf-revision",
    yaml: "memory.dataset.hf.revision",
    help: "branch, tag or commit of the dataset's repo to read (default: main); resolved to a commit that checkpoints record, so --resume reads the same files",
    group: "hf",
  },
  hf_data_files: {
    schema: z
      .string()
      .min(1)
      .superRefine((value, context) => {
        try {
          parseHfDataFiles(value);
        } catch (error) {
          context.addIssue({ code: "custom", message: (error as Error).message });
        }
      })
      .nullable()
      .default(null),
    flag: "hf-data-files",
    yaml: "memory.dataset.hf.data_files",
    help: 'the repo\'s files to read, as load_dataset(data_files=): "GLOB[,GLOB...]" (the train split), "SPLIT=GLOB[,GLOB...];SPLIT=..." or JSON; globs are relative to the repo (or --hf-data-dir) and replace the card\'s data_files',
    group: "hf",
  },
  hf_data_dir: {
    schema: optionalString(),
    flag: "hf-data-dir",
    yaml: "memory.dataset.hf.data_dir",
    help: "directory of the repo to read, as load_dataset(data_dir=): its files are split by the Hub's naming, as at the repo's root",
    group: "hf",
  },
  hf_shuffle: {
    schema: z.number().int().min(0).default(1000),
    flag: "hf-shuffle",
    yaml: "memory.dataset.hf.shuffle",
    help: "shuffle buffer size, as IterableDataset.shuffle(buffer_size=): files in a seeded order each epoch and rows through the buffer, from --seed (0 keeps file and row order)",
    group: "hf",
  },
  hf_streaming: {
    schema: z.boolean().default(true),
    flag: "hf-streaming",
    yaml: "memory.dataset.hf.streaming",
    help: "stream rows over HTTP instead of downloading the files first (--no-hf-streaming caches them)",
    group: "hf",
  },
  hf_cache_dir: {
    schema: optionalString(),
    flag: "hf-cache-dir",
    yaml: "memory.dataset.hf.cache_dir",
    help: "download cache for --no-hf-streaming (default: HF_HOME / HUGGINGFACE_HUB_CACHE)",
    group: "hf",
  },
  hf_num_workers: {
    schema: z.number().int().min(0).max(64).default(2),
    flag: "hf-num-workers",
    yaml: "memory.dataset.hf.num_workers",
    help: "tokenization worker threads for the hf backend (0 tokenizes on the main thread)",
    group: "hf",
  },
  hf_token_env: {
    schema: z
      .string()
      .regex(/^[A-Za-z_][A-Za-z0-9_]*$/, "must be an environment variable name")
      .default("HUGGING_FACE_HUB_TOKEN"),
    flag: "hf-token-env",
    yaml: "memory.dataset.hf.token_env",
    help: "name of the environment variable holding the Hub token (HF_TOKEN is also read)",
    group: "hf",
  },
  hf_text_field: {
    schema: optionalString(),
    flag: "hf-text-field",
    yaml: "memory.dataset.hf.text_field",
    help: "column holding the text (default: text, else content, else the JSON of the whole row)",
    group: "hf",
  },
  wds_pattern: {
    schema: optionalString(),
    flag: "wds-pattern",
    yaml: "memory.dataset.webdataset.pattern",
    help: 'tar shard pattern with brace ranges, e.g. "shards/shard-{000000..000099}.tar" (quote it); several joined by ::',
    group: "webdataset",
  },
  wds_resampled: {
    schema: z.boolean().default(false),
    flag: "wds-resampled",
    yaml: "memory.dataset.webdataset.resampled",
    help: "draw shards with replacement forever (--steps ends the run)",
    group: "webdataset",
  },
  wds_shuffle: {
    schema: z.number().int().min(0).default(1000),
    flag: "wds-shuffle",
    yaml: "memory.dataset.webdataset.shuffle",
    help: "sample shuffle buffer size (0 turns shuffling off)",
    group: "webdataset",
  },
  wds_decode: {
    schema: z.enum(["text", "bytes"]).default("text"),
    flag: "wds-decode",
    yaml: "memory.dataset.webdataset.decode",
    help: "yield each sample's field as text or raw bytes (bytes are decoded as UTF-8 for tokenization)",
    group: "webdataset",
  },
  wds_key: {
    schema: z.string().min(1).default("txt"),
    flag: "wds-key",
    yaml: "memory.dataset.webdataset.key",
    help: "file extension inside each sample to read (txt, json, ...)",
    group: "webdataset",
  },
  wds_rank: {
    schema: z.number().int().min(0).nullable().default(null),
    flag: "wds-rank",
    yaml: "memory.dataset.webdataset.rank",
    help: "older name of --rank, kept for existing configs",
    group: "webdataset",
  },
  wds_world_size: {
    schema: z.number().int().min(1).nullable().default(null),
    flag: "wds-world-size",
    yaml: "memory.dataset.webdataset.world_size",
    help: "older name of --world-size, kept for existing configs",
    group: "webdataset",
  },
  wds_on_error: {
    schema: z.enum(["raise", "skip"]).default("raise"),
    flag: "wds-on-error",
    yaml: "memory.dataset.webdataset.on_error",
    help: "a shard that cannot be read (HTTP error, truncated tar): raise stops, skip counts and reports it",
    group: "webdataset",
  },
  steps: {
    schema: positiveInt(100),
    flag: "steps",
    yaml: "train.steps",
    help: "optimizer steps to run (one ACT segment each)",
    group: "training",
  },
  batch_size: {
    schema: positiveInt(8),
    flag: "batch-size",
    yaml: "train.batch_size",
    help: "sequences per optimizer step",
    group: "training",
  },
  max_seq_len: {
    schema: z.number().int().min(2).max(8192).default(64),
    flag: "max-seq-len",
    yaml: "train.max_seq_len",
    help: "tokens per sequence",
    group: "training",
  },
  halt_max_steps: {
    schema: z.number().int().min(1).max(64).default(2),
    flag: "halt-max-steps",
    yaml: "train.halt_max_steps",
    help: "most ACT segments a sequence may run before it must halt (1 = a single segment)",
    group: "training",
  },
  halt_exploration_prob: {
    schema: z.number().min(0).max(1).default(0.1),
    flag: "halt-exploration-prob",
    yaml: "train.halt_exploration_prob",
    help: "probability that a sequence is forced to run a random minimum number of segments",
    group: "training",
  },
  lr: {
    schema: z.number().gt(0).max(1).default(1e-3),
    flag: "lr",
    yaml: "train.lr",
    help: "peak learning rate of AdamW",
    group: "training",
  },
  warmup_steps: {
    schema: z.number().int().min(0).default(10),
    flag: "warmup-steps",
    yaml: "train.warmup_steps",
    help: "linear learning-rate warm-up steps, then constant",
    group: "training",
  },
  weight_decay: {
    schema: z.number().min(0).max(1).default(0.1),
    flag: "weight-decay",
    yaml: "train.weight_decay",
    help: "AdamW decoupled weight decay on weight matrices",
    group: "training",
  },
  grad_clip: {
    schema: z.number().min(0).default(1),
    flag: "grad-clip",
    yaml: "train.grad_clip",
    help: "clip the global gradient norm to this value (0 = off)",
    group: "training",
  },
  seed: {
    schema: z.number().int().min(0).default(0),
    flag: "seed",
    yaml: "train.seed",
    help: "seed for initialisation, shuffling and halting exploration",
    group: "training",
  },
  workers: {
    schema: z.number().int().min(1).max(8).default(2),
    flag: "workers",
    yaml: "train.workers",
    help: "data-parallel training workers (one per CPU core)",
    group: "training",
  },
  gemm: {
    schema: z.enum(["auto", "native", "wasm"]).default("auto"),
    flag: "gemm",
    yaml: "train.gemm",
    help: "compute engine: native (matrix products in a BLAS library such as OpenBLAS, opened at run time, and the other hot loops in C), wasm (TF.js's own kernels) or auto (native when it loads, else wasm, saying why)",
    group: "training",
  },
  eval_file: {
    schema: optionalString(),
    flag: "eval-file",
    yaml: "train.eval_file",
    help: "held-out text for validation loss and perplexity after training",
    group: "training",
  },
  eval_batches: {
    schema: z.number().int().min(0).default(10),
    flag: "eval-batches",
    yaml: "train.eval_batches",
    help: "batches of --eval-file to evaluate",
    group: "training",
  },
  hidden_size: {
    schema: positiveInt(128),
    flag: "hidden-size",
    yaml: "train.hidden_size",
    help: "model width d",
    group: "architecture",
  },
  num_heads: {
    schema: positiveInt(4),
    flag: "num-heads",
    yaml: "train.num_heads",
    help: "attention heads (must divide --hidden-size)",
    group: "architecture",
  },
  expansion: {
    schema: z.number().gt(0).max(16).default(2),
    flag: "expansion",
    yaml: "train.expansion",
    help: "SwiGLU width multiplier",
    group: "architecture",
  },
  h_layers: {
    schema: positiveInt(1),
    flag: "h-layers",
    yaml: "train.h_layers",
    help: "transformer blocks in the slow H module",
    group: "architecture",
  },
  l_layers: {
    schema: positiveInt(1),
    flag: "l-layers",
    yaml: "train.l_layers",
    help: "transformer blocks in the fast L module",
    group: "architecture",
  },
  h_cycles: {
    schema: positiveInt(2),
    flag: "h-cycles",
    yaml: "train.h_cycles",
    help: "H updates per segment",
    group: "architecture",
  },
  l_cycles: {
    schema: positiveInt(2),
    flag: "l-cycles",
    yaml: "train.l_cycles",
    help: "L updates per H update",
    group: "architecture",
  },
  pos_encodings: {
    schema: z.enum(["rope", "sinusoidal", "learned"]).default("rope"),
    flag: "pos-encodings",
    yaml: "train.pos_encodings",
    help: "position encoding: rope, sinusoidal or learned",
    group: "architecture",
  },
  log_file: {
    schema: z.string().min(1).default("artifacts/brains/actv1/metrics.jsonl"),
    flag: "log-file",
    yaml: "train.log_file",
    help: "metrics JSONL, appended one record per optimizer step",
    group: "run",
  },
  brain_name: {
    schema: z
      .string()
      .regex(/^[A-Za-z0-9._-]+$/, "may hold only letters, digits, '.', '_' and '-'")
      .default("default"),
    flag: "brain-name",
    yaml: "train.brain_name",
    help: "name of the brain bundle written under --bundle-dir",
    group: "run",
  },
  bundle_dir: {
    schema: z.string().min(1).default("artifacts/brains/actv1"),
    flag: "bundle-dir",
    yaml: "train.bundle_dir",
    help: "directory holding brain bundles",
    group: "run",
  },
  resume: {
    schema: z.boolean().default(false),
    flag: "resume",
    yaml: "train.resume",
    help: "continue the brain's last checkpoint: step count, weights, optimizer and data stream",
    group: "run",
  },
  checkpoint_every: {
    schema: z.number().int().min(0).default(50),
    flag: "checkpoint-every",
    yaml: "train.checkpoint_every",
    help: "also write a checkpoint every N steps (0 = only at the end)",
    group: "run",
  },
  keep_checkpoint: {
    schema: z.boolean().default(true),
    flag: "keep-checkpoint",
    yaml: "train.keep_checkpoint",
    help: "keep checkpoints/ (weights and optimizer moments, about 3x model.safetensors) after a run that completes, so --resume can continue it; --no-keep-checkpoint deletes it then (a stopped run keeps it)",
    group: "run",
  },
  stop_file: {
    schema: optionalString(),
    flag: "stop-file",
    yaml: "train.stop_file",
    help: "stop gracefully (checkpoint and bundle written) when this file appears",
    group: "run",
  },
  dry_run: {
    schema: z.boolean().default(false),
    flag: "dry-run",
    yaml: "train.dry_run",
    help: "validate, print the resolved config and the first samples, train nothing",
    group: "run",
  },
} as const satisfies Record<string, FieldSpec>;

export type TrainingFieldKey = keyof typeof trainingFields;
