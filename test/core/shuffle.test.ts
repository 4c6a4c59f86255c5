import { describe, expect, it } from "vitest";
import { epochPermutation } from "../../src/core/shuffle.js";
import { TextStore } from "../../src/data/custom/text-store.js";

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

  it("gives independent orders per stream, stream 0 being the order without one", () => {
    expect(epochPermutation(500, 42, 3, 0)).toEqual(epochPermutation(500, 42, 3));
    const streams = [1, 2, 3].map((stream) => epochPermutation(500, 42, 3, stream));
    expect(streams[0]).not.toEqual(epochPermutation(500, 42, 3));
    expect(streams[1]).not.toEqual(streams[0]);
    expect(streams[2]).not.toEqual(streams[1]);
  });

  it("handles 0 and 1 samples", () => {
    expect(epochPermutation(0, 0, 0)).toEqual(new Uint32Array(0));
    expect(epochPermutation(1, 0, 0)).toEqual(new Uint32Array([0]));
  });
});

describe("TextStore", () => {
  it("returns what was added, including multi-byte text and samples larger than a chunk", () => {
    const store = new TextStore();
    const big = "ü".repeat(5 * 1024 * 1024);
    const texts = [
      "a",
      "héllo 😀",
      big,
      "",
      "after big",
      ...Array.from({ length: 3000 }, (_, i) => `s${i}`),
    ];
    for (const text of texts) store.add(text);
    expect(store.size).toBe(texts.length);
    texts.forEach((text, i) => {
      expect(store.get(i)).toBe(text);
    });
    expect(() => store.get(texts.length)).toThrow(RangeError);
  });
});
