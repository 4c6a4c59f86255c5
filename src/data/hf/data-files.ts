import picomatch from "picomatch";
import { parse as parseYaml } from "yaml";
import { AiosError } from "../../core/errors.js";

/** Formats of a dataset repo's data files that the hf backend reads. */
export type HfFormat = "parquet" | "jsonl" | "json" | "csv" | "tsv" | "text";

/** A file of a dataset repo, as listed by the Hub (or found in a local directory). */
export interface RepoFile {
  /** Path inside the repo, `/`-separated. */
  readonly path: string;
  readonly size: number;
}

export interface HfFileFormat {
  readonly format: HfFormat;
  /** `.gz`: decompressed while read (never for parquet, which compresses its pages itself). */
  readonly gzip: boolean;
}

const FORMAT_BY_EXTENSION: Readonly<Record<string, HfFormat>> = {
  parquet: "parquet",
  jsonl: "jsonl",
  ndjson: "jsonl",
  json: "json",
  csv: "csv",
  // As `datasets` reads it: its csv builder with sep="\t".
  tsv: "tsv",
  txt: "text",
};

export function formatOf(path: string): HfFileFormat | null {
  const name = path.toLowerCase().split("/").at(-1) ?? "";
  const gzip = name.endsWith(".gz");
  const extension = (gzip ? name.slice(0, -3) : name).split(".").at(-1) ?? "";
  const format = FORMAT_BY_EXTENSION[extension];
  if (format === undefined || (format === "parquet" && gzip)) return null;
  return { format, gzip };
}

/** Splits of one config: split name → its files, in path order. */
export type SplitFiles = Map<string, RepoFile[]>;
/** Configs of a dataset: config name → its splits. */
export type ConfigSplits = Map<string, SplitFiles>;

/**
 * The Hub's parquet conversion (`refs/convert/parquet`): `{config}/{split}/NNNN.parquet`, with
 * `partial-{split}` for splits converted only in part (large datasets).
 */
export function parquetConversionConfigs(files: readonly RepoFile[]): ConfigSplits {
  const configs: ConfigSplits = new Map();
  for (const file of files) {
    const parts = file.path.split("/");
    if (parts.length !== 3 || !file.path.endsWith(".parquet")) continue;
    const [config, splitDir] = parts as [string, string, string];
    const split = splitDir.replace(/^partial-/, "");
    addFile(configs, config, split, file);
  }
  return configs;
}

/**
 * The YAML front matter of a dataset card (README.md), or null without one. Front matter that
 * is not YAML is an AiosError naming `where` (the card's path or URL): `datasets` refuses such
 * a card too, and guessing the configs without it could read the wrong files.
 */
export function cardMetadata(readme: string, where: string): Record<string, unknown> | null {
  const match = /^---\r?\n([\s\S]*?)\r?\n---\s*(\r?\n|$)/.exec(readme);
  if (match === null) return null;
  let parsed: unknown;
  try {
    parsed = parseYaml(match[1] ?? "");
  } catch (error) {
    // The yaml package adds a code frame on further lines: the first one says what and where.
    const message = (error instanceof Error ? error.message : String(error)).split("\n")[0];
    throw new AiosError(
      "DATASET_BAD_ROWS",
      `the dataset card ${where} has front matter that is not YAML: ${message}`,
      { hint: "fix the YAML between the --- lines of the card (its configs: name the data files)" },
    );
  }
  return typeof parsed === "object" && parsed !== null ? (parsed as Record<string, unknown>) : null;
}

/**
 * Configs of a repo from its own files: the card's `configs:` (each `data_files` a glob, a list
 * of globs, or a list of `{split, path}`), else one config `default` whose splits follow the
 * Hub's file naming (see `splitOfPath`).
 */
export function repoConfigs(
  files: readonly RepoFile[],
  card: Record<string, unknown> | null,
): ConfigSplits {
  const dataFiles = files.filter((file) => formatOf(file.path) !== null);
  const declared = Array.isArray(card?.configs) ? (card.configs as unknown[]) : [];
  const configs: ConfigSplits = new Map();
  for (const entry of declared) {
    if (typeof entry !== "object" || entry === null) continue;
    const { config_name: name, data_files: spec } = entry as Record<string, unknown>;
    const config = typeof name === "string" ? name : "default";
    for (const [split, globs] of splitGlobs(spec)) {
      const matches = picomatch(globs, { dot: false });
      for (const file of dataFiles) if (matches(file.path)) addFile(configs, config, split, file);
    }
  }
  if (configs.size > 0) return configs;
  const named = dataFiles.map((file) => ({ file, split: splitOfPath(file.path) }));
  // The Hub's rule: a repo whose files carry no split names is all `train`.
  const anyNamed = named.some(({ split }) => split !== null);
  for (const { file, split } of named) {
    if (anyNamed && split === null) continue;
    addFile(configs, "default", split ?? "train", file);
  }
  return configs;
}

function splitGlobs(spec: unknown): [string, string[]][] {
  const asList = (value: unknown): string[] =>
    typeof value === "string"
      ? [value]
      : Array.isArray(value)
        ? value.filter((v): v is string => typeof v === "string")
        : [];
  if (typeof spec === "string") return [["train", [spec]]];
  if (!Array.isArray(spec)) return [];
  if (spec.every((item) => typeof item === "string")) return [["train", asList(spec)]];
  const out: [string, string[]][] = [];
  for (const item of spec) {
    if (typeof item !== "object" || item === null) continue;
    const { split, path } = item as Record<string, unknown>;
    out.push([typeof split === "string" ? split : "train", asList(path)]);
  }
  return out;
}

/** Names the Hub reads as a split in file and directory names, by split. */
const SPLIT_NAMES: Readonly<Record<string, readonly string[]>> = {
  train: ["train", "training"],
  validation: ["validation", "valid", "val", "dev"],
  test: ["test", "testing", "eval", "evaluation"],
};

/**
 * The split a file belongs to by the Hub's naming convention: a directory named after the
 * split (`data/train/x.parquet`), or a file name whose words include it (`train-00000-of-00002.parquet`,
 * `my_data.test.jsonl`). Null when no split is named.
 */
export function splitOfPath(path: string): string | null {
  const parts = path.toLowerCase().split("/");
  const name = parts.pop() ?? "";
  const words = new Set([...parts, ...name.split(/[-._ 0-9]+/)]);
  for (const [split, names] of Object.entries(SPLIT_NAMES)) {
    if (names.some((word) => words.has(word))) return split;
  }
  return null;
}

function addFile(configs: ConfigSplits, config: string, split: string, file: RepoFile): void {
  const splits: SplitFiles = configs.get(config) ?? new Map();
  configs.set(config, splits);
  const list = splits.get(split) ?? [];
  if (!list.some((known) => known.path === file.path)) list.push(file);
  list.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  splits.set(split, list);
}
