import { o200kEncoder } from "./o200k-encode.js";
import type { TiktokenSpec, Tokenizer } from "./tokenizer.js";

/**
 * OpenAI's encodings, as tiktoken names them, each with its `<|endoftext|>` id and `n_vocab`
 * (largest id + 1, special tokens included: tiktoken's `Encoding.n_vocab`). The rank tables
 * come from gpt-tokenizer, byte for byte OpenAI's `.tiktoken` files (a test has Python's
 * tiktoken check their SHA-256).
 */
const ENCODINGS = {
  gpt2: { module: () => import("gpt-tokenizer/encoding/r50k_base"), eos: 50256, nVocab: 50257 },
  p50k_base: {
    module: () => import("gpt-tokenizer/encoding/p50k_base"),
    eos: 50256,
    nVocab: 50281,
  },
  p50k_edit: {
    module: () => import("gpt-tokenizer/encoding/p50k_edit"),
    eos: 50256,
    nVocab: 50284,
  },
  cl100k_base: {
    module: () => import("gpt-tokenizer/encoding/cl100k_base"),
    eos: 100257,
    nVocab: 100277,
  },
  o200k_base: {
    module: () => import("gpt-tokenizer/encoding/o200k_base"),
    eos: 199999,
    nVocab: 200019,
    o200k: true,
  },
  o200k_harmony: {
    module: () => import("gpt-tokenizer/encoding/o200k_harmony"),
    eos: 199999,
    nVocab: 201088,
    o200k: true,
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
  const common = {
    spec,
    name: spec.name,
    eosId: encoding.eos,
    padId: encoding.eos,
    vocabSize: encoding.nVocab,
    samplesPerCall: 1,
  };
  if ("o200k" in encoding) {
    // o200k's split regex is the slowest of the four (docs/BENCHMARKS.md) and gpt-tokenizer's
    // copy of it differs from tiktoken's on three characters: aios encodes o200k itself, from
    // the library's rank table. The library's encoder (~200 ms to build) is loaded only to
    // decode, the first time something does.
    const encode = o200kEncoder((await import("gpt-tokenizer/bpeRanks/o200k_base")).default);
    return {
      ...common,
      encodeBatch: async (texts) => texts.map(encode),
      decode: async (ids) => (await encoding.module()).decode(ids),
    };
  }
  const { encode, decode } = await encoding.module();
  // Text is data, never control: a literal "<|endoftext|>" in a sample is encoded as ordinary
  // characters (the library would otherwise throw), so only our own EOS ids separate samples.
  const noSpecial = { disallowedSpecial: new Set<string>() };
  return {
    ...common,
    encodeBatch: async (texts) => texts.map((text) => encode(text, noSpecial)),
    decode: async (ids) => decode(ids),
  };
}
