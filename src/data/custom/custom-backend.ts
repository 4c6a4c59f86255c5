import { AiosError } from "../../core/errors.js";
import { epochPermutation, sfc32 } from "../../core/shuffle.js";
import { type DatasetFile, SUPPORTED_EXTENSIONS } from "../formats/dataset-file.js";
import type { EncodingErrors } from "../formats/encoding-errors.js";
import { oncePerKey, type ReadOptions } from "../formats/read-options.js";
import { readRows } from "../formats/read-rows.js";
import { RowTally } from "../formats/row-tally.js";
import type { RowResult } from "../formats/rows.js";
import { ShuffleBuffer } from "../shuffle-buffer.js";
import type { BackendPosition, BackendStats, DatasetBackend, IterTextOptions } from "../types.js";
import { type BlockPlan, type FileReading, planBlocks, type ReadUnit } from "./block-plan.js";
import { type EpochWindow, epochWindows, isRankSample } from "./epoch-windows.js";
import { findDatasetFiles } from "./find-files.js";
import { customIndexDir } from "./index-cache.js";
import {
  type CustomPosition,
  parseCustomPosition,
  parseShuffledPosition,
  type ShuffledPosition,
  startOfData,
  startOfShuffle,
} from "./position.js";
import { readUnit } from "./read-unit.js";
import { TextStore } from "./text-store.js";

/**
 * Bytes per block of a large file: small enough that a window of blocks mixes many parts of
 * the file, large enough that a block is read in one sequential request (and a 5 GB file has
 * a few thousand, not millions, of units).
 */
export const BLOCK_BYTES = 1024 * 1024;
/**
 * Bytes of data read together and visited in one permutation: bounds memory (a window's
 * samples, plus the next one read ahead) and sets how far apart two consecutive samples can
 * come from. 16 MiB of 80-byte lines is about 200k samples, held as UTF-8 in a `TextStore`.
 */
export const WINDOW_BYTES = 16 * 1024 * 1024;
/** Samples held by the shuffle buffer of a file that can only be read from its start (gzip). */
const STREAM_BUFFER = 8192;

export interface CustomBackendOptions {
  /** A local file or directory (`--dataset-file`, URI already resolved). */
  readonly path: string;
  /** CSV column / JSON field holding the text; null to guess. */
  readonly textColumn?: string | null;
  /** CSV field delimiter; null to detect (`.tsv`: tab). */
  readonly csvDelimiter?: string | null;
  /** Rows touched by bytes not valid in their file's encoding (default `skip`). */
  readonly encodingErrors?: EncodingErrors;
  /** Visit samples in a seeded random order, new each epoch. */
  readonly shuffle?: boolean;
  readonly seed?: number;
  /** This process's part: every `worldSize`-th sample from `rank` (default rank 0 of 1). */
  readonly rank?: number;
  readonly worldSize?: number;
  /** Where reports that are not errors go (bad rows skipped). */
  readonly warn?: (message: string) => void;
  /** Where choices made for the user go (a guessed text column, a detected delimiter). */
  readonly notice?: (message: string) => void;
  /** Where progress lines go (an index built, and its cost). */
  readonly log?: (message: string) => void;
  /** Bytes of `file` scanned so far while its record-boundary index is built. */
  readonly onIndexProgress?: (file: string, done: number, total: number) => void;
  /** Where indexes of CSV files and JSON arrays are cached (default: see `customIndexDir`). */
  readonly cacheDir?: string;
  /** Block and window sizes of the shuffle (defaults `BLOCK_BYTES`, `WINDOW_BYTES`). */
  readonly blockBytes?: number;
  readonly windowBytes?: number;
}

/**
 * Opens a local dataset: finds its files now, so that a wrong path fails before training
 * starts; rows are read when iterated.
 */
export async function openCustomBackend(options: CustomBackendOptions): Promise<CustomBackend> {
  const files = await findDatasetFiles(options.path);
  if (files.length === 0) {
    throw new AiosError("DATASET_EMPTY", `${options.path} holds no dataset files`, {
      hint: `the custom backend reads files ending in ${SUPPORTED_EXTENSIONS.join(", ")}`,
    });
  }
  return new CustomBackend(options, files);
}

/**
 * Samples of local files. Without shuffling the files are streamed in path order and never held
 * in memory; resuming re-reads (without yielding) the samples before the position. With
 * shuffling the files are cut into blocks (see block-plan.ts), the blocks permuted per epoch
 * and taken in windows of about `WINDOW_BYTES`, each window's samples visited in a seeded
 * permutation (see epoch-windows.ts): memory holds two windows whatever the data's size, and
 * resuming re-reads one window.
 */
export class CustomBackend implements DatasetBackend {
  readonly kind = "custom" as const;
  readonly description: string;
  readonly files: readonly DatasetFile[];
  private readonly path: string;
  private readonly read: Partial<ReadOptions>;
  private readonly shuffle: boolean;
  private readonly seed: number;
  private readonly rank: number;
  private readonly worldSize: number;
  private readonly warn: (message: string) => void;

  private readonly log: (message: string) => void;
  private readonly onIndexProgress: CustomBackendOptions["onIndexProgress"];
  private readonly cacheDir: string;
  private readonly blockBytes: number;
  private readonly windowBytes: number;

  private current: CustomPosition | ShuffledPosition = startOfData;
  private yielded = 0;
  private tally = new RowTally();
  private plan: Promise<BlockPlan> | null = null;

  constructor(options: CustomBackendOptions, files: readonly DatasetFile[]) {
    this.path = options.path;
    this.files = files;
    this.read = {
      textColumn: options.textColumn ?? null,
      csvDelimiter: options.csvDelimiter ?? null,
      encodingErrors: options.encodingErrors ?? "skip",
      // Each choice once per backend, not once per file and epoch.
      notice: oncePerKey(options.notice ?? (() => {})),
    };
    this.shuffle = options.shuffle ?? false;
    this.seed = options.seed ?? 0;
    this.rank = options.rank ?? 0;
    this.worldSize = options.worldSize ?? 1;
    this.warn = options.warn ?? (() => {});
    this.log = options.log ?? (() => {});
    this.onIndexProgress = options.onIndexProgress;
    this.cacheDir = options.cacheDir ?? customIndexDir();
    this.blockBytes = options.blockBytes ?? BLOCK_BYTES;
    this.windowBytes = options.windowBytes ?? WINDOW_BYTES;
    this.description = `custom: ${options.path}${files.length > 1 ? ` (${files.length} files)` : ""}`;
  }

  iterText(options: IterTextOptions = {}): AsyncIterable<string> {
    const loop = options.loop ?? false;
    // Reset now, not on the first next(): position() must describe this iteration at once.
    this.yielded = 0;
    this.tally = new RowTally();
    if (this.shuffle) {
      const from =
        options.from === undefined
          ? startOfShuffle
          : parseShuffledPosition(options.from, this.description);
      this.current = from;
      return this.shuffled(from, loop);
    }
    const from =
      options.from === undefined
        ? startOfData
        : parseCustomPosition(options.from, this.description);
    this.current = from;
    return this.streamed(from, loop, this.tally);
  }

  position(): BackendPosition {
    return { ...this.current };
  }

  stats(): BackendStats {
    return {
      samples: this.yielded,
      badRows: { ...this.tally.badRows },
      skipped: { ...this.tally.skipped },
      repaired: { ...this.tally.repaired },
    };
  }

  /** Forgets the block plan; a later iteration makes it again (from the cached indexes). */
  async close(): Promise<void> {
    this.plan = null;
  }

  private async *streamed(
    from: CustomPosition,
    loop: boolean,
    firstPass: RowTally,
  ): AsyncGenerator<string> {
    let { epoch, index: resumeAfter } = from;
    // A consumer that stops early (preview) still hears about what the first pass met so far.
    let reported = false;
    let failed = false;
    try {
      for (;;) {
        // Rows are the same every epoch: count bad ones in the first pass only.
        const tally = epoch === from.epoch ? firstPass : new RowTally();
        let seen = 0;
        for (const file of this.files) {
          for await (const row of readRows(file, this.read)) {
            // Other ranks' samples are passed over uncounted: each rank reports its own part.
            if (row.kind === "sample" && (seen - this.rank) % this.worldSize !== 0) {
              ++seen;
              continue;
            }
            if (!counted(tally, file, row) && ++seen > resumeAfter) {
              this.current = { epoch, index: seen };
              this.yielded++;
              yield row.text;
            }
          }
        }
        if (seen === 0) throw tally.noSamplesError(this.path);
        if (epoch === from.epoch) {
          this.report(tally);
          reported = true;
        }
        if (seen < resumeAfter) {
          this.warn(
            `${this.description}: resumed at sample ${resumeAfter} of epoch ${epoch}, but the data holds only ${seen}; the dataset changed since the checkpoint`,
          );
        }
        if (!loop) return;
        epoch++;
        resumeAfter = 0;
      }
    } catch (error) {
      failed = true;
      throw error;
    } finally {
      if (!reported && !failed) this.report(firstPass);
    }
  }

  private async *shuffled(from: ShuffledPosition, loop: boolean): AsyncGenerator<string> {
    const plan = await this.loadPlan();
    const tally = new RowTally();
    this.tally = tally;
    let { epoch, window: firstWindow, index: resumeAfter } = from;
    const abort = new AbortController();
    // The next window is read while this one is yielded, so a window change does not stall.
    let ahead: { epoch: number; window: number; texts: Promise<TextStore> } | null = null;
    let reported = false;
    let failed = false;
    try {
      for (;;) {
        const windows = epochWindows(plan.units, this.seed, epoch, this.windowBytes);
        const counting = epoch === from.epoch ? tally : null;
        const whole = firstWindow === 0 && resumeAfter === 0;
        let samples = 0;
        if (firstWindow > windows.length) this.warnChanged(epoch, firstWindow, windows.length);
        for (let w = firstWindow; w < windows.length; w++) {
          const window = windows[w] as EpochWindow;
          const skip = w === firstWindow ? resumeAfter : 0;
          let texts: AsyncIterable<string> | Iterable<string>;
          if (window.stream) {
            texts = this.streamWindow(plan, window, epoch, w, counting, abort.signal);
          } else {
            const read =
              ahead !== null && ahead.epoch === epoch && ahead.window === w
                ? ahead.texts
                : this.readWindow(plan, window, counting, abort.signal);
            ahead = null;
            const next = w + 1 < windows.length ? (windows[w + 1] as EpochWindow) : null;
            const loaded = await read;
            if (next !== null && !next.stream) {
              ahead = {
                epoch,
                window: w + 1,
                texts: this.readWindow(plan, next, counting, abort.signal),
              };
              // Awaited when its turn comes; a failure before then must not go unhandled.
              ahead.texts.catch(() => {});
            }
            const order = epochPermutation(loaded.size, this.seed, epoch, w + 1);
            texts = (function* () {
              for (const at of order) yield loaded.get(at);
            })();
            if (skip > loaded.size) this.warnChanged(epoch, w, loaded.size, skip);
          }
          let index = 0;
          for await (const text of texts) {
            samples++;
            if (index++ < skip || !isRankSample(index - 1, w, this.rank, this.worldSize)) continue;
            this.current = { epoch, window: w, index };
            this.yielded++;
            yield text;
          }
        }
        if (whole && samples === 0) throw tally.noSamplesError(this.path);
        if (epoch === from.epoch) {
          this.report(tally);
          reported = true;
        }
        if (!loop) return;
        epoch++;
        firstWindow = 0;
        resumeAfter = 0;
      }
    } catch (error) {
      failed = true;
      throw error;
    } finally {
      abort.abort();
      await ahead?.texts.catch(() => {});
      if (!reported && !failed) this.report(tally);
    }
  }

  /** The samples of a window's units, in unit order; rows counted in `tally` when given. */
  private async readWindow(
    plan: BlockPlan,
    window: EpochWindow,
    tally: RowTally | null,
    signal: AbortSignal,
  ): Promise<TextStore> {
    const texts = new TextStore();
    for (const u of window.units) {
      const unit = plan.units[u] as ReadUnit;
      const { file, rows } = readUnit(unit, plan.files[unit.file] as FileReading, this.read);
      for await (const row of rows) {
        // The consumer stopped: what is left of a window read ahead is never needed.
        if (signal.aborted) return texts;
        if (tally === null ? row.kind === "sample" : !counted(tally, file, row)) {
          texts.add((row as { text: string }).text);
        }
      }
    }
    return texts;
  }

  /**
   * The samples of a file that can only be read from its start (gzip, UTF-16), through a
   * seeded shuffle buffer: resumed by reading again and replaying the buffer's draws.
   */
  private async *streamWindow(
    plan: BlockPlan,
    window: EpochWindow,
    epoch: number,
    w: number,
    tally: RowTally | null,
    signal: AbortSignal,
  ): AsyncGenerator<string> {
    const unit = plan.units[window.units[0] as number] as ReadUnit;
    const { file, rows } = readUnit(unit, plan.files[unit.file] as FileReading, this.read);
    const buffer = new ShuffleBuffer<string>(STREAM_BUFFER, sfc32(this.seed, epoch, w + 1));
    for await (const row of rows) {
      if (signal.aborted) return;
      const sample = tally === null ? row.kind === "sample" : !counted(tally, file, row);
      if (!sample) continue;
      const out = buffer.push((row as { text: string }).text);
      if (out !== undefined) yield out;
    }
    for (let out = buffer.drain(); out !== undefined; out = buffer.drain()) yield out;
  }

  /** Splits the files into read units (on first use; later iterations reuse it). */
  private loadPlan(): Promise<BlockPlan> {
    this.plan ??= planBlocks(this.files, {
      blockBytes: this.blockBytes,
      read: this.read,
      cacheDir: this.cacheDir,
      log: this.log,
      onIndexProgress: this.onIndexProgress,
    }).catch((error: unknown) => {
      // Not cached: a fixed file should be readable on the next try.
      this.plan = null;
      throw error;
    });
    return this.plan;
  }

  private warnChanged(epoch: number, window: number, held: number, skip?: number): void {
    this.warn(
      skip === undefined
        ? `${this.description}: resumed at window ${window} of epoch ${epoch}, but the data makes only ${held}; the dataset changed since the checkpoint`
        : `${this.description}: resumed at sample ${skip} of window ${window} of epoch ${epoch}, but it holds only ${held}; the dataset changed since the checkpoint`,
    );
  }

  private report(tally: RowTally): void {
    const summary = tally.summary(this.description);
    if (summary !== null) this.warn(summary);
  }
}

/** Counts a row that gives no sample (true) or a repaired sample (false: it is still used). */
function counted(
  tally: RowTally,
  file: DatasetFile,
  row: RowResult,
): row is Exclude<RowResult, { kind: "sample" }> {
  if (row.kind === "bad") tally.bad(file, row);
  else if (row.kind === "skipped") tally.skip(row.reason);
  else if (row.repaired !== undefined) tally.repair(file, row.repaired);
  return row.kind !== "sample";
}
