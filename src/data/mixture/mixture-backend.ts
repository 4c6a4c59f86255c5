import { AiosError } from "../../core/errors.js";
import { notAPosition } from "../position.js";
import type { BackendPosition, BackendStats, DatasetBackend, IterTextOptions } from "../types.js";
import {
  type MixtureIdentity,
  type MixturePosition,
  mixturePositionJson,
  parseMixturePosition,
} from "./mixture-position.js";
import {
  RoundRobinSampler,
  type SamplerState,
  type SourceSampler,
  WeightedSampler,
} from "./sampler.js";
import { addStats, SourceCursor } from "./source-cursor.js";

/** `--mix-stopping-strategy`: datasets' three `stopping_strategy` values, and `endless`. */
export type StoppingStrategy =
  | "endless"
  | "first_exhausted"
  | "all_exhausted"
  | "all_exhausted_without_replacement";

export interface MixtureSource {
  /** What metrics and previews call it: unique within the mixture. */
  readonly name: string;
  /** Relative weight; null in every source means round robin. */
  readonly weight: number | null;
  readonly backend: DatasetBackend;
}

export interface MixtureOptions {
  readonly sources: readonly MixtureSource[];
  readonly strategy: StoppingStrategy;
  /** Seeds the weighted sampler (`--seed`). */
  readonly seed: number;
}

/** Keeps the sampler's PRNG apart from the other streams `--seed` seeds. */
const SAMPLER_SEED_SALT = 0x6d697821;

/**
 * Several dataset backends read as one stream, as `datasets.interleave_datasets` does: each
 * sample comes from a source the sampler picks (by weight from a seeded PRNG, else round robin),
 * until the stopping strategy says the mixture has ended:
 * - `first_exhausted`: when any source has run out;
 * - `all_exhausted`: when every source has run out at least once; a source that runs out
 *   starts again from its beginning meanwhile (oversampling);
 * - `all_exhausted_without_replacement`: the same, but a source that ran out is skipped;
 * - `endless`: never; each source starts its own next epoch when it runs out (training).
 * With `loop` a finite mixture starts a new pass, every source from its beginning.
 *
 * The position holds the sampler's state, each source's position and the exhausted flags, so a
 * resumed iteration continues exactly as an uninterrupted one.
 */
export class MixtureBackend implements DatasetBackend {
  readonly kind = "mixture" as const;
  readonly description: string;
  private readonly identity: MixtureIdentity;
  private readonly cursors: SourceCursor[];

  private sampler: SourceSampler;
  private positions: (BackendPosition | null)[];
  private exhausted: boolean[];
  private pass = 0;
  private yielded = 0;
  private last: string | null = null;

  constructor(private readonly options: MixtureOptions) {
    const { sources, strategy } = options;
    if (sources.length === 0) {
      throw new AiosError("CONFIG_INVALID", "the dataset mixture names no source", {
        hint: 'pass --dataset-mix "URI=WEIGHT,URI=WEIGHT"',
      });
    }
    this.identity = {
      sources: sources.map((s) => s.name),
      weights: sources.map((s) => s.weight),
      strategy,
    };
    this.cursors = sources.map(
      (s, i) =>
        new SourceCursor(
          s.name,
          s.backend,
          strategy !== "endless",
          `mixture source ${i + 1} (${s.name})`,
        ),
    );
    this.description = `mixture (${strategy}${this.weighted ? "" : ", round robin"}): ${sources
      .map((s) => `${s.backend.description}${s.weight === null ? "" : ` ×${s.weight}`}`)
      .join(" + ")}`;
    this.sampler = this.newSampler(null);
    this.positions = sources.map(() => null);
    this.exhausted = sources.map(() => false);
  }

  iterText(options: IterTextOptions = {}): AsyncIterable<string> {
    const from =
      options.from === undefined
        ? null
        : parseMixturePosition(options.from, this.identity, this.description);
    if (from !== null && (from.sampler.kind === "weighted") !== this.weighted)
      throw notAPosition(options.from as BackendPosition, this.description);
    // Reset now, not on the first next(): position() must describe this iteration at once.
    this.sampler = this.newSampler(from?.sampler ?? null);
    this.positions = from === null ? this.positions.map(() => null) : [...from.positions];
    this.exhausted = from === null ? this.exhausted.map(() => false) : [...from.exhausted];
    this.pass = from?.pass ?? 0;
    this.yielded = 0;
    this.last = null;
    return this.run(options.loop ?? false);
  }

  position(): BackendPosition {
    const position: MixturePosition = {
      ...this.identity,
      sampler: this.sampler.state(),
      positions: [...this.positions],
      exhausted: [...this.exhausted],
      pass: this.pass,
    };
    return mixturePositionJson(position);
  }

  /** Samples the mixture yielded; bad, skipped and repaired rows of all sources added up. */
  stats(): BackendStats {
    const sum = this.cursors.reduce<BackendStats>(
      (total, cursor) => addStats(total, cursor.stats()),
      {
        samples: 0,
        badRows: {},
        skipped: {},
        repaired: {},
      },
    );
    return { ...sum, samples: this.yielded };
  }

  lastSource(): string | null {
    return this.last;
  }

  async close(): Promise<void> {
    for (const cursor of this.cursors) await cursor.close();
    for (const source of this.options.sources) await source.backend.close?.();
  }

  private get weighted(): boolean {
    return this.options.sources[0]?.weight !== null;
  }

  private newSampler(state: SamplerState | null): SourceSampler {
    const { sources, seed } = this.options;
    if (!this.weighted)
      return new RoundRobinSampler(sources.length, state?.kind === "round_robin" ? state.next : 0);
    return new WeightedSampler(
      sources.map((s) => s.weight as number),
      state?.kind === "weighted" ? state.prng : (seed ^ SAMPLER_SEED_SALT) >>> 0,
    );
  }

  private stopped(): boolean {
    switch (this.options.strategy) {
      case "endless":
        return false;
      case "first_exhausted":
        return this.exhausted.some(Boolean);
      default:
        return this.exhausted.every(Boolean);
    }
  }

  private async *run(loop: boolean): AsyncGenerator<string> {
    const { strategy } = this.options;
    const cursors = this.cursors;
    for (const [i, cursor] of cursors.entries()) await cursor.open(this.positions[i] ?? null);
    /** Passes begun without a sample since: two in a row means every source is empty. */
    let emptyPasses = 0;
    try {
      for (;;) {
        if (this.stopped()) {
          if (!loop) return;
          if (++emptyPasses > 1) {
            throw new AiosError(
              "DATASET_EMPTY",
              `${this.description}: no source yielded a sample`,
              {
                hint: "check each source alone with aios data preview --dataset-file URI",
              },
            );
          }
          this.pass += 1;
          // Round robin begins each pass at source 0, as the first; a PRNG draws on.
          if (!this.weighted) this.sampler = this.newSampler(null);
          this.positions = this.positions.map(() => null);
          this.exhausted = this.exhausted.map(() => false);
          for (const cursor of cursors) await cursor.open(null);
          continue;
        }
        const i = this.sampler.next();
        if (this.exhausted[i] && strategy === "all_exhausted_without_replacement") continue;
        const cursor = cursors[i] as SourceCursor;
        const taken = await cursor.take();
        if (taken.sample !== null) this.positions[i] = taken.sample.position;
        if (taken.ended) {
          this.exhausted[i] = true;
          if (strategy !== "all_exhausted_without_replacement") {
            // Starts again from its beginning in case the mixture goes on (datasets does the same).
            this.positions[i] = null;
            await cursor.open(null);
          }
        }
        if (taken.sample === null) continue;
        emptyPasses = 0;
        this.yielded += 1;
        this.last = cursor.name;
        yield taken.sample.text;
      }
    } finally {
      for (const cursor of cursors) await cursor.close();
    }
  }
}
