import { beforeAll, describe, expect, it } from "vitest";
import { type Architecture, paramLayout } from "../../src/train/architecture.js";
import type { AttentionEdgeSum } from "../../src/train/attention-edges.js";
import { initialParams } from "../../src/train/init.js";
import { HrmModel, type SegmentResult } from "../../src/train/model.js";
import { initTensorflow } from "../../src/train/tf-setup.js";

const B = 3;
const T = 6;
const arch: Architecture = {
  hidden_size: 8,
  num_heads: 2,
  expansion: 2,
  h_layers: 1,
  l_layers: 2,
  h_cycles: 2,
  l_cycles: 2,
  pos_encodings: "rope",
  max_seq_len: T,
  vocab_size: 16,
  // Two segments: the bootstrap target runs the network again, off the tape; it must not capture.
  halt_max_steps: 2,
};
const ids = Int32Array.from({ length: B * (T + 1) }, (_, i) => (i * 7 + 2) % 16);

function segment(captureAttention: number): SegmentResult {
  const model = new HrmModel(arch, initialParams(paramLayout(arch), 5));
  try {
    const r = model.trainSegment({
      ids,
      reset: Array(B).fill(true),
      lastStep: Array(B).fill(false),
      globalTokens: B * T,
      globalRows: B,
      captureAttention,
    });
    return { ...r, grads: Float32Array.from(r.grads) };
  } finally {
    model.dispose();
  }
}

beforeAll(async () => {
  await initTensorflow();
});

describe("attention capture during a training segment", () => {
  it("reports nothing unless asked, and asking changes no gradient or loss", () => {
    const plain = segment(0);
    const captured = segment(T * T);
    expect(plain.attention).toEqual([]);
    expect(captured.attention.length).toBeGreaterThan(0);
    expect(captured.lmLossSum).toBe(plain.lmLossSum);
    expect(captured.grads).toEqual(plain.grads);
  });

  it("sums each query's probabilities over the rows: every block, every head, causal keys only", () => {
    const edges = segment(T * T).attention;
    // Layers in parameter order: h.blocks.0 → 0, l.blocks.0 → 1, l.blocks.1 → 2.
    expect([...new Set(edges.map((e) => e.layer))].sort()).toEqual([0, 1, 2]);
    expect([...new Set(edges.map((e) => e.head))].sort()).toEqual([0, 1]);
    const perQuery = new Map<string, number>();
    for (const e of edges) {
      expect(e.key).toBeLessThanOrEqual(e.query);
      const key = `${e.layer}/${e.head}/${e.query}`;
      perQuery.set(key, (perQuery.get(key) ?? 0) + e.sum);
    }
    // Each row's softmax over keys sums to 1, so over B rows to B, for all 3 × 2 × T queries.
    expect(perQuery.size).toBe(3 * 2 * T);
    for (const total of perQuery.values()) expect(total).toBeCloseTo(B, 4);
    // Query 0 can only attend to key 0: probability 1 in every row.
    const first = edges.find((e) => e.layer === 1 && e.head === 1 && e.query === 0);
    expect(first?.sum).toBeCloseTo(B, 5);
  });

  it("keeps the strongest edges of each head when asked for a few", () => {
    const all = segment(T * T).attention;
    const top = segment(3).attention;
    for (const layer of [0, 1, 2]) {
      for (const head of [0, 1]) {
        const ofHead = (list: AttentionEdgeSum[]) =>
          list.filter((e) => e.layer === layer && e.head === head);
        const expected = ofHead(all)
          .map((e) => e.sum)
          .sort((a, b) => b - a)
          .slice(0, 3);
        expect(ofHead(top).map((e) => e.sum)).toEqual(expected);
      }
    }
  });
});
