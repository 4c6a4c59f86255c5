import { decode, encode, vocabularySize } from "gpt-tokenizer/encoding/r50k_base";
import { AiosError } from "../core/errors.js";

/** Text ↔ token ids, as the trainer sees them. */
export interface Tokenizer {
  /** Canonical name (`gpt2`), whatever alias was asked for. */
  readonly name: string;
  /** End-of-text id, appended after every sample and used as padding. */
  readonly eotId: number;
  readonly vocabSize: number;
  encode(text: string): number[];
  decode(ids: Iterable<number>): string;
}

/** Names `--model` accepts, each mapped to its canonical name. */
const ALIASES: Readonly<Record<string, "gpt2">> = { gpt2: "gpt2", r50k_base: "gpt2" };
export const SUPPORTED_TOKENIZERS: readonly string[] = Object.keys(ALIASES);

/** GPT-2's `<|endoftext|>`: the last id of r50k_base. */
export const GPT2_EOT = 50256;

const gpt2: Tokenizer = {
  name: "gpt2",
  eotId: GPT2_EOT,
  vocabSize: vocabularySize,
  // Text is data, never control: a literal "<|endoftext|>" in a sample is encoded as ordinary
  // characters (the library would otherwise throw), so only our own EOT ids separate samples.
  encode: (text) => encode(text, { disallowedSpecial: new Set() }),
  decode: (ids) => decode(ids),
};

/** The tokenizer named by `--model` (GPT-2 byte-level BPE, shipped offline with gpt-tokenizer). */
export function loadTokenizer(name: string): Tokenizer {
  if (ALIASES[name] === "gpt2") return gpt2;
  throw new AiosError("CONFIG_INVALID", `--model "${name}" is not a supported tokenizer`, {
    hint: `supported: ${SUPPORTED_TOKENIZERS.join(", ")}`,
  });
}
