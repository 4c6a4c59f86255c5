import { createReadStream } from "node:fs";
import type { Readable } from "node:stream";
import { asyncBufferFromFile } from "hyparquet";
import type { DatasetFile } from "../formats/dataset-file.js";
import type { EncodingErrors } from "../formats/encoding-errors.js";
import { TEXT_FIELDS } from "../formats/pick-text.js";
import { oncePerKey, type ReadOptions } from "../formats/read-options.js";
import { readRows } from "../formats/read-rows.js";
import { RowTally } from "../formats/row-tally.js";
import type { RowResult } from "../formats/rows.js";
import type { RetryOptions } from "../http/fetch-retrying.js";
import type { BackendPosition, BackendStats, DatasetBackend, IterTextOptions } from "../types.js";
import { cachedSplit, type DownloadProgress, hfCacheRoot } from "./hf-cache.js";
import { type HfPosition, parseHfPosition } from "./hf-position.js";
import { httpRangeBuffer } from "./http-range-buffer.js";
import { type HubClient, hubClient } from "./hub-client.js";
import { parquetRowText } from "./parquet-row-text.js";
import { parquetRowGroups } from "./parquet-rows.js";
import { type HfDataFile, type ResolvedSplit, resolveSplit } from "./resolve-split.js";
import { resumableDownload } from "./resumable-download.js";

export interface HfBackendOptions {
  /** Hub dataset id (`wikitext`, `owner/name`) or a local directory in the same layout. */
  readonly name: string;
  readonly config: string | null;
  readonly split: string;
  /** Stream over HTTP (default), or download into the cache first and read from disk. */
  readonly streaming: boolean;
  readonly cacheDir: string | null;
  /** Column / field holding the text; null for `text`, else `content`, else the row's JSON. */
  readonly textField: string | null;
  /** Field delimiter of csv files; null to detect (`.tsv`: tab). */
  readonly csvDelimiter?: string | null;
  /** Rows of line files touched by bytes not valid in their encoding (default `skip`). */
  readonly encodingErrors?: EncodingErrors;
  /** Environment variable holding the Hub token (`HF_TOKEN` is the fallback). */
  readonly tokenEnv: string;
  readonly warn: (message: string) => void;
  /** Choices made for the user (a guessed csv column, a detected delimiter). */
  readonly notice?: (message: string) => void;
  /** Progress lines that are not warnings (downloads). */
  readonly log?: (message: string) => void;
  /** Bytes downloaded into the cache, per file (`--no-hf-streaming`). */
  readonly onDownload?: DownloadProgress;
  /** Defaults to `HF_ENDPOINT`, else the public Hub. */
  readonly endpoint?: string;
  readonly env?: NodeJS.ProcessEnv;
  readonly retry?: RetryOptions;
}

/**
 * Resolves the split's files now, so that an unknown dataset, config or split, a bad token or an
 * unreachable Hub fail before training starts; rows are read when iterated.
 */
export async function openHfBackend(options: HfBackendOptions): Promise<HfBackend> {
  const { tokenEnv, endpoint, env, retry } = options;
  const hub = hubClient({ tokenEnv, endpoint, env, retry });
  const request = { name: options.name, config: options.config, split: options.split };
  const resolved = options.streaming
    ? await resolveSplit(hub, request)
    : await cachedSplit(
        hub,
        request,
        hfCacheRoot(options.cacheDir, options.env),
        () => resolveSplit(hub, request),
        options.log ?? options.warn,
        options.onDownload,
      );
  return new HfBackend(options, hub, resolved);
}

/**
 * Rows of one split of a Hugging Face dataset, file by file in path order: parquet row group by
 * row group (HTTP Range requests when streaming), jsonl/json/csv/txt line by line. Resuming
 * jumps to the saved file and row (parquet skips whole row groups; line formats re-read the
 * file's earlier lines without yielding them).
 */
export class HfBackend implements DatasetBackend {
  readonly kind = "hf" as const;
  readonly description: string;
  // The position as plain numbers, set per row on the hot path; an object only in `position()`.
  private epoch = 0;
  private file = 0;
  private row = 0;
  private yielded = 0;
  private tally = new RowTally();
  private readonly read: ReadOptions;

  constructor(
    private readonly options: HfBackendOptions,
    private readonly hub: HubClient,
    readonly resolved: ResolvedSplit,
  ) {
    const { name, config, split, source, files } = resolved;
    this.description = `hf: ${name}:${config}:${split} (${files.length} ${files.length === 1 ? "file" : "files"}, ${source})`;
    this.read = {
      textColumn: options.textField,
      textColumnFlag: "--hf-text-field",
      csvDelimiter: options.csvDelimiter ?? null,
      encodingErrors: options.encodingErrors ?? "skip",
      notice: oncePerKey(options.notice ?? (() => {})),
    };
  }

  position(): BackendPosition {
    return { epoch: this.epoch, file: this.file, row: this.row };
  }

  stats(): BackendStats {
    return {
      samples: this.yielded,
      badRows: { ...this.tally.badRows },
      skipped: { ...this.tally.skipped },
      repaired: { ...this.tally.repaired },
    };
  }

  iterText(options: IterTextOptions = {}): AsyncIterable<string> {
    const from =
      options.from === undefined
        ? { epoch: 0, file: 0, row: 0 }
        : parseHfPosition(options.from, this.description, this.resolved.files.length);
    ({ epoch: this.epoch, file: this.file, row: this.row } = from);
    this.yielded = 0;
    this.tally = new RowTally();
    return this.samples(from, options.loop ?? false);
  }

  private async *samples(from: HfPosition, loop: boolean): AsyncGenerator<string> {
    let { epoch } = from;
    let start = from;
    // A consumer that stops early (preview) still hears about what the first pass met so far.
    let reported = false;
    let failed = false;
    try {
      for (;;) {
        // Rows are the same every epoch: count bad ones in the first pass only.
        const tally = epoch === from.epoch ? this.tally : new RowTally();
        let texts = 0;
        for (let index = start.file; index < this.resolved.files.length; index++) {
          const file = this.resolved.files[index] as HfDataFile;
          const firstRow = index === start.file ? start.row : 0;
          this.epoch = epoch;
          this.file = index;
          // Rows come in blocks (a parquet row group) and are handled in a plain loop: one
          // generator hop per sample yielded, none per row inside the backend.
          for await (const block of this.rowBlocks(file, firstRow)) {
            for (let i = 0; i < block.results.length; i++) {
              const result = block.results[i] as RowResult;
              this.row = block.start + i + 1;
              if (result.kind === "bad") tally.bad(displayFile(file), result);
              else if (result.kind === "skipped") tally.skip(result.reason);
              else {
                if (result.repaired !== undefined) tally.repair(displayFile(file), result.repaired);
                texts++;
                this.yielded++;
                yield result.text;
              }
            }
          }
          this.file = index + 1;
          this.row = 0;
        }
        const resumedTail = epoch === from.epoch && (from.file > 0 || from.row > 0);
        if (texts === 0 && !resumedTail) throw tally.noSamplesError(this.description);
        if (epoch === from.epoch) {
          this.report(tally);
          reported = true;
        }
        if (!loop) return;
        epoch++;
        start = { epoch, file: 0, row: 0 };
      }
    } catch (error) {
      failed = true;
      throw error;
    } finally {
      if (!reported && !failed) this.report(this.tally);
    }
  }

  private report(tally: RowTally): void {
    const summary = tally.summary(this.description);
    if (summary !== null) this.options.warn(summary);
  }

  /** The rows of a file from `firstRow` on, in blocks: a parquet row group, or `LINE_BLOCK` lines. */
  private async *rowBlocks(file: HfDataFile, firstRow: number): AsyncGenerator<RowBlock> {
    const textField = this.options.textField;
    if (file.format === "parquet") {
      const buffer = file.remote
        ? httpRangeBuffer(this.hub, file.location, file.size)
        : await asyncBufferFromFile(file.location);
      const groups = parquetRowGroups(buffer, {
        fromRow: firstRow,
        textField,
        name: file.location,
      });
      for await (const { start, rows, schema } of groups) {
        const columns = schema.children.map((column) => column.element.name);
        if (textField === null && !TEXT_FIELDS.some((field) => columns.includes(field))) {
          const shown = columns.slice(0, 10).map((name) => JSON.stringify(name));
          this.read.notice(
            "parquet whole row",
            `${file.location} has no "text" or "content" column (its columns: ${shown.join(", ")}): each row is trained on as its exact JSON; pass --hf-text-field NAME to train on one column`,
          );
        }
        const options = {
          textField,
          encodingErrors: this.read.encodingErrors,
          file: file.location,
        };
        yield {
          start,
          results: rows.map((row, i) => parquetRowText(row, schema, start + i, options)),
        };
      }
      return;
    }
    let row = 0;
    let block: RowBlock = { start: firstRow, results: [] };
    for await (const result of readRows(this.lineFile(file), this.read)) {
      if (row++ < firstRow) continue;
      block.results.push(result);
      if (block.results.length === LINE_BLOCK) {
        yield block;
        block = { start: row, results: [] };
      }
    }
    if (block.results.length > 0) yield block;
  }

  /** A jsonl/json/csv/txt file as the custom backend's readers take it, its bytes from disk or HTTP. */
  private lineFile(file: HfDataFile): DatasetFile {
    const format = file.format === "parquet" ? "text" : file.format;
    const open = (): Readable =>
      file.remote ? resumableDownload(this.hub, file.location) : createReadStream(file.location);
    return { path: file.location, format, gzip: file.gzip, open };
  }
}

/** Rows of a file that are handled together; `start` is the index of the first in its file. */
interface RowBlock {
  readonly start: number;
  readonly results: RowResult[];
}

/** Rows of a line format (jsonl/csv/txt) handed on together. */
const LINE_BLOCK = 256;

function displayFile(file: HfDataFile): DatasetFile {
  return { path: file.location, format: "text", gzip: file.gzip };
}
