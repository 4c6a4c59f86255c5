/**
 * Dataset repositories on disk in the Hub's layout, built from ../shared/datasets, for the
 * Hub-shaped server (`hub-server.ts`) or for `--hf-name` pointing at a local directory.
 */
import { spawnSync } from "node:child_process";
import { mkdir, readFile, writeFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import { gzipSync } from "node:zlib";
import { parquetWriteBuffer } from "hyparquet-writer";

/** WikiText-2 v1 as the Hub serves it: one row per line of the raw file, `{text}`. */
export const WIKITEXT_SPLITS = { validation: "valid.txt", test: "test.txt" } as const;
export type WikitextSplit = keyof typeof WIKITEXT_SPLITS;
export const WIKITEXT_CONFIG = "wikitext-2-v1";

/** Rows of a WikiText split as the Hub's parquet holds them: each line with its "\n", blank lines as "". */
export async function wikitextRows(datasets: string, split: WikitextSplit): Promise<string[]> {
  const raw = await readFile(join(datasets, "wikitext-2-v1", WIKITEXT_SPLITS[split]), "utf8");
  const lines = raw.split("\n");
  if (lines.at(-1) === "") lines.pop();
  return lines.map((line) => (line.trim() === "" ? "" : `${line}\n`));
}

export type FixtureCodec = "SNAPPY" | "GZIP" | "ZSTD" | "UNCOMPRESSED";

/**
 * ZSTD page compression through the Debian `zstd` CLI (Node 20's zlib has no zstd); null when
 * the CLI is not installed, so callers can say so and skip.
 */
export function zstdCompressor(): ((input: Uint8Array) => Uint8Array) | null {
  if (spawnSync("zstd", ["--version"]).status !== 0) return null;
  return (input) => {
    const run = spawnSync("zstd", ["-3", "-q", "-c"], { input, maxBuffer: 1 << 30 });
    if (run.status !== 0) throw new Error(`zstd failed: ${run.stderr.toString()}`);
    return new Uint8Array(run.stdout);
  };
}

/** A parquet file of one `text` column; ZSTD needs the `zstd` CLI (see `zstdCompressor`). */
export function textParquet(
  rows: readonly string[],
  rowGroupSize = 1000,
  codec: FixtureCodec = "SNAPPY",
): Buffer {
  const zstd = codec === "ZSTD" ? zstdCompressor() : null;
  if (codec === "ZSTD" && zstd === null) throw new Error("no zstd CLI to write a ZSTD parquet");
  const bytes = parquetWriteBuffer({
    columnData: [{ name: "text", data: [...rows], type: "STRING" }],
    rowGroupSize,
    codec,
    compressors: {
      GZIP: (input: Uint8Array) => gzipSync(input),
      ...(zstd === null ? {} : { ZSTD: zstd }),
    },
  });
  return Buffer.from(bytes);
}

export interface WikitextRepo {
  /** The repo's own files (`main`): parquet per split and a README whose YAML maps configs to files. */
  readonly main: string;
  /** The Hub's parquet conversion (`refs/convert/parquet`): `{config}/{split}/0000.parquet`. */
  readonly parquet: string;
  readonly rows: Readonly<Record<WikitextSplit, readonly string[]>>;
}

/** The `wikitext` dataset with config `wikitext-2-v1`, both revisions, under `root`. */
export async function writeWikitextRepo(
  root: string,
  datasets: string,
  rowGroupSize = 1000,
): Promise<WikitextRepo> {
  const main = join(root, "main");
  const parquet = join(root, "parquet");
  const rows = {
    validation: await wikitextRows(datasets, "validation"),
    test: await wikitextRows(datasets, "test"),
  };
  const dataFiles: string[] = [];
  for (const split of Object.keys(rows) as WikitextSplit[]) {
    const bytes = textParquet(rows[split], rowGroupSize);
    await put(join(main, WIKITEXT_CONFIG, `${split}-00000-of-00001.parquet`), bytes);
    await put(join(parquet, WIKITEXT_CONFIG, split, "0000.parquet"), bytes);
    dataFiles.push(`  - split: ${split}\n    path: ${WIKITEXT_CONFIG}/${split}-*`);
  }
  await put(
    join(main, "README.md"),
    [
      "---",
      "configs:",
      `- config_name: ${WIKITEXT_CONFIG}`,
      "  data_files:",
      ...dataFiles,
      "---",
      "",
      "# WikiText-2 (raw lines), a local copy for tests",
      "",
    ].join("\n"),
  );
  return { main, parquet, rows };
}

export async function put(path: string, content: string | Uint8Array): Promise<string> {
  await mkdir(dirname(path), { recursive: true });
  await writeFile(path, content);
  return path;
}
