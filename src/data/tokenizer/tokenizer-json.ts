import { readFile } from "node:fs/promises";
import { Tokenizer as NativeTokenizer } from "tokenizers";
import { AiosError, errnoCode } from "../../core/errors.js";
import { type AddedToken, specialTokenIds } from "./special-tokens.js";
import type { Tokenizer, TokenizerJsonSpec } from "./tokenizer.js";

export const MISSING_HINT =
  "pass a tokenizer.json, or a directory holding one (a model saved with save_pretrained); a directory with only tokenizer.model (SentencePiece) must be converted first: transformers' AutoTokenizer.from_pretrained(dir).save_pretrained(dir) writes tokenizer.json";

/**
 * Texts per `encodeBatch` call in the pipeline: each call hops to libuv's thread pool and back,
 * which at 1 text per call costs 0.3x of Python's speed, at 16 about 0.7x, and no more after
 * (bench:tokenize); more would only read further ahead.
 */
const SAMPLES_PER_CALL = 16;

/** The models tokenizer.json can hold (the `tokenizers` library's `ModelWrapper`). */
const MODEL_TYPES = ["BPE", "Unigram", "WordPiece", "WordLevel"];

/**
 * A Hugging Face tokenizer.json through `tokenizers`, Hugging Face's Rust library itself (its
 * Node binding): normalizer, pre-tokenizer, model, added tokens and decoder run exactly as in
 * Python's `tokenizers` and transformers' fast tokenizers. Text matching an added token is
 * encoded as that token, as they do; the post-processor's template (BOS, CLS/SEP) is not
 * applied, since the pipeline places EOS itself.
 *
 * @throws AiosError `TOKENIZER` naming the file: missing, not JSON, a model type the library
 *   does not have, anything else the library refuses, or no end-of-sequence token.
 */
export async function openTokenizerJson(spec: TokenizerJsonSpec): Promise<Tokenizer> {
  const { files, name } = spec;
  const text = await readTokenizerFile(files.tokenizer, name);
  const json = parseJson(text, files.tokenizer, name);
  checkModelType(json, files.tokenizer, name);
  let native: NativeTokenizer;
  try {
    native = NativeTokenizer.fromString(text);
  } catch (error) {
    throw new AiosError(
      "TOKENIZER",
      `--model ${name}: ${files.tokenizer} is not a tokenizer the tokenizers library can load: ${(error as Error).message}`,
      {
        hint: "pass a tokenizer.json written by Hugging Face tokenizers or transformers (save_pretrained)",
      },
    );
  }
  const sources = {
    tokenizerConfig: await readConfig(files.tokenizerConfig, name),
    specialTokensMap: await readConfig(files.specialTokensMap, name),
  };
  const { eosId, padId } = specialTokenIds(name, sources, addedTokens(json), (token) =>
    native.tokenToId(token),
  );
  let vocabSize = 0;
  for (const id of Object.values(native.getVocab(true))) vocabSize = Math.max(vocabSize, id + 1);
  // The trainer's replica workers hold the cores and `--hf-num-workers` sets aios's own
  // tokenizing threads, so the library's thread pool is off unless the user turned it on.
  process.env.TOKENIZERS_PARALLELISM ??= "false";
  return {
    spec,
    name,
    eosId,
    padId,
    vocabSize,
    samplesPerCall: SAMPLES_PER_CALL,
    encodeBatch: async (texts) => {
      if (texts.length === 0) return [];
      const encodings = await native.encodeBatch([...texts], { addSpecialTokens: false });
      return encodings.map((encoding) => encoding.getIds());
    },
    decode: (ids) => native.decode([...ids], true),
  };
}

async function readTokenizerFile(path: string, name: string): Promise<string> {
  try {
    return await readFile(path, "utf8");
  } catch (error) {
    const missing = errnoCode(error) === "ENOENT";
    throw new AiosError(
      "TOKENIZER",
      `--model ${name}: ${missing ? `there is no ${path}` : `cannot read ${path}: ${(error as Error).message}`}`,
      {
        hint: missing ? MISSING_HINT : "check the file's permissions",
      },
    );
  }
}

function parseJson(text: string, path: string, name: string): Record<string, unknown> {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new AiosError(
      "TOKENIZER",
      `--model ${name}: ${path} is not valid JSON: ${(error as Error).message}`,
      { hint: "the file is damaged or not a tokenizer.json; download or save it again" },
    );
  }
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw new AiosError("TOKENIZER", `--model ${name}: ${path} is not a JSON object`, {
      hint: "pass a tokenizer.json written by Hugging Face tokenizers or transformers",
    });
  }
  return value as Record<string, unknown>;
}

/** A model `type` the library lacks is named here, rather than by serde's "untagged enum". */
function checkModelType(json: Record<string, unknown>, path: string, name: string): void {
  const model = json.model;
  if (typeof model !== "object" || model === null) {
    throw new AiosError("TOKENIZER", `--model ${name}: ${path} has no "model" object`, {
      hint: "pass a tokenizer.json written by Hugging Face tokenizers or transformers",
    });
  }
  const type = (model as { type?: unknown }).type;
  // Files from old versions have no `type`: the library tells the model by its fields.
  if (type === undefined || (typeof type === "string" && MODEL_TYPES.includes(type))) return;
  throw new AiosError(
    "TOKENIZER",
    `--model ${name}: ${path} holds a model of type ${JSON.stringify(type)}, which the tokenizers library does not have`,
    { hint: `supported model types: ${MODEL_TYPES.join(", ")}` },
  );
}

async function readConfig(
  path: string | null,
  name: string,
): Promise<Record<string, unknown> | null> {
  if (path === null) return null;
  return parseJson(await readTokenizerFile(path, name), path, name);
}

function addedTokens(json: Record<string, unknown>): AddedToken[] {
  const list = Array.isArray(json.added_tokens) ? (json.added_tokens as unknown[]) : [];
  return list.flatMap((entry) => {
    if (typeof entry !== "object" || entry === null) return [];
    const { id, content, special } = entry as Record<string, unknown>;
    if (typeof id !== "number" || typeof content !== "string") return [];
    return [{ id, content, special: special === true }];
  });
}
