import { AiosError } from "../../core/errors.js";
import { epochPermutation } from "../../core/shuffle.js";
import { type DatasetFile, SUPPORTED_EXTENSIONS } from "../formats/dataset-file.js";
import type { EncodingErrors } from "../formats/encoding-errors.js";
import { oncePerKey, type ReadOptions } from "../formats/read-options.js";
import { readRows } from "../formats/read-rows.js";
import { RowTally } from "../formats/row-tally.js";
import type { RowResult } from "../formats/rows.js";
import type { BackendPosition, BackendStats, DatasetBackend, IterTextOptions } from "../types.js";
import { findDatasetFiles } from "./find-files.js";
import { type CustomPosition, parseCustomPosition, startOfData } from "./position.js";
import { TextStore } from "./text-store.js";

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
 * shuffling every sample is read once into a compact in-memory store, then visited in a seeded
 * permutation per epoch; resuming is then a jump.
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

  private current: CustomPosition = startOfData;
  private yielded = 0;
  private tally = new RowTally();
  private store: Promise<{ store: TextStore; tally: RowTally }> | null = null;

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
    this.description = `custom: ${options.path}${files.length > 1 ? ` (${files.length} files)` : ""}`;
  }

  iterText(options: IterTextOptions = {}): AsyncIterable<string> {
    const from =
      options.from === undefined
        ? startOfData
        : parseCustomPosition(options.from, this.description);
    // Reset now, not on the first next(): position() must describe this iteration at once.
    this.current = from;
    this.yielded = 0;
    const loop = options.loop ?? false;
    if (this.shuffle) return this.shuffled(from, loop);
    this.tally = new RowTally();
    return this.streamed(from, loop, this.tally);
  }

  position(): BackendPosition {
    return { epoch: this.current.epoch, index: this.current.index };
  }

  stats(): BackendStats {
    return {
      samples: this.yielded,
      badRows: { ...this.tally.badRows },
      skipped: { ...this.tally.skipped },
      repaired: { ...this.tally.repaired },
    };
  }

  /** Frees the in-memory samples of a shuffled dataset; a later iteration reads them again. */
  async close(): Promise<void> {
    this.store = null;
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

  private async *shuffled(from: CustomPosition, loop: boolean): AsyncGenerator<string> {
    const { store, tally } = await this.loadStore();
    this.tally = tally;
    let { epoch, index } = from;
    for (;;) {
      const order = epochPermutation(store.size, this.seed, epoch);
      for (let i = index; i < order.length; i++) {
        if (i % this.worldSize !== this.rank) continue;
        this.current = { epoch, index: i + 1 };
        this.yielded++;
        yield store.get(order[i] ?? 0);
      }
      if (!loop) return;
      epoch++;
      index = 0;
    }
  }

  /** Reads every sample once (on first use; later iterations reuse it). */
  private loadStore(): Promise<{ store: TextStore; tally: RowTally }> {
    this.store ??= (async () => {
      const store = new TextStore();
      const tally = new RowTally();
      for (const file of this.files) {
        for await (const row of readRows(file, this.read)) {
          if (!counted(tally, file, row)) store.add(row.text);
        }
      }
      if (store.size === 0) throw tally.noSamplesError(this.path);
      this.report(tally);
      return { store, tally };
    })().catch((error: unknown) => {
      // Not cached: a fixed file should be readable on the next try.
      this.store = null;
      throw error;
    });
    return this.store;
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
