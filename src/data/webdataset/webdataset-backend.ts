import { AiosError } from "../../core/errors.js";
import { epochPermutation, sfc32 } from "../../core/shuffle.js";
import { decodeBytes } from "../formats/decode-text.js";
import { type EncodingErrors, invalidEncodingError } from "../formats/encoding-errors.js";
import { pickJsonText } from "../formats/pick-text.js";
import { shuffleBuffer } from "../shuffle-buffer.js";
import type { BackendPosition, BackendStats, DatasetBackend, IterTextOptions } from "../types.js";
import { type OpenShardOptions, openShard } from "./open-shard.js";
import { parseWdsPosition, type WdsPosition } from "./position.js";
import type { ShardSource } from "./shard-list.js";
import { samplesOfShard } from "./tar-samples.js";

/** One sample's `--wds-key` field, undecoded, with the sample's `__key__` and `__url__`. */
export interface WdsField {
  readonly key: string;
  readonly url: string;
  readonly value: Buffer;
}

export interface WebDatasetOptions {
  readonly pattern: string;
  readonly shards: readonly ShardSource[];
  /** Field (file extension) holding the text: `txt`, `json`, ...; compared lower-cased, as fields are. */
  readonly key: string;
  readonly decode: "text" | "bytes";
  /** Sample shuffle buffer size; 0 keeps shard order and file order. Non-zero also shuffles shards. */
  readonly shuffle: number;
  readonly resampled: boolean;
  readonly seed: number;
  readonly rank: number;
  readonly worldSize: number;
  readonly onError: "raise" | "skip";
  /** A field holding bytes not valid in its encoding: counted and dropped (default), kept, or fatal. */
  readonly encodingErrors?: EncodingErrors;
  readonly warn: (message: string) => void;
  readonly open?: OpenShardOptions;
}

/** Stream numbers for the seeded generators, so that shard order and sample draws differ. */
const BUFFER_STREAM = 0x5eed0001;
const RESAMPLE_STREAM = 0x5eed0002;

/**
 * Text samples from WebDataset tar shards (docs/DATA.md): shards in a seeded order split across
 * ranks, read as streams, files grouped into samples by key, the `--wds-key` field decoded.
 */
export class WebDatasetBackend implements DatasetBackend {
  readonly kind = "webdataset" as const;
  readonly description: string;
  private current: WdsPosition = { epoch: 0, shard: 0, offset: 0, yielded: 0 };
  private samples = 0;
  private readonly badRows: Record<string, number> = {};
  private readonly skipped: Record<string, number> = {};
  private readonly repaired: Record<string, number> = {};

  private readonly options: WebDatasetOptions;

  constructor(options: WebDatasetOptions) {
    // Tar suffixes are lower-cased when grouped (webdataset's `lcase`): so is the key that picks one.
    this.options = { ...options, key: options.key.toLowerCase() };
    this.description = `webdataset: ${options.pattern} (${options.shards.length} shards)`;
    if (options.rank >= options.worldSize) {
      throw new AiosError(
        "CONFIG_INVALID",
        `--rank ${options.rank} is not below --world-size ${options.worldSize}`,
        {
          hint: "ranks count from 0 to world size - 1 (torchrun sets RANK and WORLD_SIZE)",
        },
      );
    }
  }

  position(): BackendPosition {
    return { ...this.current };
  }

  stats(): BackendStats {
    return {
      samples: this.samples,
      badRows: { ...this.badRows },
      skipped: { ...this.skipped },
      repaired: { ...this.repaired },
    };
  }

  /**
   * Samples' `--wds-key` fields as text (UTF-8, or UTF-16 by its byte-order mark; a `json` key
   * picks the text field).
   */
  async *iterText(options: IterTextOptions = {}): AsyncGenerator<string> {
    // Fields may all be unusable (malformed JSON, empty): an epoch without one text must stop
    // a looping run instead of spinning. A resumed first epoch is only a tail, so it is exempt.
    let epoch = -1;
    let texts = 0;
    let whole = options.from === undefined;
    for await (const field of this.iterFields(options)) {
      if (this.current.epoch !== epoch) {
        if (epoch >= 0 && texts === 0 && whole) throw this.noSamplesError();
        whole ||= epoch >= 0;
        epoch = this.current.epoch;
        texts = 0;
      }
      const text = this.textOf(field);
      if (text === null) continue;
      texts += 1;
      this.samples += 1;
      yield text;
    }
    if (texts === 0 && whole) throw this.noSamplesError();
  }

  /**
   * Samples' `--wds-key` fields as raw bytes, in training order (ranks, shuffles, resume
   * applied); samples without the field are counted and skipped.
   */
  async *iterFields(options: IterTextOptions = {}): AsyncGenerator<WdsField> {
    const from =
      options.from === undefined ? null : parseWdsPosition(options.from, this.description);
    const jump = from !== null && this.options.shuffle === 0;
    let epoch = from?.epoch ?? 0;
    let replay = from !== null && !jump ? from.yielded : 0;
    let start =
      jump && from !== null ? { shard: from.shard, offset: from.offset } : { shard: 0, offset: 0 };
    for (;;) {
      this.current = {
        epoch,
        shard: start.shard,
        offset: start.offset,
        yielded: jump ? (from?.yielded ?? 0) : 0,
      };
      let produced = 0;
      let fields = this.epochFields(epoch, start);
      if (this.options.shuffle > 0) {
        fields = shuffleBuffer(
          fields,
          this.options.shuffle,
          sfc32(this.options.seed ^ BUFFER_STREAM, epoch),
        );
      }
      for await (const field of fields) {
        produced += 1;
        this.current = { ...this.current, yielded: this.current.yielded + 1 };
        if (replay > 0) {
          replay -= 1;
          continue;
        }
        yield field;
      }
      // An epoch without one field would loop forever; a resumed epoch may just have been at its end.
      if (produced === 0 && !(jump && epoch === from?.epoch)) throw this.noSamplesError();
      if (!options.loop || this.options.resampled) return;
      epoch += 1;
      start = { shard: 0, offset: 0 };
      replay = 0;
    }
  }

  /** This rank's shards for an epoch, in order: a seeded permutation, or draws with replacement. */
  private *shardOrder(epoch: number): Generator<ShardSource> {
    const { shards, rank, worldSize, seed } = this.options;
    if (this.options.resampled) {
      const random = sfc32((seed ^ RESAMPLE_STREAM) + rank, epoch);
      for (;;) yield shards[Math.floor(random() * shards.length)] as ShardSource;
    }
    const order = this.options.shuffle > 0 ? epochPermutation(shards.length, seed, epoch) : null;
    for (let i = rank; i < shards.length; i += worldSize)
      yield shards[order === null ? i : (order[i] as number)] as ShardSource;
  }

  /** Key fields of the epoch from shard `start.shard`, skipping `start.offset` samples there. */
  private async *epochFields(
    epoch: number,
    start: { shard: number; offset: number },
  ): AsyncGenerator<WdsField> {
    let index = -1;
    // Resampling never ends by itself: give up when shard after shard yields no text.
    let fruitless = 0;
    const patience = Math.max(10, 2 * this.options.shards.length);
    for (const source of this.shardOrder(epoch)) {
      index += 1;
      if (index < start.shard) continue;
      const skip = index === start.shard ? start.offset : 0;
      let offset = 0;
      try {
        const stream = await openShard(source, this.options.open);
        const samples = samplesOfShard(stream, source.url, {
          onDuplicate: this.options.onError,
          count: (reason) => this.count(this.skipped, reason),
        });
        for await (const sample of samples) {
          offset += 1;
          if (offset <= skip) continue;
          this.current = { ...this.current, shard: index, offset };
          const value = sample.fields.get(this.options.key);
          if (value === undefined) {
            this.count(this.skipped, `no .${this.options.key} field`);
            continue;
          }
          fruitless = -1;
          yield { key: sample.key, url: sample.url, value };
        }
      } catch (error) {
        if (this.options.onError === "raise") throw error;
        this.skipped["unreadable shard"] = (this.skipped["unreadable shard"] ?? 0) + 1;
        this.options.warn(`skipping shard: ${(error as Error).message}`);
      }
      this.current = { ...this.current, shard: index + 1, offset: 0 };
      fruitless += 1;
      if (fruitless >= patience) throw this.noSamplesError();
    }
  }

  private textOf(field: WdsField): string | null {
    const { key, decode } = this.options;
    const { text: raw, decoder } = decodeBytes(field.value);
    if (decoder.invalid) {
      const mode = this.options.encodingErrors ?? "skip";
      const reason = `invalid ${decoder.encoding ?? "UTF-8"}`;
      if (mode === "strict")
        throw invalidEncodingError(`${field.url} ${field.key}.${key}`, decoder);
      if (mode === "skip") {
        this.count(this.badRows, reason);
        return null;
      }
      this.count(this.repaired, reason);
    }
    if (decode === "bytes" || !/(^|\.)json$/.test(key)) {
      if (raw.trim() === "") {
        this.count(this.skipped, "empty text");
        return null;
      }
      return raw;
    }
    let row: unknown;
    try {
      row = JSON.parse(raw);
    } catch {
      this.count(this.badRows, "malformed JSON");
      return null;
    }
    const picked = pickJsonText(row, null, `${field.url} ${field.key}.${key}`);
    if (picked.kind === "sample") return picked.text;
    this.count(picked.kind === "bad" ? this.badRows : this.skipped, picked.reason);
    return null;
  }

  private count(counts: Record<string, number>, reason: string): void {
    counts[reason] = (counts[reason] ?? 0) + 1;
  }

  private noSamplesError(): AiosError {
    const skipped = Object.entries({ ...this.skipped, ...this.badRows }).map(
      ([why, n]) => `${why}: ${n}`,
    );
    return new AiosError(
      "DATASET_EMPTY",
      `${this.description} gave no text sample${skipped.length > 0 ? ` (${skipped.join(", ")})` : ""}`,
      {
        hint: `check --wds-key (now "${this.options.key}"): it must name the file extension holding the text`,
      },
    );
  }
}
