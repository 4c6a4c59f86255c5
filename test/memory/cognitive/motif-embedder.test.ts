import { describe, expect, it } from "vitest";
import { MotifEmbedder } from "../../../src/memory/cognitive/motif-embedder.js";
import { cosineSimilarity } from "../../../src/memory/vector-store/exact-search.js";

describe("MotifEmbedder", () => {
  const embedder = new MotifEmbedder(256);
  const cos = (a: number[], b: number[]) => cosineSimilarity(embedder.embed(a), embedder.embed(b));
  const base = [2, 7, 3, 1, 9, 4, 6, 0];

  it("gives unit vectors of the configured dimension, the same every time", () => {
    const v = embedder.embed(base);
    expect(v).toHaveLength(256);
    expect(Math.hypot(...v)).toBeCloseTo(1, 5);
    expect([...new MotifEmbedder(256).embed(base)]).toEqual([...v]);
    expect(new MotifEmbedder(64).embed([5])).toHaveLength(64);
  });

  it("puts motifs that share most of their sequence above cosine 0.8", () => {
    const variants = [
      [2, 7, 3, 1, 9, 4, 6, 5], // last expert changed
      [2, 7, 3, 8, 9, 4, 6, 0], // one in the middle changed
      [2, 7, 3, 1, 11, 9, 4, 6, 0], // one inserted
      [2, 7, 3, 1, 4, 6, 0], // one dropped
      [2, 7, 3, 1, 9, 4, 6, 0, 2], // one appended
    ];
    for (const variant of variants) expect(cos(base, variant)).toBeGreaterThan(0.8);
  });

  it("is order-aware: the same experts in another order score far lower", () => {
    const reversed = [...base].reverse();
    const shuffled = [4, 0, 7, 9, 2, 6, 1, 3];
    expect(cos(base, reversed)).toBeLessThan(0.8);
    expect(cos(base, shuffled)).toBeLessThan(0.8);
    expect(cos(base, reversed)).toBeLessThan(cos(base, [2, 7, 3, 8, 9, 4, 6, 0]) - 0.1);
    expect(cos([1, 2], [2, 1])).toBeLessThan(0.8);
    expect(cos(base, [10, 11, 12, 13, 14, 15, 16, 17])).toBeLessThan(0.3);
    expect(cos([1, 1, 2], [1, 2, 2])).toBeLessThan(0.9);
  });

  it("refuses sequences that are not lists of expert indices", () => {
    expect(() => embedder.embed([])).toThrow(/expert sequence is empty/);
    expect(() => embedder.embed([1, -2])).toThrow(/sequence\[1\] = -2/);
    expect(() => embedder.embed([1, 2.5])).toThrow(/sequence\[1\] = 2.5/);
  });
});
