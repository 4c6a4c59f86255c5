import { CL100K_SPLIT } from "./cl100k-split.js";
import { O200K_SPLIT } from "./o200k-split.js";
import { R50K_SPLIT } from "./r50k-split.js";
import { tiktokenEncoder } from "./tiktoken-encode.js";
import type { TiktokenSpec, Tokenizer } from "./tokenizer.js";

/**
 * OpenAI's encodings, as tiktoken names them, each with its `<|endoftext|>` id and `n_vocab`
 * (largest id + 1, special tokens included: tiktoken's `Encoding.n_vocab`). The rank tables
 * come from gpt-tokenizer, byte for byte OpenAI's `.tiktoken` files (a test has Python's
 * tiktoken check their SHA-256).
 */
const ENCODINGS = {
  gpt2: {
    module: () => import("gpt-tokenizer/encoding/r50k_base"),
    ranks: () => import("gpt-tokenizer/bpeRanks/r50k_base"),
    split: R50K_SPLIT,
    eos: 50256,
    nVocab: 50257,
  },
  p50k_base: {
    module: () => import("gpt-tokenizer/encoding/p50k_base"),
    ranks: () => import("gpt-tokenizer/bpeRanks/p50k_base"),
    split: R50K_SPLIT,
    eos: 50256,
    nVocab: 50281,
  },
  p50k_edit: {
    module: () => import("gpt-tokenizer/encoding/p50k_edit"),
    ranks: () => import("gpt-tokenizer/bpeRanks/p50k_base"),
    split: R50K_SPLIT,
    eos: 50256,
    nVocab: 50284,
  },
  cl100k_base: {
    module: () => import("gpt-tokenizer/encoding/cl100k_base"),
    ranks: () => import("gpt-tokenizer/bpeRanks/cl100k_base"),
    split: CL100K_SPLIT,
    eos: 100257,
    nVocab: 100277,
  },
  o200k_base: {
    module: () => import("gpt-tokenizer/encoding/o200k_base"),
    ranks: () => import("gpt-tokenizer/bpeRanks/o200k_base"),
    split: O200K_SPLIT,
    eos: 199999,
    nVocab: 200019,
  },
  o200k_harmony: {
    module: () => import("gpt-tokenizer/encoding/o200k_harmony"),
    ranks: () => import("gpt-tokenizer/bpeRanks/o200k_base"),
    split: O200K_SPLIT,
    eos: 199999,
    nVocab: 201088,
  },
} as const;

export type TiktokenName = keyof typeof ENCODINGS;

/** GPT-2 has no pad token: its end of text pads (the default tokenizer's `padId`). */
export const GPT2_PAD_ID = ENCODINGS.gpt2.eos;

/** `--model` values naming a tiktoken encoding, each mapped to its canonical name. */
const ALIASES: Readonly<Record<string, TiktokenName>> = {
  gpt2: "gpt2",
  r50k_base: "gpt2",
  p50k_base: "p50k_base",
  p50k_edit: "p50k_edit",
  cl100k_base: "cl100k_base",
  o200k_base: "o200k_base",
  o200k_harmony: "o200k_harmony",
};

export const TIKTOKEN_NAMES: readonly string[] = Object.keys(ALIASES);

/** The canonical name of a tiktoken encoding `value` names, or null. */
export function tiktokenName(value: string): TiktokenName | null {
  return Object.hasOwn(ALIASES, value) ? (ALIASES[value] ?? null) : null;
}

export async function openTiktoken(spec: TiktokenSpec): Promise<Tokenizer> {
  const encoding = ENCODINGS[spec.name];
  // gpt-tokenizer's copies of tiktoken's patterns differ from tiktoken's on three characters
  // (`split-patterns.ts`), and its look-ups are slower than aios's table: aios encodes every
  // encoding itself, from the library's rank table. The library's encoder (~200 ms to build
  // for o200k) is loaded only to decode, the first time something does.
  const encode = tiktokenEncoder((await encoding.ranks()).default, encoding.split);
  return {
    spec,
    name: spec.name,
    eosId: encoding.eos,
    padId: encoding.eos,
    vocabSize: encoding.nVocab,
    samplesPerCall: 1,
    encodeBatch: async (texts) => texts.map(encode),
    decode: async (ids) => (await encoding.module()).decode(ids),
  };
}
