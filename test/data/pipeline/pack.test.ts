import { describe, expect, it } from "vitest";
import { packSequences } from "../../../src/data/pipeline/pack.js";
import type { TokenizedSample } from "../../../src/data/pipeline/samples.js";
import { collect } from "../fixtures.js";

/** Samples of the given lengths from sample `from` on; sample i holds ids i*100, i*100+1, … */
async function* samplesOf(lengths: number[], from = 0): AsyncGenerator<TokenizedSample> {
  for (let i = from; i < lengths.length; i++) {
    const ids = Array.from({ length: lengths[i] ?? 0 }, (_, j) => i * 100 + j);
    yield { ids, position: { index: i + 1 } };
  }
}

const lengths = [3, 1, 12, 5, 2, 9, 4];
const stream = lengths.flatMap((length, i) => Array.from({ length }, (_, j) => i * 100 + j));

describe("packSequences", () => {
  it("cuts the token stream into full sequences whose concatenation is the stream", async () => {
    const sequences = await collect(packSequences(samplesOf(lengths), { length: 5 }));
    expect(sequences).toHaveLength(Math.floor(stream.length / 5));
    for (const sequence of sequences) expect(sequence.ids).toHaveLength(5);
    const joined = sequences.flatMap((s) => [...s.ids]);
    expect(joined).toEqual(stream.slice(0, joined.length));
  });

  it("keeps a final short remainder only when asked, and only if it predicts something", async () => {
    const sequences = await collect(
      packSequences(samplesOf(lengths), { length: 8, keepRemainder: true }),
    );
    expect(stream.length % 8).toBe(4);
    expect(sequences.at(-1)?.ids).toHaveLength(4);
    expect(sequences.flatMap((s) => [...s.ids])).toEqual(stream);
    // 36 % 5 = 1: a lone token has no label, so it is not a sequence.
    const byFive = await collect(
      packSequences(samplesOf(lengths), { length: 5, keepRemainder: true }),
    );
    expect(byFive.every((s) => s.ids.length === 5)).toBe(true);
  });

  it("resumes from every sequence's position (backend + carry) with exactly the sequences after it", async () => {
    for (const length of [2, 4, 7]) {
      const whole = await collect(packSequences(samplesOf(lengths), { length }));
      for (const [k, sequence] of whole.entries()) {
        const from = JSON.parse(JSON.stringify(sequence.position));
        const rest = await collect(
          packSequences(samplesOf(lengths, from.backend.index), { length, from }),
        );
        expect(rest.map((s) => [...s.ids])).toEqual(whole.slice(k + 1).map((s) => [...s.ids]));
      }
    }
  });

  it("carries the leftover tokens of the sample that completed the sequence", async () => {
    const [first, second] = await collect(packSequences(samplesOf([2, 9]), { length: 4 }));
    expect(first?.position).toEqual({
      backend: { index: 2 },
      carry: [102, 103, 104, 105, 106, 107, 108],
    });
    expect(second?.position).toEqual({ backend: { index: 2 }, carry: [106, 107, 108] });
  });
});

describe("packSequences with a mixture's samples", () => {
  /** The samples of `samplesOf`, sample i from source "even" or "odd". */
  async function* mixedOf(from = 0): AsyncGenerator<TokenizedSample> {
    for await (const sample of samplesOf(lengths, from)) {
      const index = sample.position.index as number;
      yield { ...sample, source: (index - 1) % 2 === 0 ? "even" : "odd" };
    }
  }
  /** What each source put into a sequence, worked out from the ids (sample i holds i*100 + j). */
  function expectedCounts(ids: Int32Array, firstOfSample: Set<number>) {
    const counts: Record<string, { samples: number; tokens: number }> = {};
    for (const id of ids) {
      const sample = Math.floor(id / 100);
      const source = sample % 2 === 0 ? "even" : "odd";
      const count = counts[source] ?? { samples: 0, tokens: 0 };
      counts[source] = count;
      count.tokens += 1;
      if (id % 100 === 0 && firstOfSample.has(sample)) count.samples += 1;
    }
    return counts;
  }

  it("says what each source put into each sequence: tokens, and samples by their first token", async () => {
    const sequences = await collect(packSequences(mixedOf(), { length: 5, keepRemainder: true }));
    const all = new Set(lengths.map((_, i) => i));
    for (const sequence of sequences)
      expect(sequence.sources).toEqual(expectedCounts(sequence.ids, all));
    const total = (source: string) =>
      sequences.reduce((sum, s) => sum + (s.sources?.[source]?.samples ?? 0), 0);
    expect(total("even") + total("odd")).toBe(lengths.length);
  });

  it("counts a checkpoint's carried tokens for their source after a resume, and the samples once", async () => {
    const straight = await collect(packSequences(mixedOf(), { length: 5 }));
    for (const [k, sequence] of straight.entries()) {
      const from = JSON.parse(JSON.stringify(sequence.position));
      const resumed = await collect(
        packSequences(mixedOf(from.backend.index), { length: 5, from }),
      );
      expect(
        resumed.map((s) => s.sources),
        `after sequence ${k}`,
      ).toEqual(straight.slice(k + 1).map((s) => s.sources));
    }
  });

  it("adds nothing for a single dataset's samples", async () => {
    const sequences = await collect(packSequences(samplesOf(lengths), { length: 5 }));
    expect(sequences.every((s) => s.sources === undefined)).toBe(true);
    expect(sequences.every((s) => !("carry_source" in s.position))).toBe(true);
  });
});
