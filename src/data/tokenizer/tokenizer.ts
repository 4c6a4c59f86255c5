import { openTiktoken, type TiktokenName } from "./tiktoken.js";
import { openTokenizerJson } from "./tokenizer-json.js";

/**
 * Which tokenizer, as plain data: what a checkpoint records, what a worker thread is handed to
 * load the very same one, and what a brain bundle keeps (`tokenizer-files.ts`).
 */
export type TokenizerSpec = TiktokenSpec | TokenizerJsonSpec;

/** An OpenAI encoding shipped with the package (gpt-tokenizer): nothing to read from disk. */
export interface TiktokenSpec {
  readonly kind: "tiktoken";
  /** Canonical name: `gpt2` for r50k_base, else the encoding's own name. */
  readonly name: TiktokenName;
}

/** A Hugging Face `tokenizer.json`, with the files beside it that name its special tokens. */
export interface TokenizerJsonSpec {
  readonly kind: "tokenizer.json";
  /** What `--model` named: a path or a Hub model id (shown in messages and metadata). */
  readonly name: string;
  readonly files: TokenizerFiles;
  /** SHA-256 of the files (`hashTokenizerFiles`): the tokenizer's identity for `--resume`. */
  readonly sha256: string;
}

/** Absolute paths; the two JSON files beside tokenizer.json are optional. */
export interface TokenizerFiles {
  readonly tokenizer: string;
  readonly tokenizerConfig: string | null;
  readonly specialTokensMap: string | null;
}

/** Text ↔ token ids, as the trainer sees them. */
export interface Tokenizer {
  readonly spec: TokenizerSpec;
  /** `spec.name`: `gpt2`, `cl100k_base`, a path, an `owner/name`. */
  readonly name: string;
  /** End of sequence: appended after every sample, so the model learns where documents end. */
  readonly eosId: number;
  /** Padding id (the tokenizer's pad token, else `eosId`); padded positions are masked anyway. */
  readonly padId: number;
  /** One more than the largest id the tokenizer can produce: the model's vocabulary rows. */
  readonly vocabSize: number;
  /**
   * Samples worth handing `encodeBatch` at once: 1 where encoding is synchronous (nothing to
   * amortize, and the pipeline reads no further ahead than it must), more where each call has
   * a fixed cost (docs/BENCHMARKS.md).
   */
  readonly samplesPerCall: number;
  /**
   * Each text's ids, with no special tokens added around it (no BOS, no CLS/SEP template): the
   * pipeline appends `eosId` itself.
   */
  encodeBatch(texts: readonly string[]): Promise<number[][]>;
  /** Text of `ids`; special tokens are left out for tokenizer.json, as Python's `decode` does. */
  decode(ids: readonly number[]): Promise<string>;
}

/**
 * The tokenizer `spec` describes. Reads only local files (a Hub tokenizer was fetched when its
 * spec was made, by `resolveTokenizer`).
 *
 * @throws AiosError `TOKENIZER` when a file is missing or not a tokenizer this library reads.
 */
export async function loadTokenizer(spec: TokenizerSpec): Promise<Tokenizer> {
  return spec.kind === "tiktoken" ? await openTiktoken(spec) : await openTokenizerJson(spec);
}

/** What identifies a tokenizer across runs: the encoding's name, or the files' hash. */
export function tokenizerIdentity(spec: TokenizerSpec): string {
  return spec.kind === "tiktoken" ? spec.name : `sha256:${spec.sha256}`;
}
