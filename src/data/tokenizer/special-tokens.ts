import { AiosError } from "../../core/errors.js";

/** The two JSON files beside a tokenizer.json that name its special tokens, parsed. */
export interface SpecialTokenSources {
  /** `tokenizer_config.json`, or null when there is none. */
  readonly tokenizerConfig: Record<string, unknown> | null;
  /** `special_tokens_map.json`, or null when there is none. */
  readonly specialTokensMap: Record<string, unknown> | null;
}

/** An added token of tokenizer.json (`added_tokens[]`). */
export interface AddedToken {
  readonly id: number;
  readonly content: string;
  readonly special: boolean;
}

export interface SpecialTokenIds {
  readonly eosId: number;
  readonly padId: number;
}

/**
 * Special tokens tokenizers commonly use to end a document, in the order they are tried when
 * no file names an `eos_token`: GPT-2/Qwen, SentencePiece (T5, Llama 2, Mistral), Llama 3,
 * Gemma; BERT's `[SEP]` comes from `sep_token` or last.
 */
const EOS_CANDIDATES = ["<|endoftext|>", "</s>", "<|end_of_text|>", "<eos>", "[SEP]"];
const PAD_CANDIDATES = ["<pad>", "[PAD]", "<|pad|>", "<|padding|>"];

/**
 * End-of-sequence and padding ids of a tokenizer.json tokenizer. Each is looked up as
 * transformers' `from_pretrained` does: `special_tokens_map.json` over `tokenizer_config.json`
 * (a value is a string or an AddedToken object with `content`). With neither file naming it,
 * EOS falls back to `sep_token`, then to the first special added token among the usual names
 * (`EOS_CANDIDATES`); PAD to the usual pad names, then to EOS (GPT-2 has no pad token).
 *
 * @param idOf the token's id in the vocabulary (added tokens included), or null
 * @throws AiosError `TOKENIZER` when no EOS token is found, or a named one is not in the vocabulary
 */
export function specialTokenIds(
  name: string,
  sources: SpecialTokenSources,
  added: readonly AddedToken[],
  idOf: (token: string) => number | null,
): SpecialTokenIds {
  const named = (key: string): NamedToken | null => {
    for (const [file, json] of [
      ["special_tokens_map.json", sources.specialTokensMap],
      ["tokenizer_config.json", sources.tokenizerConfig],
    ] as const) {
      const token = tokenContent(json?.[key]);
      if (token !== null) return { key, token, file };
    }
    return null;
  };
  const idOfNamed = ({ key, token, file }: NamedToken): number => {
    const id = idOf(token);
    if (id === null) {
      throw new AiosError(
        "TOKENIZER",
        `--model ${name}: ${key} "${token}" of ${file} is not in the tokenizer's vocabulary`,
        { hint: `correct ${key} in ${file}, or remove it` },
      );
    }
    return id;
  };
  const specialAmong = (candidates: readonly string[]): number | null => {
    for (const candidate of candidates) {
      const token = added.find((t) => t.special && t.content === candidate);
      if (token !== undefined) return token.id;
    }
    return null;
  };

  const eosEntry = named("eos_token") ?? named("sep_token");
  const eosId = eosEntry === null ? specialAmong(EOS_CANDIDATES) : idOfNamed(eosEntry);
  if (eosId === null) {
    throw new AiosError(
      "TOKENIZER",
      `--model ${name}: the tokenizer has no end-of-sequence token (no eos_token or sep_token in tokenizer_config.json or special_tokens_map.json, and none of ${EOS_CANDIDATES.join(" ")} among its special added tokens)`,
      {
        hint: 'name one in a tokenizer_config.json beside tokenizer.json, e.g. {"eos_token": "</s>"}: aios puts it between samples',
      },
    );
  }
  const padEntry = named("pad_token");
  const padId = padEntry === null ? (specialAmong(PAD_CANDIDATES) ?? eosId) : idOfNamed(padEntry);
  return { eosId, padId };
}

interface NamedToken {
  readonly key: string;
  readonly token: string;
  readonly file: string;
}

/** `"</s>"` or `{"content": "</s>", …}` → `"</s>"`; anything else (null, absent) → null. */
function tokenContent(value: unknown): string | null {
  if (typeof value === "string" && value !== "") return value;
  if (typeof value === "object" && value !== null && "content" in value) {
    const content = (value as { content: unknown }).content;
    return typeof content === "string" && content !== "" ? content : null;
  }
  return null;
}
