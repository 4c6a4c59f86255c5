import { Prng, type PrngState } from "../../core/prng.js";

/**
 * Which source of a mixture gives the next sample. Its whole state is JSON (`state()`), so a
 * checkpoint holds it and a resumed run draws what the uninterrupted run would have drawn.
 */
export interface SourceSampler {
  /** The index of the next source, in [0, sources). */
  next(): number;
  state(): SamplerState;
}

/**
 * Round robin: the index of the next source to visit. Weighted: the PRNG's four uint32 words
 * (xoshiro128**, src/core/prng.ts).
 */
export type SamplerState =
  | { readonly kind: "round_robin"; readonly next: number }
  | { readonly kind: "weighted"; readonly prng: PrngState };

/**
 * Sources 0, 1, …, n-1, 0, 1, …: `interleave_datasets(probabilities=None)` without a seed
 * (datasets' `CyclingMultiSourcesExamplesIterable`).
 */
export class RoundRobinSampler implements SourceSampler {
  private index: number;
  constructor(
    private readonly sources: number,
    from = 0,
  ) {
    this.index = from;
  }

  next(): number {
    const picked = this.index;
    this.index = (this.index + 1) % this.sources;
    return picked;
  }

  state(): SamplerState {
    return { kind: "round_robin", next: this.index };
  }
}

/**
 * Source i with probability weights[i] / sum(weights), independently each draw (datasets'
 * `RandomlyCyclingMultiSourcesExamplesIterable`, drawing from aios's seeded PRNG rather than
 * NumPy's, so the same weights give the same proportions, not the same sequence).
 */
export class WeightedSampler implements SourceSampler {
  /** Cumulative probabilities; the last is exactly 1, so every uniform draw lands somewhere. */
  private readonly cumulative: Float64Array;
  private readonly prng: Prng;

  /**
   * @param weights positive finite numbers, any scale (the config checks them).
   * @param from the PRNG state (a checkpoint's), or a seed.
   */
  constructor(weights: readonly number[], from: number | PrngState) {
    const total = weights.reduce((a, b) => a + b, 0);
    this.cumulative = new Float64Array(weights.length);
    let sum = 0;
    for (const [i, weight] of weights.entries()) {
      sum += weight;
      this.cumulative[i] = i === weights.length - 1 ? 1 : sum / total;
    }
    this.prng = new Prng(from);
  }

  next(): number {
    const u = this.prng.uniform();
    for (let i = 0; i < this.cumulative.length; i++) {
      if (u < (this.cumulative[i] as number)) return i;
    }
    return this.cumulative.length - 1;
  }

  state(): SamplerState {
    return { kind: "weighted", prng: this.prng.state() };
  }
}
