/**
 * aios's own o200k encoder: its scanner gives exactly the pieces of tiktoken's pattern, and its
 * ids are gpt-tokenizer's wherever gpt-tokenizer's copy of the pattern agrees with tiktoken's
 * (all text but three characters), on random text of many scripts and on every line of
 * WikiText-2's test split and tiny Shakespeare. Python's tiktoken judges the same encoder on
 * the same kinds of text in tokenizer-interop.test.ts.
 */
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import fc from "fast-check";
import o200kRanks from "gpt-tokenizer/bpeRanks/o200k_base";
import { encode } from "gpt-tokenizer/encoding/o200k_base";
import { describe, expect, it } from "vitest";
import { o200kEncoder } from "../../../src/data/tokenizer/o200k-encode.js";
import {
  asciiPieceEnd,
  O200K_PATTERN,
  o200kPieces,
} from "../../../src/data/tokenizer/o200k-split.js";
import { splitText } from "../../helpers/split-text.js";
import { SHARED_DATASETS } from "../fixtures.js";

const SEED = Number(process.env.AIOS_FUZZ_SEED ?? 17);
const SCALE = Number(process.env.AIOS_FUZZ_RUNS ?? 1);

/** Where gpt-tokenizer's o200k regex differs from tiktoken's (see o200k-split.ts). */
const LIBRARY_DIFFERS = "\u0085\ufeff\u017f";

const noSpecial = { disallowedSpecial: new Set<string>() };
const libraryIds = (text: string) => encode(text, noSpecial);
const aiosIds = o200kEncoder(o200kRanks);

const pieces = (text: string) => o200kPieces(text).map(([start, end]) => text.slice(start, end));
const regexPieces = (text: string) => text.match(O200K_PATTERN) ?? [];

const corpus = async () =>
  [
    ...(await readFile(join(SHARED_DATASETS, "wikitext-2-v1", "test.txt"), "utf8")).split("\n"),
    ...(await readFile(join(SHARED_DATASETS, "tinyshakespeare", "input.txt"), "utf8")).split("\n"),
  ].filter((line) => line !== "");

describe("o200k split and encoder", () => {
  it("split random text of many scripts into the pattern's pieces", () => {
    fc.assert(
      fc.property(splitText({ loneSurrogates: true }), (text) => {
        expect(pieces(text)).toEqual(regexPieces(text));
      }),
      { seed: SEED, numRuns: 20_000 * SCALE },
    );
  });

  it("encode random text to gpt-tokenizer's ids where its pattern agrees", () => {
    fc.assert(
      fc.property(splitText({ loneSurrogates: true, without: LIBRARY_DIFFERS }), (text) => {
        expect(aiosIds(text)).toEqual(libraryIds(text));
      }),
      { seed: SEED, numRuns: 5_000 * SCALE },
    );
  });

  it("split and encode every WikiText-2 test line and tiny Shakespeare line", async () => {
    const lines = await corpus();
    expect(lines.length).toBeGreaterThan(35_000);
    const wrong = lines.filter(
      (line) =>
        JSON.stringify(pieces(line)) !== JSON.stringify(regexPieces(line)) ||
        JSON.stringify(aiosIds(line)) !== JSON.stringify(libraryIds(line)),
    );
    expect(wrong.slice(0, 3)).toEqual([]);
  });

  it("split as tiktoken where JavaScript's \\s or case folding differs from Rust's", () => {
    // U+0085 is White_Space (JavaScript's \s lacks it), U+FEFF is not (JavaScript's \s has it),
    // and `ſ` folds to `s`, so `'ſ` is a contraction (what Python tiktoken gives).
    expect(pieces("a\u0085\u0085b")).toEqual(["a", "\u0085", "\u0085b"]);
    expect(pieces("a \ufeffb")).toEqual(["a", " \ufeff", "b"]);
    expect(pieces("dog'\u017f x")).toEqual(["dog'\u017f", " x"]);
  });

  it("decide every piece of ASCII text without the regex", () => {
    const ascii = fc.string({
      unit: fc.integer({ min: 0, max: 127 }).map((code) => String.fromCharCode(code)),
    });
    fc.assert(
      fc.property(ascii, (text) => {
        for (let start = 0; start < text.length; ) {
          const end = asciiPieceEnd(text, start);
          expect(end).toBeGreaterThan(start);
          start = end;
        }
      }),
      { seed: SEED, numRuns: 5_000 * SCALE },
    );
  });

  it("merge pieces that are no token as tiktoken does", () => {
    // Words with no token of their own, a long run of one symbol, spaces before a word, and
    // the same outside ASCII.
    for (const text of [
      "Zyzzyvaxylophonequark",
      "=".repeat(300),
      "  \t  Honorificabilitudinitatibus's",
      " Überschallgeschwindigkeitsflugzeug",
      "—".repeat(50),
    ]) {
      expect(aiosIds(text)).toEqual(libraryIds(text));
      expect(aiosIds(text).length).toBeGreaterThan(1);
    }
  });
});
