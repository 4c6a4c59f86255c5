import { describe, expect, it } from "vitest";
import { persistentTracesConfigSchema } from "../../src/config/memory-config.js";
import type { AttentionEdgeSum } from "../../src/train/attention-edges.js";
import { edgesPerReplica, sampleTraces, tracesPerHead } from "../../src/train/trace-sampler.js";

const defaults = persistentTracesConfigSchema.parse({});
const edge = (layer: number, head: number, query: number, key: number, sum: number) =>
  ({ layer, head, query, key, sum }) satisfies AttentionEdgeSum;

describe("trace sampling", () => {
  it("keeps the top sparsity share of a head's causal edges, at least 1, at most the quota", () => {
    // T = 64: 2080 causal edges; 0.1 % of them rounds up to 3.
    expect(tracesPerHead(defaults, 64)).toBe(3);
    expect(tracesPerHead(defaults, 2)).toBe(1);
    expect(tracesPerHead({ ...defaults, sparsity: 0.5 }, 1024)).toBe(2048);
    expect(tracesPerHead({ ...defaults, sparsity: 0.5, quota_per_head: 100 }, 64)).toBe(100);
    expect(edgesPerReplica(defaults, 64)).toBe(6);
    expect(edgesPerReplica({ ...defaults, sparsity: 1 }, 4)).toBe(10);
  });

  it("adds up the replicas' sums, averages over the batch's rows, keeps the top per head", () => {
    const fromReplicaA = [edge(0, 0, 3, 1, 1.5), edge(0, 0, 3, 2, 0.4), edge(1, 1, 0, 0, 2)];
    const fromReplicaB = [edge(0, 0, 3, 2, 1.2), edge(0, 0, 2, 2, 0.9), edge(1, 1, 0, 0, 2)];
    const traces = sampleTraces([...fromReplicaA, ...fromReplicaB], 4, 2, 0.1);
    expect(traces).toEqual([
      { layer: 0, head: 0, queryIndex: 3, keyIndex: 2, salience: 0.4 },
      { layer: 0, head: 0, queryIndex: 3, keyIndex: 1, salience: 0.375 },
      { layer: 1, head: 1, queryIndex: 0, keyIndex: 0, salience: 1 },
    ]);
  });

  it("drops edges below the salience threshold", () => {
    const traces = sampleTraces([edge(0, 0, 5, 1, 0.3), edge(0, 0, 5, 4, 0.1)], 4, 10, 0.05);
    expect(traces.map((t) => t.keyIndex)).toEqual([1]);
  });
});
