/**
 * aios's own tiktoken encoders (r50k, cl100k, o200k splits): each scanner gives exactly the
 * pieces of its tiktoken pattern, and the ids are gpt-tokenizer's wherever gpt-tokenizer's copy
 * of the pattern agrees with tiktoken's (all text but three characters), on random text of many
 * scripts and on every line of WikiText-2's test split and tiny Shakespeare. Python's tiktoken
 * judges the same encoders on the same kinds of text in tokenizer-interop.test.ts.
 */
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import fc from "fast-check";
import cl100kRanks from "gpt-tokenizer/bpeRanks/cl100k_base";
import o200kRanks from "gpt-tokenizer/bpeRanks/o200k_base";
import r50kRanks from "gpt-tokenizer/bpeRanks/r50k_base";
import { encode as cl100kEncode } from "gpt-tokenizer/encoding/cl100k_base";
import { encode as o200kEncode } from "gpt-tokenizer/encoding/o200k_base";
import { encode as r50kEncode } from "gpt-tokenizer/encoding/r50k_base";
import { beforeAll, describe, expect, it } from "vitest";
import { CL100K_SPLIT } from "../../../src/data/tokenizer/cl100k-split.js";
import { O200K_SPLIT } from "../../../src/data/tokenizer/o200k-split.js";
import { R50K_SPLIT } from "../../../src/data/tokenizer/r50k-split.js";
import { tiktokenEncoder } from "../../../src/data/tokenizer/tiktoken-encode.js";
import { splitPieces, type TiktokenSplit } from "../../../src/data/tokenizer/tiktoken-split.js";
import { splitText } from "../../helpers/split-text.js";
import { SHARED_DATASETS } from "../fixtures.js";

const SEED = Number(process.env.AIOS_FUZZ_SEED ?? 17);
const SCALE = Number(process.env.AIOS_FUZZ_RUNS ?? 1);

/** Where gpt-tokenizer's patterns differ from tiktoken's (see split-patterns.ts). */
const LIBRARY_DIFFERS = "\u0085\ufeff\u017f";

const noSpecial = { disallowedSpecial: new Set<string>() };

type Ranks = readonly (string | readonly number[] | undefined)[];
const ENCODERS: ReadonlyArray<
  [name: string, split: TiktokenSplit, ranks: Ranks, library: typeof r50kEncode]
> = [
  ["r50k", R50K_SPLIT, r50kRanks, r50kEncode],
  ["cl100k", CL100K_SPLIT, cl100kRanks, cl100kEncode],
  ["o200k", O200K_SPLIT, o200kRanks, o200kEncode],
];

/**
 * Pieces where JavaScript's `\s` or case folding differs from Rust's: U+0085 is White_Space
 * (JavaScript's `\s` lacks it), U+FEFF is not (JavaScript's `\s` has it), and `ſ` folds to `s`
 * where the contractions ignore case (cl100k, o200k), so `'ſ` is a contraction there.
 */
const RUST_RULES: Readonly<Record<string, ReadonlyArray<[string, string[]]>>> = {
  r50k: [
    ["a\u0085\u0085b", ["a", "\u0085", "\u0085", "b"]],
    ["a \ufeffb", ["a", " \ufeff", "b"]],
    ["dog'\u017f x", ["dog", "'", "\u017f", " x"]],
    ["dog'S x", ["dog", "'", "S", " x"]],
  ],
  cl100k: [
    ["a\u0085\u0085b", ["a", "\u0085", "\u0085b"]],
    ["a \ufeffb", ["a", " \ufeff", "b"]],
    ["dog'\u017f x", ["dog", "'\u017f", " x"]],
    ["dog'S x", ["dog", "'S", " x"]],
  ],
  o200k: [
    ["a\u0085\u0085b", ["a", "\u0085", "\u0085b"]],
    ["a \ufeffb", ["a", " \ufeff", "b"]],
    ["dog'\u017f x", ["dog'\u017f", " x"]],
  ],
};

const corpus = async () =>
  [
    ...(await readFile(join(SHARED_DATASETS, "wikitext-2-v1", "test.txt"), "utf8")).split("\n"),
    ...(await readFile(join(SHARED_DATASETS, "tinyshakespeare", "input.txt"), "utf8")).split("\n"),
  ].filter((line) => line !== "");

describe.each(ENCODERS)("%s split and encoder", (name, split, ranks, library) => {
  const libraryIds = (text: string) => library(text, noSpecial);
  const aiosIds = tiktokenEncoder(ranks, split);
  const pieces = (text: string) => splitPieces(split, text).map(([s, e]) => text.slice(s, e));
  const regexPieces = (text: string) => text.match(split.pattern) ?? [];
  let lines: string[];
  beforeAll(async () => {
    lines = await corpus();
  });

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

  it("split and encode every WikiText-2 test line and tiny Shakespeare line", () => {
    expect(lines.length).toBeGreaterThan(35_000);
    const wrong = lines.filter(
      (line) =>
        JSON.stringify(pieces(line)) !== JSON.stringify(regexPieces(line)) ||
        JSON.stringify(aiosIds(line)) !== JSON.stringify(libraryIds(line)),
    );
    expect(wrong.slice(0, 3)).toEqual([]);
  });

  it("split as tiktoken where JavaScript's \\s or case folding differs from Rust's", () => {
    for (const [text, expected] of RUST_RULES[name] ?? []) expect(pieces(text)).toEqual(expected);
  });

  it("decide every piece of ASCII text without the regex", () => {
    const ascii = fc.string({
      unit: fc.integer({ min: 0, max: 127 }).map((code) => String.fromCharCode(code)),
    });
    fc.assert(
      fc.property(ascii, (text) => {
        for (let start = 0; start < text.length; ) {
          const end = split.asciiPieceEnd(text, start);
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
