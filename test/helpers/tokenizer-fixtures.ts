/**
 * Small Hugging Face tokenizers written as tokenizer.json by code, one per model family aios
 * must read (byte-level BPE, Unigram with Metaspace, WordPiece), with the side files that name
 * their special tokens. Tiny vocabularies keep training tests fast; test/data/tokenizer's
 * interop test uses tokenizers trained by Python's `tokenizers` instead.
 */
import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";

export type FixtureKind = "bpe" | "unigram" | "wordpiece";

export interface TokenizerFixture {
  /** Directory holding tokenizer.json (and the side files of that kind). */
  readonly dir: string;
  readonly tokenizerJson: string;
  /** Largest id + 1. */
  readonly vocabSize: number;
  readonly eosId: number;
  readonly padId: number;
}

/** GPT-2's byte → printable character table (`bytes_to_unicode`), as byte-level BPE uses it. */
function byteLevelAlphabet(): string[] {
  const printable = (b: number) =>
    (b >= 33 && b <= 126) || (b >= 161 && b <= 172) || (b >= 174 && b <= 255);
  let next = 256;
  return Array.from({ length: 256 }, (_, b) => String.fromCharCode(printable(b) ? b : next++));
}

const ASCII_LETTERS = "abcdefghijklmnopqrstuvwxyz";
const PUNCTUATION = ".,;:!?'\"()-@=<>";
const WORDS = ["the", "and", "of", "to", "in", "is", "was", "he", "it", "on"];

function addedToken(id: number, content: string) {
  return {
    id,
    content,
    single_word: false,
    lstrip: false,
    rstrip: false,
    normalized: false,
    special: true,
  };
}

function bpe(): { json: object; sideFiles: Record<string, object>; eos: number; pad: number } {
  const alphabet = byteLevelAlphabet();
  const vocab: Record<string, number> = {};
  for (const [id, char] of alphabet.entries()) vocab[char] = id;
  const merges: string[] = [];
  // A few merges, each of two tokens already in the vocabulary: "Ġt", "he", "Ġthe", "in", "Ġa".
  for (const [a, b] of [
    ["Ġ", "t"],
    ["h", "e"],
    ["Ġt", "he"],
    ["i", "n"],
    ["Ġ", "a"],
  ] as const) {
    merges.push(`${a} ${b}`);
    vocab[a + b] = Object.keys(vocab).length;
  }
  const eos = Object.keys(vocab).length;
  return {
    json: {
      version: "1.0",
      truncation: null,
      padding: null,
      added_tokens: [addedToken(eos, "<|endoftext|>")],
      normalizer: null,
      pre_tokenizer: {
        type: "ByteLevel",
        add_prefix_space: false,
        trim_offsets: true,
        use_regex: true,
      },
      post_processor: null,
      decoder: { type: "ByteLevel", add_prefix_space: true, trim_offsets: true, use_regex: true },
      model: {
        type: "BPE",
        dropout: null,
        unk_token: null,
        continuing_subword_prefix: null,
        end_of_word_suffix: null,
        fuse_unk: false,
        byte_fallback: false,
        vocab,
        merges,
      },
    },
    sideFiles: {},
    eos,
    pad: eos,
  };
}

function unigram(): { json: object; sideFiles: Record<string, object>; eos: number; pad: number } {
  const pieces: [string, number][] = [
    ["<pad>", 0],
    ["</s>", 0],
    ["<unk>", 0],
    ["▁", -2],
  ];
  for (const word of WORDS) pieces.push([`▁${word}`, -3]);
  for (const char of `${ASCII_LETTERS}${ASCII_LETTERS.toUpperCase()}0123456789${PUNCTUATION}`) {
    pieces.push([char, -6]);
  }
  const metaspace = { type: "Metaspace", replacement: "▁", prepend_scheme: "always", split: true };
  return {
    json: {
      version: "1.0",
      truncation: null,
      padding: null,
      added_tokens: [addedToken(0, "<pad>"), addedToken(1, "</s>"), addedToken(2, "<unk>")],
      normalizer: { type: "NFKC" },
      pre_tokenizer: metaspace,
      post_processor: null,
      decoder: metaspace,
      model: { type: "Unigram", unk_id: 2, vocab: pieces, byte_fallback: false },
    },
    sideFiles: {
      "tokenizer_config.json": { eos_token: "</s>", pad_token: "<pad>", unk_token: "<unk>" },
    },
    eos: 1,
    pad: 0,
  };
}

function wordpiece(): {
  json: object;
  sideFiles: Record<string, object>;
  eos: number;
  pad: number;
} {
  const specials = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"];
  const vocab: Record<string, number> = {};
  const add = (token: string) => {
    vocab[token] ??= Object.keys(vocab).length;
  };
  for (const token of [...specials, ...WORDS]) add(token);
  for (const char of `${ASCII_LETTERS}0123456789${PUNCTUATION}`) {
    add(char);
    add(`##${char}`);
  }
  return {
    json: {
      version: "1.0",
      truncation: null,
      padding: null,
      added_tokens: specials.map((token, id) => addedToken(id, token)),
      normalizer: {
        type: "BertNormalizer",
        clean_text: true,
        handle_chinese_chars: true,
        strip_accents: null,
        lowercase: true,
      },
      pre_tokenizer: { type: "BertPreTokenizer" },
      // BERT's template adds [CLS] and [SEP]; aios encodes without it and places EOS itself.
      post_processor: {
        type: "TemplateProcessing",
        single: [
          { SpecialToken: { id: "[CLS]", type_id: 0 } },
          { Sequence: { id: "A", type_id: 0 } },
          { SpecialToken: { id: "[SEP]", type_id: 0 } },
        ],
        pair: [
          { SpecialToken: { id: "[CLS]", type_id: 0 } },
          { Sequence: { id: "A", type_id: 0 } },
          { SpecialToken: { id: "[SEP]", type_id: 0 } },
          { Sequence: { id: "B", type_id: 1 } },
          { SpecialToken: { id: "[SEP]", type_id: 1 } },
        ],
        special_tokens: {
          "[CLS]": { id: "[CLS]", ids: [2], tokens: ["[CLS]"] },
          "[SEP]": { id: "[SEP]", ids: [3], tokens: ["[SEP]"] },
        },
      },
      decoder: { type: "WordPiece", prefix: "##", cleanup: true },
      model: {
        type: "WordPiece",
        unk_token: "[UNK]",
        continuing_subword_prefix: "##",
        max_input_chars_per_word: 100,
        vocab,
      },
    },
    // No eos_token: BERT's end of sequence is its separator.
    sideFiles: {
      "special_tokens_map.json": {
        cls_token: "[CLS]",
        sep_token: "[SEP]",
        pad_token: "[PAD]",
        unk_token: "[UNK]",
        mask_token: "[MASK]",
      },
    },
    eos: 3,
    pad: 0,
  };
}

const BUILDERS = { bpe, unigram, wordpiece } as const;

/** Writes the `kind` tokenizer into `dir` (created): tokenizer.json and its side files. */
export async function writeTokenizerFixture(
  kind: FixtureKind,
  dir: string,
): Promise<TokenizerFixture> {
  const { json, sideFiles, eos, pad } = BUILDERS[kind]();
  await mkdir(dir, { recursive: true });
  const tokenizerJson = join(dir, "tokenizer.json");
  await writeFile(tokenizerJson, JSON.stringify(json));
  for (const [name, value] of Object.entries(sideFiles)) {
    await writeFile(join(dir, name), JSON.stringify(value));
  }
  const model = (json as { model: { vocab: Record<string, number> | [string, number][] } }).model;
  const modelSize = Array.isArray(model.vocab)
    ? model.vocab.length
    : Math.max(...Object.values(model.vocab)) + 1;
  const added = (json as { added_tokens: { id: number }[] }).added_tokens.map((t) => t.id);
  return {
    dir,
    tokenizerJson,
    vocabSize: Math.max(modelSize, ...added.map((id) => id + 1)),
    eosId: eos,
    padId: pad,
  };
}
