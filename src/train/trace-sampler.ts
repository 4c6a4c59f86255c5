import type { MemoryConfig } from "../config/memory-config.js";
import type { AttentionEdgeSum } from "./attention-edges.js";

type TraceSettings = MemoryConfig["persistent_traces"];

/** An edge picked for persistence, before it gets an age. */
export interface SampledEdge {
  readonly layer: number;
  readonly head: number;
  readonly queryIndex: number;
  readonly keyIndex: number;
  /** Mean attention probability over the batch. */
  readonly salience: number;
}

/**
 * Traces kept per head at a sync: the top `sparsity` of the head's causal edges
 * (T·(T+1)/2 of them), at least one, at most `quota_per_head`.
 */
export function tracesPerHead(settings: TraceSettings, seqLen: number): number {
  const edges = (seqLen * (seqLen + 1)) / 2;
  return Math.min(settings.quota_per_head, Math.max(1, Math.ceil(settings.sparsity * edges)));
}

/**
 * Edges each replica reports per head: twice what is kept, because a replica sees only its
 * rows. An edge strong in the batch but just outside one replica's list counts 0 for those
 * rows, which can only lower its salience; the margin makes that rare.
 */
export function edgesPerReplica(settings: TraceSettings, seqLen: number): number {
  return Math.min(2 * tracesPerHead(settings, seqLen), (seqLen * (seqLen + 1)) / 2);
}

/**
 * The replicas' edge sums → per head, the `perHead` edges with the highest mean probability
 * over the batch's `rows`, those below `threshold` dropped. Ordered by layer, head, then
 * salience (highest first).
 */
export function sampleTraces(
  edges: readonly AttentionEdgeSum[],
  rows: number,
  perHead: number,
  threshold: number,
): SampledEdge[] {
  const byHead = new Map<string, Map<number, { edge: AttentionEdgeSum; sum: number }>>();
  let seqLen = 1;
  for (const edge of edges) seqLen = Math.max(seqLen, edge.query + 1, edge.key + 1);
  for (const edge of edges) {
    const headKey = `${edge.layer}/${edge.head}`;
    let head = byHead.get(headKey);
    if (head === undefined) {
      head = new Map();
      byHead.set(headKey, head);
    }
    const position = edge.query * seqLen + edge.key;
    const seen = head.get(position);
    if (seen === undefined) head.set(position, { edge, sum: edge.sum });
    else seen.sum += edge.sum;
  }
  const sampled: SampledEdge[] = [];
  for (const head of byHead.values()) {
    const top = [...head.values()]
      .map(({ edge, sum }) => ({ edge, salience: sum / rows }))
      .filter(({ salience }) => salience >= threshold)
      .sort((a, b) => b.salience - a.salience)
      .slice(0, perHead);
    for (const { edge, salience } of top) {
      sampled.push({
        layer: edge.layer,
        head: edge.head,
        queryIndex: edge.query,
        keyIndex: edge.key,
        salience,
      });
    }
  }
  return sampled.sort((a, b) => a.layer - b.layer || a.head - b.head || b.salience - a.salience);
}
