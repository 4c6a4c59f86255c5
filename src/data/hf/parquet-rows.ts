import { gunzipSync } from "node:zlib";
import {
  type AsyncBuffer,
  type FileMetaData,
  parquetMetadataAsync,
  parquetRead,
  parquetReadObjects,
  parquetSchema,
  type SchemaTree,
} from "hyparquet";
import { compressors as pureJsCompressors } from "hyparquet-compressors";
import { ZSTDDecoder } from "zstddec";
import { AiosError } from "../../core/errors.js";
import { TEXT_FIELDS } from "../formats/pick-text.js";
import { exactReadOptions, readAsText } from "./parquet-json.js";

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

/**
 * The rows of one row group (or its tail, when reading starts inside it), as `exactReadOptions`
 * reads them: the values of the text column when one is read (`column` names it), else whole
 * rows as objects (turn one into text with `rowJson(row, schema)`).
 */
export type ParquetRowGroup = (
  | {
      readonly start: number;
      readonly column: string;
      /** Decoded for the caller, which may rewrite them in place. */
      readonly values: unknown[];
      /**
       * True when `values` are still the column's bytes (a text column): `stringFromBytes` of
       * each is its value. Decoding them row by row, as the rows are consumed, keeps one row
       * group's strings from all being alive at once (the young generation's copying of them
       * was the garbage collector's main cost).
       */
      readonly undecoded: boolean;
    }
  | { readonly start: number; readonly column: null; readonly rows: Record<string, unknown>[] }
) & {
  /** The file's schema (`parquetSchema` of its own metadata). */
  readonly schema: SchemaTree;
};

/**
 * A parquet file's rows, one row group at a time: over HTTP only the footer and the row
 * groups reached are transferred. The bytes of the next row group are requested while the rows
 * of the current one are consumed, so the network wait overlaps the work downstream; it is
 * decoded only when reached, so that memory holds one row group's rows at a time (decoding
 * ahead kept two groups of strings alive, which the garbage collector had to move, for no gain
 * on one thread). Only the text column is read when one is known. A file that cannot be
 * decoded (bad footer, schema, page or codec) is an AiosError naming it.
 */
export async function* parquetRowGroups(
  file: AsyncBuffer,
  options: ParquetRowsOptions,
): AsyncGenerator<ParquetRowGroup> {
  await zstdReady;
  const { metadata, schema } = await readMetadata(file, options.name);
  const columns = textColumns(schema, options);
  const ranges = rowGroupRanges(metadata, options.fromRow);
  const exact = exactReadOptions(metadata);
  const textBytes = textBytesOptions(metadata, schema, exact, columns);
  const prefetched = new PrefetchingBuffer(file);
  const regionOf = (group: number) => chunkRegion(metadata, group, columns);
  const first = ranges[0];
  if (first !== undefined) prefetched.prefetch(regionOf(first.group));
  // A lone text column (not a lone other column, whose rows are written as JSON objects).
  const lone = columns?.length === 1 ? (columns[0] as string) : null;
  const column =
    lone !== null && (options.textField === lone || TEXT_FIELDS.includes(lone)) ? lone : null;
  for (let g = 0; g < ranges.length; g++) {
    const range = ranges[g] as GroupRange;
    const following = ranges[g + 1];
    if (following !== undefined) prefetched.prefetch(regionOf(following.group));
    let group: ParquetRowGroup;
    try {
      // One column: its values as decoded, without an object per row.
      group =
        column !== null
          ? {
              start: range.start,
              column,
              values: await columnValues(prefetched, textBytes?.options ?? exact, column, range),
              undecoded: textBytes !== null,
              schema,
            }
          : {
              start: range.start,
              column: null,
              rows: (await parquetReadObjects({
                file: prefetched,
                ...exact,
                rowStart: range.start,
                rowEnd: range.end,
                compressors,
                ...(columns === null ? {} : { columns }),
              })) as Record<string, unknown>[],
              schema,
            };
    } catch (error) {
      throw unreadable(options.name, error);
    }
    prefetched.drop(regionOf(range.group));
    yield group;
  }
}

/**
 * For a lone text column (a flat STRING or JSON leaf): read options under which hyparquet leaves
 * its values as bytes (`Uint8Array` views of the page; nulls stay null), for the caller to
 * decode with `stringFromBytes` as `exact` would have. Null for any other column.
 */
function textBytesOptions(
  metadata: FileMetaData,
  schema: SchemaTree,
  exact: ReturnType<typeof exactReadOptions>,
  columns: readonly string[] | null,
): { options: ReturnType<typeof exactReadOptions> } | null {
  if (columns?.length !== 1) return null;
  const node = schema.children.find((child) => child.element.name === columns[0]);
  if (node === undefined || node.children.length > 0 || !readAsText(node.element)) return null;
  const at = metadata.schema.indexOf(node.element);
  if (at < 0) return null;
  const base: FileMetaData = exact.metadata ?? metadata;
  const rawSchema = base.schema.map((element, i) => {
    if (i !== at) return element;
    const { converted_type: _c, logical_type: _l, ...raw } = element;
    return raw;
  });
  return { options: { ...exact, metadata: { ...base, schema: rawSchema } } };
}

/** The values of one flat column for the rows of `range`, page by page as hyparquet decodes them. */
async function columnValues(
  file: AsyncBuffer,
  exact: ReturnType<typeof exactReadOptions>,
  column: string,
  range: GroupRange,
): Promise<unknown[]> {
  const values: unknown[] = new Array(range.end - range.start);
  await parquetRead({
    file,
    ...exact,
    rowStart: range.start,
    rowEnd: range.end,
    columns: [column],
    compressors,
    // Pages may begin before the range or end after it: only the range's rows are kept.
    onChunk: ({ columnData, rowStart }) => {
      const from = Math.max(range.start - rowStart, 0);
      const to = Math.min(range.end - rowStart, columnData.length);
      for (let i = from; i < to; i++) values[rowStart + i - range.start] = columnData[i];
    },
  });
  return values;
}

interface GroupRange {
  readonly group: number;
  readonly start: number;
  readonly end: number;
}

/** The bytes of a row group's column chunks (of `columns`, or all): one span of the file. */
function chunkRegion(
  metadata: FileMetaData,
  group: number,
  columns: readonly string[] | null,
): { start: number; end: number } {
  let start = Number.POSITIVE_INFINITY;
  let end = 0;
  for (const chunk of metadata.row_groups[group]?.columns ?? []) {
    const meta = chunk.meta_data;
    if (meta === undefined) continue;
    if (columns !== null && !columns.includes(meta.path_in_schema[0] ?? "")) continue;
    const from = Number(meta.dictionary_page_offset ?? meta.data_page_offset);
    start = Math.min(start, from);
    end = Math.max(end, from + Number(meta.total_compressed_size));
  }
  return { start: Number.isFinite(start) ? start : 0, end };
}

/**
 * A file whose spans can be requested ahead: a `slice` inside a prefetched span is served from
 * it (the span is dropped once its row group is read), any other goes to the file.
 */
class PrefetchingBuffer implements AsyncBuffer {
  private readonly spans: { start: number; end: number; bytes: Promise<ArrayBuffer> }[] = [];

  constructor(private readonly file: AsyncBuffer) {}

  get byteLength(): number {
    return this.file.byteLength;
  }

  prefetch(span: { start: number; end: number }): void {
    if (span.end <= span.start || this.spans.some((s) => s.start === span.start)) return;
    const bytes = Promise.resolve(this.file.slice(span.start, span.end));
    // Handled: a span the consumer never reaches (it stopped early) must not surface.
    bytes.catch(() => {});
    this.spans.push({ ...span, bytes });
  }

  drop(span: { start: number; end: number }): void {
    const at = this.spans.findIndex((s) => s.start === span.start && s.end === span.end);
    if (at >= 0) this.spans.splice(at, 1);
  }

  slice(start: number, end?: number): ArrayBuffer | Promise<ArrayBuffer> {
    const stop = end ?? this.file.byteLength;
    const span = this.spans.find((s) => s.start <= start && stop <= s.end);
    if (span === undefined) return this.file.slice(start, end);
    // The whole span (hyparquet asks for exactly a row group's chunks): no copy.
    if (start === span.start && stop === span.end) return span.bytes;
    return span.bytes.then((bytes) => bytes.slice(start - span.start, stop - span.start));
  }
}

/** Row ranges of the row groups from the one holding `fromRow` on, the first cut at `fromRow`. */
function rowGroupRanges(metadata: FileMetaData, fromRow: number): GroupRange[] {
  const ranges: GroupRange[] = [];
  let groupStart = 0;
  for (const [group, rowGroup] of metadata.row_groups.entries()) {
    const groupEnd = groupStart + Number(rowGroup.num_rows);
    if (groupEnd > fromRow)
      ranges.push({ group, start: Math.max(groupStart, fromRow), end: groupEnd });
    groupStart = groupEnd;
  }
  return ranges;
}

async function readMetadata(
  file: AsyncBuffer,
  name: string,
): Promise<{ metadata: FileMetaData; schema: SchemaTree }> {
  try {
    const metadata = await parquetMetadataAsync(file, { initialFetchSize: FOOTER_GUESS });
    return { metadata, schema: parquetSchema(metadata) };
  } catch (error) {
    throw unreadable(name, error);
  }
}

/** A failure of hyparquet (or of the bytes under it) as an error naming the file. */
function unreadable(name: string, error: unknown): AiosError {
  if (error instanceof AiosError) return error;
  const message = error instanceof Error ? error.message : String(error);
  return new AiosError("DATASET_BAD_ROWS", `${name} is not a readable parquet file: ${message}`, {
    hint: "the file may be truncated, corrupt or not parquet; check the dataset's files",
    cause: error,
  });
}

function textColumns(schema: SchemaTree, options: ParquetRowsOptions): string[] | null {
  const all = schema.children.map((child) => child.element.name);
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
