import { Prng } from "../../core/prng.js";

/**
 * Seeded test and benchmark vectors. Uniform (isotropic Gaussian) vectors have no structure and
 * are the worst case for every ANN index; real embeddings form clusters, which `clustered`
 * imitates: Gaussian blobs around random unit centres.
 */
export function randomVectors(count: number, dimension: number, seed: number): Float32Array[] {
  const prng = new Prng(seed);
  return Array.from({ length: count }, () => gaussian(prng, dimension));
}

export interface ClusterOptions {
  readonly clusters: number;
  /** Spread of each blob, per component, relative to unit-length centres (0.35 ≈ real embeddings). */
  readonly sigma: number;
}

/** A generator, so a million vectors need not be held twice; `seed` fixes the centres and draws. */
export class ClusteredVectors {
  readonly #prng: Prng;
  readonly #centres: Float32Array[];
  readonly #noise: number;

  constructor(dimension: number, options: ClusterOptions, seed: number) {
    this.#prng = new Prng(seed);
    this.#centres = Array.from({ length: options.clusters }, () =>
      normalize(gaussian(this.#prng, dimension)),
    );
    // Per-component noise so that the blob's radius is `sigma` whatever the dimension.
    this.#noise = options.sigma / Math.sqrt(dimension);
  }

  next(): Float32Array {
    const centre = this.#centres[Math.floor(this.#prng.uniform() * this.#centres.length)];
    if (centre === undefined) throw new Error("no clusters");
    const out = new Float32Array(centre.length);
    for (let i = 0; i < out.length; i++)
      out[i] = (centre[i] ?? 0) + this.#noise * this.#prng.normal();
    return out;
  }

  take(count: number): Float32Array[] {
    return Array.from({ length: count }, () => this.next());
  }
}

function gaussian(prng: Prng, dimension: number): Float32Array {
  const out = new Float32Array(dimension);
  for (let i = 0; i < dimension; i++) out[i] = prng.normal();
  return out;
}

function normalize(vector: Float32Array): Float32Array {
  let norm = 0;
  for (const x of vector) norm += x * x;
  const scale = 1 / Math.sqrt(norm);
  return vector.map((x) => x * scale);
}
