import { createReadStream } from "node:fs";
import type { Readable } from "node:stream";
import { asyncBufferFromFile } from "hyparquet";
import { AiosError } from "../../core/errors.js";
import { epochPermutation, sfc32 } from "../../core/shuffle.js";
import type { DatasetFile } from "../formats/dataset-file.js";
import type { EncodingErrors } from "../formats/encoding-errors.js";
import { TEXT_FIELDS } from "../formats/pick-text.js";
import { oncePerKey, type ReadOptions } from "../formats/read-options.js";
import { readRowBlocks } from "../formats/read-rows.js";
import { RowTally } from "../formats/row-tally.js";
import { emptyText, type RowResult } from "../formats/rows.js";
import type { RetryOptions } from "../http/fetch-retrying.js";
import { notAPosition } from "../position.js";
import { ShuffleBuffer } from "../shuffle-buffer.js";
import type {
  BackendPosition,
  BackendStats,
  DatasetBackend,
  IterTextOptions,
  JsonValue,
} from "../types.js";
import { cachedSplit, type DownloadProgress, hfCacheRoot } from "./hf-cache.js";
import { type HfPosition, parseHfPosition } from "./hf-position.js";
import { httpRangeBuffer } from "./http-range-buffer.js";
import { type HubClient, hubClient } from "./hub-client.js";
import { stringFromBytes } from "./parquet-json.js";
import { parquetRowText } from "./parquet-row-text.js";
import { parquetRowGroups } from "./parquet-rows.js";
import {
  type HfDataFile,
  type ResolvedSplit,
  resolveSplit,
  type SplitRequest,
} from "./resolve-split.js";
import { resumableDownload } from "./resumable-download.js";

export interface HfBackendOptions {
  /** Hub dataset id (`wikitext`, `owner/name`) or a local directory in the same layout. */
  readonly name: string;
  readonly config: string | null;
  readonly split: string;
  /** `--hf-revision`: a branch, tag or commit of the repo; null for `main`. */
  readonly revision?: string | null;
  /** `--hf-data-files`, as `load_dataset(data_files=...)` takes it (parsed); null when not given. */
  readonly dataFiles?: unknown;
  /** `--hf-data-dir`; null when not given. */
  readonly dataDir?: string | null;
  /** Stream over HTTP (default), or download into the cache first and read from disk. */
  readonly streaming: boolean;
  readonly cacheDir: string | null;
  /** Column / field holding the text; null for `text`, else `content`, else the row's JSON. */
  readonly textField: string | null;
  /** Field delimiter of csv files; null for the card's `sep`, else detection (`.tsv`: tab). */
  readonly csvDelimiter?: string | null;
  /** Rows of line files touched by bytes not valid in their encoding (default `skip`). */
  readonly encodingErrors?: EncodingErrors;
  /**
   * `--hf-shuffle`: rows pass through a shuffle buffer of this size and files are visited in a
   * seeded order each epoch, as `IterableDataset.shuffle(seed, buffer_size)`; 0 (default) keeps
   * file and row order.
   */
  readonly shuffle?: number;
  readonly seed?: number;
  /** This process's part of the split (`split_dataset_by_node`); default rank 0 of 1. */
  readonly rank?: number;
  readonly worldSize?: number;
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

type Pin = NonNullable<SplitRequest["pinned"]>;

/**
 * Resolves the split's files now, so that an unknown dataset, config or split, a bad token or an
 * unreachable Hub fail before training starts; rows are read when iterated.
 */
export async function openHfBackend(options: HfBackendOptions): Promise<HfBackend> {
  const { tokenEnv, endpoint, env, retry } = options;
  const hub = hubClient({ tokenEnv, endpoint, env, retry });
  const open = (pinned: Pin | null): Promise<ResolvedSplit> => {
    const request: SplitRequest = {
      name: options.name,
      config: options.config,
      split: options.split,
      revision: options.revision ?? null,
      dataFiles: options.dataFiles ?? null,
      dataDir: options.dataDir ?? null,
      pinned,
    };
    return options.streaming
      ? resolveSplit(hub, request)
      : cachedSplit(
          hub,
          request,
          hfCacheRoot(options.cacheDir, options.env),
          () => resolveSplit(hub, request),
          options.log ?? options.warn,
          options.onDownload,
        );
  };
  const backend = new HfBackend(options, hub, await open(null), open);
  backend.announce();
  return backend;
}

/** Stream number of the buffer's draws, apart from the file order's. */
const BUFFER_STREAM = 0x5eed0011;

/** A row waiting in the shuffle buffer, with the index of its file in the epoch's order. */
interface Buffered {
  readonly result: Row;
  readonly file: number;
}

/**
 * Rows of one split of a Hugging Face dataset, file by file: parquet row group by row group
 * (HTTP Range requests when streaming), jsonl/json/csv/txt line by line, as `datasets` cuts
 * them into rows. With `shuffle` the files are visited in a seeded order each epoch and rows
 * pass a shuffle buffer; with several ranks each takes whole files when they divide evenly,
 * else every world-size-th row (`datasets.distributed.split_dataset_by_node`). Resuming jumps to
 * the saved file and row (parquet skips whole row groups; line formats re-read the file's
 * earlier lines without yielding them) and refills the buffer with the rows it held.
 */
export class HfBackend implements DatasetBackend {
  readonly kind = "hf" as const;
  description: string;
  // The position as plain numbers, set per row on the hot path; an object only in `position()`.
  private epoch = 0;
  private file = 0;
  private row = 0;
  private seen = 0;
  private emitted = 0;
  private starts: number[] = [];
  private startsHead = 0;
  private buffered = false;
  private yielded = 0;
  private tally = new RowTally();
  private read: ReadOptions;
  private readonly bufferSize: number;
  private readonly seed: number;
  private readonly rank: number;
  private readonly worldSize: number;

  constructor(
    private readonly options: HfBackendOptions,
    private readonly hub: HubClient,
    public resolved: ResolvedSplit,
    private readonly reopen: (pinned: Pin) => Promise<ResolvedSplit>,
  ) {
    this.bufferSize = options.shuffle ?? 0;
    this.seed = options.seed ?? 0;
    this.rank = options.rank ?? 0;
    this.worldSize = options.worldSize ?? 1;
    if (this.rank >= this.worldSize) {
      throw new AiosError(
        "CONFIG_INVALID",
        `--rank ${this.rank} is not below --world-size ${this.worldSize}`,
        { hint: "ranks count from 0 to world size - 1 (torchrun sets RANK and WORLD_SIZE)" },
      );
    }
    this.description = describe(resolved);
    this.read = readOptions(options, resolved);
  }

  /** Says once what the resolution chose for the user and what is only partly there. */
  announce(): void {
    if (this.resolved.note !== null) this.options.notice?.(this.resolved.note);
    if (this.resolved.warning !== null) this.options.warn(this.resolved.warning);
  }

  position(): BackendPosition {
    const position: Record<string, JsonValue> = {
      epoch: this.epoch,
      file: this.file,
      row: this.row,
      seen: this.seen,
      emitted: this.emitted,
      buffer: this.bufferSize,
      ranks: this.worldSize,
      revision: this.resolved.revision,
      source: this.resolved.source,
    };
    if (this.buffered) position.starts = this.starts.slice(this.startsHead);
    return position;
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
      options.from === undefined ? null : parseHfPosition(options.from, this.description);
    this.epoch = from?.epoch ?? 0;
    this.file = from?.file ?? 0;
    this.row = from?.row ?? 0;
    this.seen = from?.seen ?? 0;
    this.emitted = from?.emitted ?? 0;
    this.yielded = 0;
    this.tally = new RowTally();
    return this.samples(from, options.loop ?? false);
  }

  private async *samples(from: HfPosition | null, loop: boolean): AsyncGenerator<string> {
    if (from !== null) await this.checkResume(from);
    let epoch = from?.epoch ?? 0;
    // A consumer that stops early (preview) still hears about what the first pass met so far.
    let reported = false;
    let failed = false;
    try {
      for (;;) {
        // Rows are the same every epoch: count bad ones in the first pass only.
        const first = epoch === (from?.epoch ?? 0);
        const tally = first ? this.tally : new RowTally();
        const resume = first ? from : null;
        // yield* rather than a loop: one generator hop per sample fewer.
        const before = this.yielded;
        yield* this.epochTexts(epoch, resume, tally);
        const texts = this.yielded - before;
        const resumedTail =
          resume !== null && (resume.seen > 0 || resume.file > 0 || resume.row > 0);
        if (texts === 0 && !resumedTail) throw tally.noSamplesError(this.rankDescription());
        if (first) {
          this.report(tally);
          reported = true;
        }
        if (!loop) return;
        epoch++;
      }
    } catch (error) {
      failed = true;
      throw error;
    } finally {
      if (!reported && !failed) this.report(this.tally);
    }
  }

  /**
   * The samples of one epoch for this rank: its files in the epoch's order, their rows through
   * the shuffle buffer (if any), then every world-size-th row when ranks share files.
   */
  private async *epochTexts(
    epoch: number,
    resume: HfPosition | null,
    tally: RowTally,
  ): AsyncGenerator<string> {
    const { files, step } = this.epochFiles(epoch);
    const all = this.resolved.files;
    this.epoch = epoch;
    this.file = resume?.file ?? 0;
    this.row = resume?.row ?? 0;
    this.seen = resume?.seen ?? 0;
    this.emitted = resume?.emitted ?? 0;
    let buffer: ShuffleBuffer<Buffered> | null = null;
    const counts = new Int32Array(files.length);
    this.starts = [];
    this.startsHead = 0;
    this.buffered = this.bufferSize > 0;
    if (this.bufferSize > 0) {
      const random = sfc32((this.seed ^ BUFFER_STREAM) >>> 0, epoch);
      buffer =
        resume === null
          ? new ShuffleBuffer<Buffered>(this.bufferSize, random)
          : await this.refill(resume, files, random, counts);
    }
    // Oldest files whose rows have all left the buffer are dropped from `starts`.
    const prune = () => {
      while (
        this.starts.length - this.startsHead > 2 &&
        counts[this.starts[this.startsHead] as number] === 0
      )
        this.startsHead += 2;
    };
    const take = (result: Row, file: number): string | null => {
      const index = this.emitted++;
      if (step > 1 && index % step !== this.rank) return null;
      if (typeof result === "string") {
        this.yielded++;
        return result;
      }
      const source = all[files[file] as number] as HfDataFile;
      if (result.kind === "bad") tally.bad(displayFile(source), result);
      else if (result.kind === "skipped") tally.skip(result.reason);
      else {
        if (result.repaired !== undefined) tally.repair(displayFile(source), result.repaired);
        this.yielded++;
        return result.text;
      }
      return null;
    };
    for (let index = this.file; index < files.length; index++) {
      const file = all[files[index] as number] as HfDataFile;
      const firstRow = index === resume?.file ? resume.row : 0;
      this.file = index;
      this.row = firstRow;
      if (buffer !== null && this.starts.at(-2) !== index)
        this.starts.push(index, this.seen - firstRow);
      // Rows come in blocks (a parquet row group) and are handled in a plain loop: one
      // generator hop per sample yielded, none per row inside the backend.
      for await (const block of this.rowBlocks(file, firstRow)) {
        const results = block.results;
        for (let i = 0; i < results.length; i++) {
          const result = results[i] as Row;
          this.row = block.start + i + 1;
          this.seen++;
          let text: string | null;
          if (buffer === null) text = take(result, index);
          else {
            counts[index] = (counts[index] as number) + 1;
            const out = buffer.push({ result, file: index });
            if (out === undefined) continue;
            counts[out.file] = (counts[out.file] as number) - 1;
            prune();
            text = take(out.result, out.file);
          }
          if (text !== null) yield text;
        }
      }
      this.file = index + 1;
      this.row = 0;
    }
    if (buffer === null) return;
    for (let out = buffer.drain(); out !== undefined; out = buffer.drain()) {
      counts[out.file] = (counts[out.file] as number) - 1;
      prune();
      const text = take(out.result, out.file);
      if (text !== null) yield text;
    }
  }

  /**
   * This rank's files for an epoch (indices into the split's files) and the row step:
   * `split_dataset_by_node` gives each rank every world-size-th file of the (shuffled) order
   * when the files divide evenly, else all files and every world-size-th row.
   */
  private epochFiles(epoch: number): { files: number[]; step: number } {
    const n = this.resolved.files.length;
    const order =
      this.bufferSize > 0
        ? Array.from(epochPermutation(n, this.seed, epoch))
        : Array.from({ length: n }, (_, i) => i);
    if (this.worldSize > 1 && n % this.worldSize === 0)
      return { files: order.filter((_, i) => i % this.worldSize === this.rank), step: 1 };
    return { files: order, step: this.worldSize };
  }

  /**
   * The shuffle buffer as it was at `from`: which row sat in each slot is recomputed by
   * replaying the seeded draws over row indices (no rows needed), then those rows are read
   * again from their files (parquet from the row group holding the first; line files from the
   * start), and `random` is left where the original stream had it.
   */
  private async refill(
    from: HfPosition,
    files: readonly number[],
    random: () => number,
    counts: Int32Array,
  ): Promise<ShuffleBuffer<Buffered>> {
    const size = this.bufferSize;
    const slots = new ShuffleBuffer<number>(size, random);
    for (let k = 0; k < from.seen; k++) slots.push(k);
    const drained = from.emitted - Math.max(0, from.seen - size);
    const readerDone = from.file >= files.length;
    if (drained < 0 || (drained > 0 && !readerDone)) throw this.notMine(from);
    for (let d = 0; d < drained; d++) slots.drain();
    // Slot → (file, row), from the first row index of each file still represented.
    const starts = from.starts;
    const entries: { file: number; first: number }[] = [];
    for (let i = 0; i < starts.length; i += 2)
      entries.push({ file: starts[i] as number, first: starts[i + 1] as number });
    const locate = (k: number) => {
      let found: { file: number; first: number } | undefined;
      for (const entry of entries) if (entry.first <= k) found = entry;
      if (found === undefined || found.file >= files.length) throw this.notMine(from);
      return { file: found.file, row: k - found.first };
    };
    const wanted = new Map<number, { rows: Set<number>; min: number; max: number }>();
    for (const k of slots.contents) {
      const { file, row } = locate(k);
      const entry = wanted.get(file) ?? { rows: new Set(), min: row, max: row };
      entry.rows.add(row);
      entry.min = Math.min(entry.min, row);
      entry.max = Math.max(entry.max, row);
      wanted.set(file, entry);
    }
    const rows = new Map<string, Row>();
    for (const [file, want] of wanted) {
      const source = this.resolved.files[files[file] as number] as HfDataFile;
      reading: for await (const block of this.rowBlocks(source, want.min)) {
        for (let i = 0; i < block.results.length; i++) {
          const row = block.start + i;
          if (row > want.max) break reading;
          if (want.rows.has(row)) rows.set(`${file}:${row}`, block.results[i] as Row);
        }
      }
    }
    const items = slots.contents.map((k): Buffered => {
      const { file, row } = locate(k);
      const result = rows.get(`${file}:${row}`);
      if (result === undefined) {
        throw new AiosError(
          "CHECKPOINT",
          `${this.description}: the saved position's shuffle buffer held row ${row} of ${this.resolved.files[files[file] as number]?.path}, which the file no longer has`,
          { hint: "the dataset changed since the checkpoint; start without --resume" },
        );
      }
      counts[file] = (counts[file] as number) + 1;
      return { result, file };
    });
    this.starts = [...starts];
    return new ShuffleBuffer<Buffered>(size, random, items);
  }

  /** Checks a saved position against this run, and reads the commit it pinned. */
  private async checkResume(from: HfPosition): Promise<void> {
    if (from.buffer !== this.bufferSize || from.ranks !== this.worldSize) {
      throw new AiosError(
        "CHECKPOINT",
        `the saved data position of ${this.description} was written with --hf-shuffle ${from.buffer} and --world-size ${from.ranks}, not ${this.bufferSize} and ${this.worldSize}`,
        {
          hint: `resume with --hf-shuffle ${from.buffer} --world-size ${from.ranks}, or start without --resume`,
        },
      );
    }
    if (from.revision !== null && from.revision !== this.resolved.revision) {
      const asked = this.options.revision ?? null;
      if (asked !== null && /^[0-9a-f]{40}$/.test(asked)) {
        throw new AiosError(
          "CHECKPOINT",
          `the checkpoint read ${this.resolved.name} at commit ${from.revision}, but --hf-revision asks for ${asked}`,
          {
            hint: `drop --hf-revision (the checkpoint's commit is read), or start without --resume`,
          },
        );
      }
      const moved = this.resolved.revision;
      this.resolved = await this.reopen({
        revision: from.revision,
        source: from.source ?? this.resolved.source,
      });
      this.description = describe(this.resolved);
      this.read = readOptions(this.options, this.resolved);
      this.options.notice?.(
        `${this.description}: resuming at commit ${from.revision}, which the checkpoint read (the dataset is now at ${moved})`,
      );
    }
    const { files } = this.epochFiles(from.epoch);
    if (from.file > files.length) throw this.notMine(from);
  }

  private notMine(from: HfPosition): AiosError {
    return notAPosition(from as unknown as BackendPosition, this.description);
  }

  private rankDescription(): string {
    return this.worldSize > 1
      ? `${this.description} (rank ${this.rank} of ${this.worldSize})`
      : this.description;
  }

  private report(tally: RowTally): void {
    const summary = tally.summary(this.description);
    if (summary !== null) this.options.warn(summary);
  }

  /**
   * The rows of a file from `firstRow` on, in blocks: `TEXT_BLOCK` rows of a parquet text
   * column, a row group of other parquet, what `readRowBlocks` hands on of other formats.
   */
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
        columns: this.resolved.params.columns,
      });
      const options = {
        textField,
        encodingErrors: this.read.encodingErrors,
        file: file.location,
      };
      for await (const group of groups) {
        const { start, schema } = group;
        if (group.column === null) {
          const columns = schema.children.map((column) => column.element.name);
          if (textField === null && !TEXT_FIELDS.some((field) => columns.includes(field))) {
            const shown = columns.slice(0, 10).map((name) => JSON.stringify(name));
            this.read.notice(
              "parquet whole row",
              `${file.location} has no "text" or "content" column (its columns: ${shown.join(", ")}): each row is trained on as its exact JSON; pass --hf-text-field NAME to train on one column`,
            );
          }
          yield {
            start,
            results: group.rows.map((row, i) => parquetRowText(row, schema, start + i, options)),
          };
          continue;
        }
        // A string is its own row; anything else (not UTF-8, not a string) is judged as a row
        // of that column.
        const { column, values, undecoded } = group;
        const row = (value: unknown, index: number): Row => {
          if (typeof value !== "string")
            return parquetRowText({ [column]: value }, schema, index, options);
          return isBlank(value) ? emptyText : value;
        };
        if (!undecoded) {
          // The values become the rows in place: no second array per row group.
          const results = values as Row[];
          for (let i = 0; i < results.length; i++) results[i] = row(results[i], start + i);
          yield { start, results };
          continue;
        }
        // Text still as bytes: decoded a block at a time, as the rows are consumed.
        for (let from = 0; from < values.length; from += TEXT_BLOCK) {
          const to = Math.min(from + TEXT_BLOCK, values.length);
          const results: Row[] = new Array(to - from);
          for (let i = from; i < to; i++) {
            // hyparquet places nulls after decoding: only the bytes of a value are decoded.
            const value = values[i];
            results[i - from] = row(
              value instanceof Uint8Array ? stringFromBytes(value) : value,
              start + i,
            );
            values[i] = undefined; // the page's bytes go with the last view of them
          }
          yield { start: start + from, results };
        }
      }
      return;
    }
    let row = 0;
    for await (const results of readRowBlocks(this.lineFile(file), this.read)) {
      const skip = Math.max(0, firstRow - row);
      if (skip < results.length)
        yield { start: row + skip, results: skip === 0 ? results : results.slice(skip) };
      row += results.length;
    }
  }

  /** A jsonl/json/csv/txt file as the custom backend's readers take it, its bytes from disk or HTTP. */
  private lineFile(file: HfDataFile): DatasetFile {
    const format = file.format === "parquet" ? "text" : file.format;
    const open = (): Readable =>
      file.remote ? resumableDownload(this.hub, file.location) : createReadStream(file.location);
    return { path: file.location, format, gzip: file.gzip, open };
  }
}

function describe(resolved: ResolvedSplit): string {
  const { name, config, split, source, files, revision } = resolved;
  const at = source === "local directory" ? source : `${source} at ${revision.slice(0, 8)}`;
  return `hf: ${name}:${config}:${split} (${files.length} ${files.length === 1 ? "file" : "files"}, ${at})`;
}

/** The shared readers' options for this split: the flags, then the card's builder parameters. */
function readOptions(options: HfBackendOptions, resolved: ResolvedSplit): ReadOptions {
  const { params } = resolved;
  return {
    textColumn: options.textField,
    textColumnFlag: "--hf-text-field",
    csvDelimiter: options.csvDelimiter ?? params.sep,
    encodingErrors: options.encodingErrors ?? "skip",
    notice: oncePerKey(options.notice ?? (() => {})),
    text: { sampleBy: params.sampleBy, keepLinebreaks: params.keepLinebreaks },
    csv: {
      quote: params.quotechar,
      header: params.header,
      names: params.names,
      naValues: params.naValues,
    },
    jsonField: params.field,
  };
}

/**
 * A row as read: a string is a sample with nothing to report (the common case, kept as the
 * bare string so that a parquet row costs no object), else the reader's result.
 */
type Row = RowResult | string;

/** Rows of a file that are handled together; `start` is the index of the first in its file. */
interface RowBlock {
  readonly start: number;
  readonly results: Row[];
}

/** `text.trim() === ""`, without allocating (a parquet row group holds thousands of texts). */
function isBlank(text: string): boolean {
  for (let i = 0; i < text.length; i++) if (!isSpace(text.charCodeAt(i))) return false;
  return true;
}

/** What `String.prototype.trim` removes: ECMAScript's WhiteSpace and LineTerminator. */
function isSpace(c: number): boolean {
  return (
    (c >= 9 && c <= 13) ||
    c === 32 ||
    c === 0xa0 ||
    c === 0x1680 ||
    (c >= 0x2000 && c <= 0x200a) ||
    c === 0x2028 ||
    c === 0x2029 ||
    c === 0x202f ||
    c === 0x205f ||
    c === 0x3000 ||
    c === 0xfeff
  );
}

/** Rows of parquet text decoded and handed on together. */
const TEXT_BLOCK = 256;

function displayFile(file: HfDataFile): DatasetFile {
  return { path: file.location, format: "text", gzip: file.gzip };
}
