import * as tf from "@tensorflow/tfjs-core";

/**
 * One attention edge as a replica reports it: the attention probability of query position
 * `query` on key position `key`, summed over the replica's rows (the trainer divides by the
 * batch's rows to get the mean, the trace's salience).
 */
export interface AttentionEdgeSum {
  /** Block index in parameter order: H blocks 0..h_layers-1, then L blocks. */
  readonly layer: number;
  readonly head: number;
  readonly query: number;
  readonly key: number;
  readonly sum: number;
}

/**
 * The `perHead` strongest edges of each head of one attention layer, from its probabilities
 * `[rows * heads, T, T]` (row-major by row, then head). Summing over rows and taking the top-k
 * happen in the engine, so only `heads * perHead` numbers are read back, whatever T is. Masked
 * (future) positions have probability 0 and are never reported.
 */
export function topAttentionEdges(
  probs: tf.Tensor,
  rows: number,
  heads: number,
  perHead: number,
  layer: number,
): AttentionEdgeSum[] {
  const T = probs.shape[2] as number;
  const k = Math.min(perHead, T * T);
  const [values, indices] = tf.tidy(() => {
    const summed = tf.reshape(tf.sum(tf.reshape(probs, [rows, heads * T * T]), 0), [heads, T * T]);
    const top = tf.topk(summed, k, true);
    return [top.values, top.indices];
  });
  const sums = values.dataSync();
  const flat = indices.dataSync();
  values.dispose();
  indices.dispose();
  const edges: AttentionEdgeSum[] = [];
  for (let head = 0; head < heads; head++) {
    for (let i = 0; i < k; i++) {
      const sum = sums[head * k + i] as number;
      if (!(sum > 0)) continue;
      const index = flat[head * k + i] as number;
      edges.push({ layer, head, query: Math.floor(index / T), key: index % T, sum });
    }
  }
  return edges;
}
