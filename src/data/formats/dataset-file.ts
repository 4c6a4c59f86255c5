import { extname } from "node:path";
import type { Readable } from "node:stream";

/** `tsv` is CSV with tab as its delimiter. */
export type DatasetFormat = "text" | "csv" | "tsv" | "jsonl" | "json";

/** One readable file of a custom dataset. */
export interface DatasetFile {
  readonly path: string;
  readonly format: DatasetFormat;
  /** `.gz`: decompressed on the fly while reading. */
  readonly gzip: boolean;
  /** Where the bytes come from when not a local file at `path` (the hf backend's HTTP streams). */
  readonly open?: () => Readable;
}

const FORMAT_BY_EXTENSION: Readonly<Record<string, DatasetFormat>> = {
  ".txt": "text",
  ".md": "text",
  ".csv": "csv",
  ".tsv": "tsv",
  ".jsonl": "jsonl",
  ".json": "json",
};

export const SUPPORTED_EXTENSIONS = Object.keys(FORMAT_BY_EXTENSION).flatMap((ext) => [
  ext,
  `${ext}.gz`,
]);

/** `a/b.jsonl.gz` → jsonl, gzip; null for extensions the custom backend does not read. */
export function datasetFileOf(path: string): DatasetFile | null {
  const lower = path.toLowerCase();
  const gzip = lower.endsWith(".gz");
  const format = FORMAT_BY_EXTENSION[extname(gzip ? lower.slice(0, -3) : lower)];
  return format === undefined ? null : { path, format, gzip };
}
