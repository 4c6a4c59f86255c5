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
  geoparquet: "parquet",
  gpq: "parquet",
  jsonl: "jsonl",
  ndjson: "jsonl",
  json: "json",
  csv: "csv",
  // As `datasets` reads it: its csv builder with sep="\t".
  tsv: "tsv",
  txt: "text",
};

/** The reader of a file, by its extension (`.gz` decompressed first); null for any other file. */
export function formatOf(path: string): HfFileFormat | null {
  const name = path.toLowerCase().split("/").at(-1) ?? "";
  const gzip = name.endsWith(".gz");
  const extension = (gzip ? name.slice(0, -3) : name).split(".").at(-1) ?? "";
  const format = FORMAT_BY_EXTENSION[extension];
  if (format === undefined || (format === "parquet" && gzip)) return null;
  return { format, gzip };
}

/** A split of the parquet conversion: its files in path order, and whether it is `partial-`. */
export interface ConvertedSplit {
  readonly files: RepoFile[];
  /** The Hub converted only the start of the split (about the first 5 GB): `partial-{split}`. */
  readonly partial: boolean;
}

/** Configs of the parquet conversion: config name → split name → its files. */
export type ConvertedConfigs = Map<string, Map<string, ConvertedSplit>>;

/**
 * The Hub's parquet conversion (`refs/convert/parquet`): `{config}/{split}/NNNN.parquet`, with
 * `partial-{split}` for splits converted only in part (large datasets).
 */
export function parquetConversionConfigs(files: readonly RepoFile[]): ConvertedConfigs {
  const configs: ConvertedConfigs = new Map();
  const sorted = [...files].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  for (const file of sorted) {
    const parts = file.path.split("/");
    if (parts.length !== 3 || !file.path.endsWith(".parquet")) continue;
    const [config, splitDir] = parts as [string, string, string];
    const partial = splitDir.startsWith("partial-");
    const split = partial ? splitDir.slice("partial-".length) : splitDir;
    const splits = configs.get(config) ?? new Map<string, ConvertedSplit>();
    configs.set(config, splits);
    const entry = splits.get(split) ?? { files: [], partial };
    entry.files.push(file);
    splits.set(split, { files: entry.files, partial: entry.partial || partial });
  }
  return configs;
}
