import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { openCustomBackend } from "../../src/data/custom/custom-backend.js";
import { openSequenceStream } from "../../src/data/pipeline/sequence-stream.js";
import { tokenizeSamples } from "../../src/data/pipeline/tokenize.js";
import { tokenizeInWorkers } from "../../src/data/pipeline/tokenize-pool.js";
import { openTokenizer } from "../../src/data/tokenizer/resolve-tokenizer.js";
import { loadTokenizer } from "../../src/data/tokenizer/tokenizer.js";
import { writeTokenizerFixture } from "../helpers/tokenizer-fixtures.js";
import { collect, fixtureDir } from "./fixtures.js";

const { root, write } = await fixtureDir();
const tokenizer = await loadTokenizer({ kind: "tiktoken", name: "gpt2" });
const config = { model: "gpt2", max_seq_len: 16, ascii_only: false };

const texts = Array.from({ length: 40 }, (_, i) =>
  i % 7 === 3
    ? `Long sample ${i}: ${"the quick brown fox jumps over the lazy dog ".repeat(6)}`
    : `Sample ${i} says hello.`,
);

describe("openSequenceStream", () => {
  it("yields sequences of max_seq_len + 1 ids that concatenate to the samples' tokens with EOS after each", async () => {
    const path = await write("plain.txt", texts.join("\n"));
    const backend = await openCustomBackend({ path });
    const sequences = await collect(openSequenceStream(config, backend, null, { loop: false }));
    const expected = (await tokenizer.encodeBatch(texts)).flatMap((ids) => [
      ...ids,
      tokenizer.eosId,
    ]);
    const full = sequences.slice(0, -1);
    for (const sequence of full) expect(sequence.ids).toHaveLength(17);
    expect(sequences.flatMap((s) => [...s.ids])).toEqual(expected);
    // Samples decode back, split on EOT.
    const decoded = (await tokenizer.decode(expected)).split("<|endoftext|>").slice(0, -1);
    expect(decoded).toEqual(texts);
  });

  it.each([false, true])(
    "resumes exactly: k sequences, then from the k-th position, equals an uninterrupted run (shuffle %s)",
    async (shuffle) => {
      const path = await write(`resume-${shuffle}.txt`, texts.join("\n"));
      const open = () => openCustomBackend({ path, shuffle, seed: 5 });
      // 60 sequences cross the end of the data, so resuming is checked across epochs too.
      const whole = await collect(
        openSequenceStream(config, await open(), null, { loop: true }),
        60,
      );
      for (const k of [1, 9, 23, 41, 59]) {
        const first = await collect(
          openSequenceStream(config, await open(), null, { loop: true }),
          k,
        );
        const saved = JSON.parse(JSON.stringify(first.at(-1)?.position));
        const rest = await collect(
          openSequenceStream(config, await open(), saved, { loop: true }),
          60 - k,
        );
        expect([...first, ...rest].map((s) => [...s.ids])).toEqual(whole.map((s) => [...s.ids]));
      }
    },
  );

  it("drops non-ASCII samples with --ascii-only and counts them", async () => {
    const path = await write("mixed.txt", "plain one\ncafé au lait\nplain two\nemoji 😀\n");
    const backend = await openCustomBackend({ path });
    const stream = openSequenceStream({ ...config, ascii_only: true }, backend, null, {
      loop: false,
      tokenizer,
    });
    const ids = (await collect(stream)).flatMap((s) => [...s.ids]);
    expect(await tokenizer.decode(ids)).toBe("plain one<|endoftext|>plain two<|endoftext|>");
    expect(stream.stats().droppedNonAscii).toBe(2);
    expect(stream.stats().backend.samples).toBe(4);
  });
});

describe("tokenizing in worker threads", () => {
  it("gives a tokenizer.json tokenizer's ids, EOS appended, exactly as on the main thread", async () => {
    const fixture = await writeTokenizerFixture("wordpiece", join(root, "wp"));
    const wordpiece = await openTokenizer(fixture.dir, { tokenEnv: "HF_TOKEN", cacheDir: null });
    const samples = async function* () {
      for (const [i, text] of texts.entries()) yield { text, position: { index: i } };
    };
    const inline = await collect(tokenizeSamples(samples(), wordpiece));
    const workers = await collect(
      tokenizeInWorkers(samples(), { tokenizer: wordpiece.spec, workers: 2, batchSize: 7 }),
    );
    expect(workers.map((s) => Array.from(s.ids))).toEqual(inline.map((s) => Array.from(s.ids)));
    expect(inline.every((s) => s.ids[s.ids.length - 1] === fixture.eosId)).toBe(true);
    expect(workers.map((s) => s.position)).toEqual(inline.map((s) => s.position));
  });
});
