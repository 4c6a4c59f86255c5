import { statSync } from "node:fs";
import { open } from "node:fs/promises";
import { AiosError } from "../../core/errors.js";
import { formatBytes } from "../../core/format-bytes.js";
import type { DatasetFile } from "../formats/dataset-file.js";
import { DatasetTextDecoder } from "../formats/decode-text.js";
import { readError } from "../formats/open-file.js";
import { parsesAsJson } from "../formats/read-json.js";
import type { ReadOptions } from "../formats/read-options.js";
import { readRows } from "../formats/read-rows.js";
import {
  type BoundaryIndex,
  type FileFingerprint,
  readCachedIndex,
  writeCachedIndex,
} from "./index-cache.js";
import { CsvBoundaryScanner, JsonArrayScanner } from "./record-boundaries.js";

/**
 * A piece of a dataset the shuffle moves as one: a whole file, or a byte range of one whose
 * samples are those that start in it. Kinds, by how the range's records are found:
 * - `file`: the whole file, read by its format's reader as it is (small files, small gzip
 *   files, and `.json` files that are not one array or JSON Lines).
 * - `lines`: `.txt`, `.md`, `.jsonl`, JSON Lines in `.json`: a raw newline always ends a
 *   record, so a block is found by seeking: its rows start after the first newline at or after
 *   `start - 1` and before `end`.
 * - `csv`: records between two boundaries of the file's index (quoted newlines kept inside),
 *   read after the file's header record.
 * - `json`: elements of one JSON array between two top-level commas of the file's index.
 * - `stream`: a file that cannot be entered in the middle (gzip, UTF-16), read from its start.
 */
export type ReadUnit =
  | { readonly kind: "file" | "stream"; readonly file: number; readonly bytes: number }
  | {
      readonly kind: "lines" | "csv" | "json";
      readonly file: number;
      readonly start: number;
      readonly end: number;
      readonly bytes: number;
    };

/** How a file is read block by block: its settled CSV dialect, its header, its reader. */
export interface FileReading {
  readonly file: DatasetFile;
  /** The format its blocks are read as (`.json` holding JSON Lines: jsonl). */
  readonly format: DatasetFile["format"];
  readonly size: number;
  /** CSV: the delimiter and text column settled from the file's start. */
  readonly csv: { readonly delimiter: string; readonly column: string } | null;
  readonly headerEnd: number;
}

export interface BlockPlan {
  readonly files: readonly FileReading[];
  readonly units: readonly ReadUnit[];
}

export interface PlanOptions {
  readonly blockBytes: number;
  readonly read: Partial<ReadOptions>;
  readonly cacheDir: string;
  /** Lines for the log: an index built, and what it cost. */
  readonly log: (message: string) => void;
  /** Bytes of `file` scanned so far while its index is built. */
  readonly onIndexProgress?: (file: string, done: number, total: number) => void;
  readonly signal?: AbortSignal;
}

/** Files stat'ed between two turns of the event loop. */
const STAT_BATCH = 4096;
/** Text bytes per gzip byte assumed when filling windows (gzip -6 on prose: about 3-4). */
const GZIP_TEXT_RATIO = 4;
/** Bytes read to tell a large file's encoding and, for `.json`, its layout. */
const HEAD_BYTES = 64 * 1024;

/**
 * Splits every file of a dataset into read units (see `ReadUnit`): a file of at most
 * `blockBytes` is one unit; a larger one is cut into blocks of about `blockBytes`, by seeking
 * where a newline always ends a record, else by the file's record-boundary index (built in
 * one streaming pass and cached, see index-cache.ts); a large gzip or UTF-16 file is one
 * `stream` unit.
 *
 * @throws AiosError `IO` when a file cannot be stat'ed or read; a CSV `--text-column` that the
 *   file lacks, as its reader says it.
 */
export async function planBlocks(
  dataset: readonly DatasetFile[],
  options: PlanOptions,
): Promise<BlockPlan> {
  const sizes = await statAll(dataset);
  const files: FileReading[] = [];
  const units: ReadUnit[] = [];
  for (const [index, file] of dataset.entries()) {
    const { size, mtimeMs } = sizes[index] as { size: number; mtimeMs: number };
    const reading = await planFile(file, { path: file.path, size, mtimeMs }, options);
    files.push(reading.file);
    for (const unit of reading.units) units.push({ ...unit, file: index } as ReadUnit);
  }
  return { files, units };
}

/** A unit before it is numbered with its file's place in the dataset. */
type UnitOfFile =
  | { readonly kind: "file" | "stream"; readonly bytes: number }
  | {
      readonly kind: "lines" | "csv" | "json";
      readonly start: number;
      readonly end: number;
      readonly bytes: number;
    };

async function planFile(
  file: DatasetFile,
  fingerprint: FileFingerprint,
  options: PlanOptions,
): Promise<{ file: FileReading; units: UnitOfFile[] }> {
  const { size } = fingerprint;
  const whole: FileReading = { file, format: file.format, size, csv: null, headerEnd: 0 };
  if (size <= options.blockBytes) {
    // A window is filled by text bytes: a small gzip file counts as the text it likely holds.
    const bytes = file.gzip ? size * GZIP_TEXT_RATIO : size;
    return { file: whole, units: [{ kind: "file", bytes }] };
  }
  if (file.gzip) return { file: whole, units: [{ kind: "stream", bytes: size }] };
  const head = await readHead(file);
  if (head.encoding !== "UTF-8") return { file: whole, units: [{ kind: "stream", bytes: size }] };
  switch (file.format) {
    case "text":
    case "jsonl":
      return { file: whole, units: lineBlocks(size, options.blockBytes) };
    case "json": {
      const opening = /\S/.exec(head.text)?.[0];
      if (opening === "[") return jsonBlocks(whole, fingerprint, options);
      // As readJsonRows decides: the first non-blank line is a JSON value by itself. Only whole
      // lines of the head count (the last may be cut short).
      const firstLine = head.text
        .split("\n")
        .slice(0, -1)
        .find((line) => line.trim() !== "");
      if (firstLine !== undefined && parsesAsJson(firstLine)) {
        return { file: { ...whole, format: "jsonl" }, units: lineBlocks(size, options.blockBytes) };
      }
      return { file: whole, units: [{ kind: "file", bytes: size }] };
    }
    case "csv":
    case "tsv":
      return csvBlocks(whole, fingerprint, options);
  }
}

function lineBlocks(size: number, blockBytes: number): UnitOfFile[] {
  const units: UnitOfFile[] = [];
  for (let start = 0; start < size; start += blockBytes) {
    const end = Math.min(size, start + blockBytes);
    units.push({ kind: "lines", start, end, bytes: end - start });
  }
  return units;
}

function rangeUnits(kind: "csv" | "json", starts: readonly number[], size: number): UnitOfFile[] {
  return starts.map((start, i) => {
    const end = starts[i + 1] ?? size;
    return { kind, start, end, bytes: end - start };
  });
}

async function csvBlocks(
  whole: FileReading,
  fingerprint: FileFingerprint,
  options: PlanOptions,
): Promise<{ file: FileReading; units: UnitOfFile[] }> {
  const csv = await settleCsv(whole.file, options.read);
  if (csv === null) return { file: whole, units: [{ kind: "file", bytes: whole.size }] };
  const index = await boundaryIndex(
    whole.file,
    fingerprint,
    `csv ${JSON.stringify(csv.delimiter)} ${options.blockBytes}`,
    options,
    () => new CsvBoundaryScanner(options.blockBytes, csv.delimiter.charCodeAt(0)),
    (scanner) => ({
      headerEnd: scanner.headerEnd,
      boundaries: scanner.boundaries,
      valid: scanner.headerEnd !== null,
    }),
  );
  if (!index.valid || index.headerEnd === null || index.boundaries.length === 0) {
    return { file: whole, units: [{ kind: "file", bytes: whole.size }] };
  }
  return {
    file: { ...whole, csv, headerEnd: index.headerEnd },
    units: rangeUnits("csv", [0, ...index.boundaries], whole.size),
  };
}

async function jsonBlocks(
  whole: FileReading,
  fingerprint: FileFingerprint,
  options: PlanOptions,
): Promise<{ file: FileReading; units: UnitOfFile[] }> {
  const index = await boundaryIndex(
    whole.file,
    fingerprint,
    `json-array ${options.blockBytes}`,
    options,
    () => new JsonArrayScanner(options.blockBytes),
    (scanner) => ({ headerEnd: null, boundaries: scanner.commas, valid: scanner.valid }),
  );
  if (!index.valid || index.boundaries.length === 0) {
    return { file: whole, units: [{ kind: "file", bytes: whole.size }] };
  }
  // A json unit runs from a comma (or the file's start) to the next comma (or the file's end).
  return { file: whole, units: rangeUnits("json", [0, ...index.boundaries], whole.size) };
}

/** The file's delimiter and text column, as its reader settles them from its first records. */
async function settleCsv(
  file: DatasetFile,
  read: Partial<ReadOptions>,
): Promise<{ delimiter: string; column: string } | null> {
  let settled: { delimiter: string; column: string } | null = null;
  const rows = readRows(file, {
    ...read,
    onCsvSettled: (chosen) => {
      settled = chosen;
    },
  });
  // Settled before the first row is yielded: one row read is enough.
  await rows.next();
  await rows.return(undefined);
  return settled;
}

interface Scanner {
  feed(chunk: Uint8Array): void;
}

/** The cached index of `file`, else one built in a pass over it (with progress) and cached. */
async function boundaryIndex<S extends Scanner>(
  file: DatasetFile,
  fingerprint: FileFingerprint,
  reading: string,
  options: PlanOptions,
  scanner: () => S,
  result: (scanner: S) => Omit<BoundaryIndex, "fingerprint" | "reading">,
): Promise<BoundaryIndex> {
  const cached = await readCachedIndex(options.cacheDir, fingerprint, reading);
  if (cached !== null) return cached;
  const started = performance.now();
  const scanning = scanner();
  const handle = await open(file.path, "r").catch((error: unknown) => {
    throw readError(file, error);
  });
  try {
    const buffer = Buffer.allocUnsafe(4 * 1024 * 1024);
    let done = 0;
    options.onIndexProgress?.(file.path, 0, fingerprint.size);
    for (;;) {
      if (options.signal?.aborted) throw options.signal.reason;
      const { bytesRead } = await handle.read(buffer, 0, buffer.length, done);
      if (bytesRead === 0) break;
      scanning.feed(buffer.subarray(0, bytesRead));
      done += bytesRead;
      options.onIndexProgress?.(file.path, done, fingerprint.size);
    }
  } catch (error) {
    throw readError(file, error);
  } finally {
    await handle.close();
  }
  const index: BoundaryIndex = { fingerprint, reading, ...result(scanning) };
  const failed = await writeCachedIndex(options.cacheDir, index);
  const seconds = ((performance.now() - started) / 1000).toFixed(1);
  options.log(
    `custom: indexed ${file.path} (${formatBytes(fingerprint.size)}, ${index.boundaries.length + 1} blocks) in ${seconds} s; ` +
      (failed === null
        ? `cached in ${options.cacheDir}, reused while the file is unchanged`
        : `not cached (${failed.message}): the next run indexes it again`),
  );
  return index;
}

/**
 * Sizes and modification times of every file. Synchronous stats in batches: for 100k small
 * files they take 0.3 s where the thread pool's async stats took 1.2 s (measured), and the
 * event loop is let go between batches.
 */
async function statAll(
  files: readonly DatasetFile[],
): Promise<{ size: number; mtimeMs: number }[]> {
  const out: { size: number; mtimeMs: number }[] = [];
  for (const [i, file] of files.entries()) {
    if (i > 0 && i % STAT_BATCH === 0) await new Promise((resolve) => setImmediate(resolve));
    try {
      const info = statSync(file.path);
      out.push({ size: info.size, mtimeMs: info.mtimeMs });
    } catch (error) {
      throw new AiosError("IO", `cannot read ${file.path}: ${String(error)}`, {
        hint: "check that the dataset is not being changed while it is read",
        cause: error,
      });
    }
  }
  return out;
}

/** The file's first bytes, decoded: its encoding, and the text they start with. */
async function readHead(file: DatasetFile): Promise<{ encoding: string | null; text: string }> {
  const handle = await open(file.path, "r").catch((error: unknown) => {
    throw readError(file, error);
  });
  try {
    const buffer = Buffer.allocUnsafe(HEAD_BYTES);
    const { bytesRead } = await handle.read(buffer, 0, HEAD_BYTES, 0);
    const decoder = new DatasetTextDecoder();
    const text = decoder.decode(buffer.subarray(0, bytesRead));
    return { encoding: decoder.encoding, text };
  } finally {
    await handle.close();
  }
}
