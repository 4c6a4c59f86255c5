import { AiosError } from "../../errors.js";
import { pickJsonText } from "../custom/pick-text.js";
import { epochPermutation, sfc32 } from "../shuffle.js";
import type { BackendPosition, BackendStats, DatasetBackend, IterTextOptions } from "../types.js";
import { type OpenShardOptions, openShard } from "./open-shard.js";
import { parseWdsPosition, type WdsPosition } from "./position.js";
import type { ShardSource } from "./shard-list.js";
import { shuffleBuffer } from "./shuffle-buffer.js";
import { samplesOfShard, type WdsSample } from "./tar-samples.js";

export interface WebDatasetOptions {
  readonly pattern: string;
  readonly shards: readonly ShardSource[];
  /** Field (file extension) holding the text: `txt`, `json`, ... */
  readonly key: string;
  readonly decode: "text" | "bytes";
  /** Sample shuffle buffer size; 0 keeps shard order and file order. Non-zero also shuffles shards. */
  readonly shuffle: number;
  readonly resampled: boolean;
  readonly seed: number;
  readonly rank: number;
  readonly worldSize: number;
  readonly onError: "raise" | "skip";
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
  private readonly skippedShards: string[] = [];

  constructor(private readonly options: WebDatasetOptions) {
    this.description = `webdataset: ${options.pattern} (${options.shards.length} shards)`;
    if (options.rank >= options.worldSize) {
      throw new AiosError(
        "CONFIG_INVALID",
        `--wds-rank ${options.rank} is not below --wds-world-size ${options.worldSize}`,
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
    };
  }

  /** Shards skipped under `--wds-on-error skip`, by URL. */
  unreadableShards(): readonly string[] {
    return this.skippedShards;
  }

  async *iterText(options: IterTextOptions = {}): AsyncGenerator<string> {
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
      let texts = this.epochTexts(epoch, start);
      if (this.options.shuffle > 0) {
        texts = shuffleBuffer(
          texts,
          this.options.shuffle,
          sfc32(this.options.seed ^ BUFFER_STREAM, epoch),
        );
      }
      for await (const text of texts) {
        produced += 1;
        this.current = { ...this.current, yielded: this.current.yielded + 1 };
        if (replay > 0) {
          replay -= 1;
          continue;
        }
        this.samples += 1;
        yield text;
      }
      // An epoch without one text would loop forever; a resumed epoch may just have been at its end.
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

  /** Texts of the epoch from shard `start.shard`, skipping `start.offset` samples there. */
  private async *epochTexts(
    epoch: number,
    start: { shard: number; offset: number },
  ): AsyncGenerator<string> {
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
        for await (const sample of samplesOfShard(stream, source.url)) {
          offset += 1;
          if (offset <= skip) continue;
          this.current = { ...this.current, shard: index, offset };
          const text = this.textOf(sample);
          if (text === null) continue;
          fruitless = -1;
          yield text;
        }
      } catch (error) {
        if (this.options.onError === "raise") throw error;
        this.skippedShards.push(source.url);
        this.skipped["unreadable shard"] = (this.skipped["unreadable shard"] ?? 0) + 1;
        this.options.warn(`skipping shard: ${(error as Error).message}`);
      }
      this.current = { ...this.current, shard: index + 1, offset: 0 };
      fruitless += 1;
      if (fruitless >= patience) throw this.noSamplesError();
    }
  }

  private textOf(sample: WdsSample): string | null {
    const { key, decode } = this.options;
    const field = sample.fields.get(key);
    if (field === undefined) {
      this.count(this.skipped, `no .${key} field`);
      return null;
    }
    const raw = field.toString("utf8");
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
    const picked = pickJsonText(row, null, `${sample.url} ${sample.key}.${key}`);
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
