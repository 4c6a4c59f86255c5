import { describe, expect, it } from "vitest";
import { AiosError } from "../../../src/core/errors.js";
import { TraceEmbedder } from "../../../src/memory/cognitive/trace-embedder.js";
import type { AttentionTrace } from "../../../src/memory/cognitive/types.js";
import { cosineSimilarity } from "../../../src/memory/vector-store/exact-search.js";

const trace = (layer: number, head: number, q: number, k: number): AttentionTrace => ({
  layer,
  head,
  queryIndex: q,
  keyIndex: k,
  salience: 0.3,
  age: 5,
});

describe("TraceEmbedder", () => {
  const embedder = new TraceEmbedder(128);
  const cos = (a: AttentionTrace, b: AttentionTrace) =>
    cosineSimilarity(embedder.embed(a), embedder.embed(b));

  it("gives unit vectors of the configured dimension, the same on every call and instance", () => {
    for (const dim of [8, 9, 128, 301]) {
      const v = new TraceEmbedder(dim).embed(trace(1, 2, 30, 12));
      expect(v).toHaveLength(dim);
      expect(Math.hypot(...v)).toBeCloseTo(1, 5);
    }
    expect([...new TraceEmbedder(128).embed(trace(1, 2, 30, 12))]).toEqual([
      ...embedder.embed(trace(1, 2, 30, 12)),
    ]);
  });

  it("places traces of one head at nearby positions close together", () => {
    const base = trace(0, 1, 40, 20);
    expect(cos(base, trace(0, 1, 41, 20))).toBeGreaterThan(0.95);
    expect(cos(base, trace(0, 1, 42, 21))).toBeGreaterThan(0.9);
    // Farther positions of the same head are less similar; other heads, or layers, less still.
    const near = cos(base, trace(0, 1, 43, 22));
    const far = cos(base, trace(0, 1, 300, 5));
    expect(far).toBeLessThan(near);
    expect(cos(base, trace(0, 2, 40, 20))).toBeLessThan(far);
    expect(cos(base, trace(1, 1, 40, 20))).toBeLessThan(far);
  });

  it("finds a trace's neighbours among many by cosine: same head, nearby positions", () => {
    const all: AttentionTrace[] = [];
    for (let layer = 0; layer < 3; layer++)
      for (let head = 0; head < 4; head++)
        for (let q = 0; q < 64; q += 3)
          for (let k = 0; k <= q; k += 5) all.push(trace(layer, head, q, k));
    const query = trace(2, 3, 33, 20);
    const v = embedder.embed(query);
    const ranked = all
      .map((t) => ({ t, score: cosineSimilarity(v, embedder.embed(t)) }))
      .sort((a, b) => b.score - a.score)
      .slice(0, 10);
    for (const { t } of ranked) {
      expect([t.layer, t.head]).toEqual([2, 3]);
      expect(Math.abs(t.queryIndex - 33) + Math.abs(t.keyIndex - 20)).toBeLessThanOrEqual(12);
    }
  });

  it("refuses traces whose indices cannot name an edge, and dimensions the config forbids", () => {
    expect(() => embedder.embed(trace(-1, 0, 1, 1))).toThrow(
      /layer = -1 must be a non-negative integer/,
    );
    expect(() => embedder.embed(trace(0, 0, 1.5, 1))).toThrow(AiosError);
    expect(() => embedder.embed({ ...trace(0, 0, 1, 1), salience: Number.NaN })).toThrow(
      /salience = NaN/,
    );
    expect(() => new TraceEmbedder(4)).toThrow(/memory.persistent_traces.embedding_dim = 4/);
  });
});
