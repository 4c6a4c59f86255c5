/**
 * The benchmark's dataset: WikiText-2 paragraphs (../shared/datasets; headings and blank lines
 * dropped), drawn at random with a fixed seed until there are `rows` of them, written as one
 * zstd parquet file in a repo laid out like the Hub's (`main` with a README whose YAML
 * `configs:` names the file), and as gzip'd JSON Lines shards named as `push_to_hub` names
 * them (`data/train-NNNNN-of-NNNNN.jsonl.gz`, no card). Nothing is committed: it is rebuilt in
 * a temporary directory on each run.
 */
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import { parquetWriteBuffer } from "hyparquet-writer";
import { put, zstdCompressor } from "../test/helpers/hub-fixtures.js";

export interface BenchRepo {
  /** Directory served as the repo's `main`. */
  readonly main: string;
  /** The parquet file on disk (DuckDB reads it locally). */
  readonly file: string;
  /** Its path inside the repo. */
  readonly path: string;
  readonly config: string;
  readonly split: string;
  readonly rows: number;
  /** UTF-8 bytes of text in all rows. */
  readonly textBytes: number;
  readonly fileBytes: number;
  readonly codec: BenchCodec;
  /** Why the codec is not ZSTD, when it is not. */
  readonly codecNote: string | null;
}

export type BenchCodec = "ZSTD" | "SNAPPY" | "UNCOMPRESSED";

export const BENCH_CONFIG = "default";
export const BENCH_SPLIT = "train";

/** WikiText-2 paragraph lines (validation and test), each with its "\n" as the Hub's rows have. */
export async function wikitextLines(datasets: string): Promise<string[]> {
  const lines: string[] = [];
  for (const name of ["valid.txt", "test.txt"]) {
    const raw = await readFile(join(datasets, "wikitext-2-v1", name), "utf8");
    for (const line of raw.split("\n")) {
      const trimmed = line.trim();
      if (trimmed !== "" && !trimmed.startsWith("=")) lines.push(`${line}\n`);
    }
  }
  if (lines.length === 0) throw new Error(`no WikiText lines under ${datasets}`);
  return lines;
}

/** `rows` lines drawn with replacement, deterministically (mulberry32 from `seed`). */
export function drawRows(lines: readonly string[], rows: number, seed = 1): string[] {
  let state = seed >>> 0;
  const next = () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 2 ** 32;
  };
  return Array.from({ length: rows }, () => lines[Math.floor(next() * lines.length)] as string);
}

export async function writeBenchRepo(
  root: string,
  texts: readonly string[],
  rowGroupSize: number,
  wanted: BenchCodec = "ZSTD",
): Promise<BenchRepo> {
  const zstd = wanted === "ZSTD" ? zstdCompressor() : null;
  const codec = wanted === "ZSTD" && zstd === null ? "SNAPPY" : wanted;
  const bytes = new Uint8Array(
    parquetWriteBuffer({
      // PLAIN, as pyarrow ends up writing mostly-unique text: no dictionary of repeated lines.
      columnData: [{ name: "text", data: [...texts], type: "STRING", encoding: "PLAIN" }],
      rowGroupSize,
      codec,
      ...(zstd === null ? {} : { compressors: { ZSTD: zstd } }),
    }),
  );
  const main = join(root, "main");
  const path = `data/${BENCH_SPLIT}-00000-of-00001.parquet`;
  const file = join(main, path);
  await put(file, bytes);
  await put(
    join(main, "README.md"),
    [
      "---",
      "configs:",
      `- config_name: ${BENCH_CONFIG}`,
      "  data_files:",
      `  - split: ${BENCH_SPLIT}`,
      `    path: data/${BENCH_SPLIT}-*`,
      "---",
      "",
      "# WikiText-2 lines, drawn at random: aios bench:hf",
      "",
    ].join("\n"),
  );
  return {
    main,
    file,
    path,
    config: BENCH_CONFIG,
    split: BENCH_SPLIT,
    rows: texts.length,
    textBytes: texts.reduce((sum, text) => sum + Buffer.byteLength(text), 0),
    fileBytes: bytes.byteLength,
    codec,
    codecNote: codec === wanted ? null : "no `zstd` CLI on PATH: wrote SNAPPY instead of ZSTD",
  };
}

/** The same rows as `shards` gzip'd JSON Lines files (`{"text": ...}` per line) in the Hub's naming. */
export async function writeJsonlRepo(
  root: string,
  texts: readonly string[],
  shards: number,
): Promise<{ main: string; fileBytes: number; files: number }> {
  const main = join(root, "main");
  const per = Math.ceil(texts.length / shards);
  let fileBytes = 0;
  for (let i = 0; i < shards; i++) {
    const rows = texts.slice(i * per, (i + 1) * per);
    const body = gzipSync(`${rows.map((text) => JSON.stringify({ text })).join("\n")}\n`);
    fileBytes += body.length;
    const name = `${BENCH_SPLIT}-${String(i).padStart(5, "0")}-of-${String(shards).padStart(5, "0")}`;
    await put(join(main, "data", `${name}.jsonl.gz`), body);
  }
  return { main, fileBytes, files: shards };
}
