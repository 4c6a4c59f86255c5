import { gunzipSync } from "node:zlib";
import {
  type AsyncBuffer,
  type FileMetaData,
  parquetMetadataAsync,
  parquetReadObjects,
  parquetSchema,
} from "hyparquet";
import { compressors as pureJsCompressors } from "hyparquet-compressors";
import { ZSTDDecoder } from "zstddec";
import { AiosError } from "../../core/errors.js";
import { TEXT_FIELDS } from "../formats/pick-text.js";

/**
 * Page decompressors: hyparquet-compressors' set (Brotli, LZ4, Snappy in WASM), with Node's
 * native gunzip for GZIP and zstd's own C decoder compiled to WASM for ZSTD, the Hub's usual
 * codec: about 10x the pure-JS fzstd here (docs/BENCHMARKS.md).
 */
const zstd = new ZSTDDecoder();
const zstdReady = zstd.init();
const compressors = {
  ...pureJsCompressors,
  GZIP: (input: Uint8Array): Uint8Array => gunzipSync(input),
  ZSTD: (input: Uint8Array, outputLength: number): Uint8Array => zstd.decode(input, outputLength),
};

/**
 * Bytes fetched from the end of a file to find its footer; hyparquet fetches the rest if the
 * footer is larger. Its default (512 KiB) would be a whole small file's worth per open.
 */
const FOOTER_GUESS = 64 * 1024;

export interface ParquetRowsOptions {
  /** First row to yield (0-based, within the file). */
  readonly fromRow: number;
  /** The text column; null to pick `text`, else `content`, else read every column. */
  readonly textField: string | null;
  /** Names the file in errors. */
  readonly name: string;
  /** The only columns the row has (`datasets`' parquet `columns`); null for all of them. */
  readonly columns?: readonly string[] | null;
}

/** The rows of one row group (or its tail, when reading starts inside it). */
export interface ParquetRowGroup {
  /** Index of the first row within the file. */
  readonly start: number;
  readonly rows: Record<string, unknown>[];
}

/**
 * A parquet file's rows, one row group at a time: over HTTP only the footer and the row
 * groups reached are transferred. The next row group is requested while the rows of the current
 * one are consumed, so the network wait overlaps the work downstream; memory holds two row
 * groups at most. Only the text column is read when one is known.
 */
export async function* parquetRowGroups(
  file: AsyncBuffer,
  options: ParquetRowsOptions,
): AsyncGenerator<ParquetRowGroup> {
  await zstdReady;
  const metadata = await readMetadata(file, options.name);
  const columns = textColumns(metadata, options);
  const ranges = rowGroupRanges(metadata, options.fromRow);
  const read = (range: { start: number; end: number }) => {
    const rows = parquetReadObjects({
      file,
      metadata,
      rowStart: range.start,
      rowEnd: range.end,
      compressors,
      ...(columns === null ? {} : { columns }),
    });
    // Handled: a read the consumer never reaches (it stopped early) must not surface.
    rows.catch(() => {});
    return rows;
  };
  let next = ranges[0] === undefined ? null : read(ranges[0]);
  for (let g = 0; g < ranges.length && next !== null; g++) {
    const rows = await next;
    const following = ranges[g + 1];
    next = following === undefined ? null : read(following);
    yield {
      start: (ranges[g] as { start: number }).start,
      rows: rows as Record<string, unknown>[],
    };
  }
}

/** Row ranges of the row groups from the one holding `fromRow` on, the first cut at `fromRow`. */
function rowGroupRanges(metadata: FileMetaData, fromRow: number): { start: number; end: number }[] {
  const ranges: { start: number; end: number }[] = [];
  let groupStart = 0;
  for (const group of metadata.row_groups) {
    const groupEnd = groupStart + Number(group.num_rows);
    if (groupEnd > fromRow) ranges.push({ start: Math.max(groupStart, fromRow), end: groupEnd });
    groupStart = groupEnd;
  }
  return ranges;
}

async function readMetadata(file: AsyncBuffer, name: string): Promise<FileMetaData> {
  try {
    return await parquetMetadataAsync(file, { initialFetchSize: FOOTER_GUESS });
  } catch (error) {
    if (error instanceof AiosError) throw error;
    throw new AiosError(
      "DATASET_BAD_ROWS",
      `${name} is not a readable parquet file: ${(error as Error).message}`,
      {
        hint: "the file may be truncated or not parquet; check the dataset's files",
        cause: error,
      },
    );
  }
}

function textColumns(metadata: FileMetaData, options: ParquetRowsOptions): string[] | null {
  const all = parquetSchema(metadata).children.map((child) => child.element.name);
  const chosen = options.columns ?? null;
  const absent = chosen?.filter((column) => !all.includes(column)) ?? [];
  if (absent.length > 0) {
    throw new AiosError(
      "DATASET_CARD",
      `the card's columns name ${absent.map((c) => JSON.stringify(c)).join(", ")}, not a column of ${options.name}; its columns are: ${all.join(", ")}`,
      { hint: "fix the config's columns: list in the dataset card" },
    );
  }
  const names = chosen === null ? all : all.filter((column) => chosen.includes(column));
  if (options.textField !== null) {
    if (!names.includes(options.textField)) {
      throw new AiosError(
        "DATASET_BAD_ROWS",
        `--hf-text-field "${options.textField}" is not a column of ${options.name}; its columns are: ${names.join(", ")}`,
        { hint: `pass --hf-text-field ${names[0] ?? "NAME"}` },
      );
    }
    return [options.textField];
  }
  const known = TEXT_FIELDS.find((column) => names.includes(column));
  return known !== undefined ? [known] : chosen === null ? null : names;
}
