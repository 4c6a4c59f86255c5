/**
 * Brute-force cosine search: the ground truth that tests and benchmarks hold every driver's
 * answers (and its ANN index's recall) against.
 */
export function cosineSimilarity(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let dot = 0;
  let na = 0;
  let nb = 0;
  for (let i = 0; i < a.length; i++) {
    const x = a[i] ?? 0;
    const y = b[i] ?? 0;
    dot += x * y;
    na += x * x;
    nb += y * y;
  }
  return dot / Math.sqrt(na * nb);
}

export interface ExactHit {
  readonly index: number;
  readonly score: number;
}

/**
 * The `k` most similar of `vectors` to `query`, best first (ties by lower index). Vectors are
 * normalised once into `ExactIndex` so repeated queries cost one dot product per vector.
 */
export class ExactIndex {
  readonly #unit: Float32Array;
  readonly #dimension: number;
  readonly size: number;

  constructor(vectors: readonly ArrayLike<number>[], dimension: number) {
    this.#dimension = dimension;
    this.size = vectors.length;
    this.#unit = new Float32Array(vectors.length * dimension);
    vectors.forEach((vector, row) => {
      let norm = 0;
      for (let i = 0; i < dimension; i++) norm += (vector[i] ?? 0) ** 2;
      const scale = 1 / Math.sqrt(norm);
      for (let i = 0; i < dimension; i++)
        this.#unit[row * dimension + i] = (vector[i] ?? 0) * scale;
    });
  }

  topK(query: ArrayLike<number>, k: number): ExactHit[] {
    const d = this.#dimension;
    let qn = 0;
    for (let i = 0; i < d; i++) qn += (query[i] ?? 0) ** 2;
    const q = Float32Array.from({ length: d }, (_, i) => (query[i] ?? 0) / Math.sqrt(qn));
    // A sorted list of the best k so far: k is small, so insertion beats a heap in practice.
    const best: ExactHit[] = [];
    for (let row = 0; row < this.size; row++) {
      let dot = 0;
      const base = row * d;
      for (let i = 0; i < d; i++) dot += (q[i] as number) * (this.#unit[base + i] as number);
      if (best.length === k && dot <= (best[k - 1] as ExactHit).score) continue;
      let at = best.length;
      while (at > 0 && (best[at - 1] as ExactHit).score < dot) at--;
      best.splice(at, 0, { index: row, score: dot });
      if (best.length > k) best.pop();
    }
    return best;
  }
}
