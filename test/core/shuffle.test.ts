import { describe, expect, it } from "vitest";
import { epochPermutation } from "../../src/core/shuffle.js";

describe("epochPermutation", () => {
  it("is a permutation, fixed by (seed, epoch)", () => {
    const order = epochPermutation(1000, 42, 0);
    expect([...order].sort((a, b) => a - b)).toEqual(Array.from({ length: 1000 }, (_, i) => i));
    expect(epochPermutation(1000, 42, 0)).toEqual(order);
    expect(epochPermutation(1000, 42, 1)).not.toEqual(order);
    expect(epochPermutation(1000, 43, 0)).not.toEqual(order);
    // Mixed, not added: seed 1 epoch 0 differs from seed 0 epoch 1.
    expect(epochPermutation(100, 1, 0)).not.toEqual(epochPermutation(100, 0, 1));
  });

  it("handles 0 and 1 samples", () => {
    expect(epochPermutation(0, 0, 0)).toEqual(new Uint32Array(0));
    expect(epochPermutation(1, 0, 0)).toEqual(new Uint32Array([0]));
  });
});
