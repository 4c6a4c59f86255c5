import { trainingFields } from "../../config/fields.js";
import type { TrainingConfig } from "../../config/training-config.js";
import { AiosError, errnoCode } from "../../core/errors.js";
import { hfCacheRoot } from "../hf/hf-cache.js";
import { hubClient } from "../hf/hub-client.js";
import { cachedModelFiles } from "../hf/model-files.js";
import { TIKTOKEN_NAMES, tiktokenName } from "./tiktoken.js";
import { loadTokenizer, type Tokenizer, type TokenizerSpec } from "./tokenizer.js";
import {
  hashTokenizerFiles,
  localTokenizerFiles,
  SPECIAL_TOKENS_MAP_FILE,
  TOKENIZER_CONFIG_FILE,
  TOKENIZER_FILE,
} from "./tokenizer-files.js";
import { MISSING_HINT } from "./tokenizer-json.js";

/** How a Hub model id is fetched: the hf backend's token variable and cache. */
export interface TokenizerSource {
  /** `--hf-token-env`; `HF_TOKEN` is the fallback. */
  readonly tokenEnv: string;
  /** `--hf-cache-dir`, else the Hub clients' default cache. */
  readonly cacheDir: string | null;
  readonly env?: NodeJS.ProcessEnv;
  /** Downloads are said here (stderr in the CLI). */
  readonly log?: (message: string) => void;
}

/** The source a configuration gives (its hf keys, or their defaults where it has none). */
export function tokenizerSource(
  config: Partial<Pick<TrainingConfig, "hf_token_env" | "hf_cache_dir">>,
  log?: (message: string) => void,
): TokenizerSource {
  return {
    tokenEnv: config.hf_token_env ?? trainingFields.hf_token_env.schema.parse(undefined),
    cacheDir: config.hf_cache_dir ?? null,
    ...(log === undefined ? {} : { log }),
  };
}

/** `owner/name` as the Hub spells repo ids. */
const HUB_ID = /^[A-Za-z0-9][A-Za-z0-9_.-]*\/[A-Za-z0-9_.-]+$/;

/**
 * What `--model` names, as a spec any thread can load:
 * - a tiktoken encoding (`gpt2`, `r50k_base`, `p50k_base`, `cl100k_base`, `o200k_base`, …);
 * - an existing path: a tokenizer.json (any `.json`) or a directory holding one;
 * - else `owner/name`: a Hub model repo, whose tokenizer.json (and tokenizer_config.json,
 *   special_tokens_map.json when it has them) are fetched through the hf backend's Hub client
 *   (`HF_ENDPOINT`, token, retries) into its cache, and read from there once cached.
 *
 * @throws AiosError `CONFIG_INVALID` for a value that is none of these, `TOKENIZER` for a
 *   path or repo that does not exist, `HUB_AUTH` / `HUB_REQUEST` from the Hub.
 */
export async function resolveTokenizer(
  model: string,
  source: TokenizerSource,
): Promise<TokenizerSpec> {
  const tiktoken = tiktokenName(model);
  if (tiktoken !== null) return { kind: "tiktoken", name: tiktoken };
  const local = await localTokenizerFiles(model);
  if (local !== null) {
    return {
      kind: "tokenizer.json",
      name: model,
      files: local,
      sha256: await hashOf(local, model),
    };
  }
  if (HUB_ID.test(model) && !model.endsWith(".json")) return await hubTokenizer(model, source);
  const looksLikePath = model.includes("/") || model.includes("\\") || model.endsWith(".json");
  throw new AiosError(
    looksLikePath ? "TOKENIZER" : "CONFIG_INVALID",
    looksLikePath
      ? `--model ${model}: no such file or directory`
      : `--model "${model}" is not a tokenizer aios knows`,
    {
      hint: `pass a tiktoken encoding (${TIKTOKEN_NAMES.join(", ")}), a tokenizer.json or a directory holding one, or a Hugging Face model id owner/name`,
    },
  );
}

/** `resolveTokenizer`, then `loadTokenizer`. */
export async function openTokenizer(model: string, source: TokenizerSource): Promise<Tokenizer> {
  return await loadTokenizer(await resolveTokenizer(model, source));
}

async function hubTokenizer(repo: string, source: TokenizerSource): Promise<TokenizerSpec> {
  const env = source.env ?? process.env;
  const hub = hubClient({ tokenEnv: source.tokenEnv, env });
  const cached = await cachedModelFiles(
    hub,
    {
      repo,
      revision: "main",
      required: [TOKENIZER_FILE],
      optional: [TOKENIZER_CONFIG_FILE, SPECIAL_TOKENS_MAP_FILE],
    },
    hfCacheRoot(source.cacheDir, env),
    source.log,
  );
  const files = {
    tokenizer: cached.files[TOKENIZER_FILE] as string,
    tokenizerConfig: cached.files[TOKENIZER_CONFIG_FILE] ?? null,
    specialTokensMap: cached.files[SPECIAL_TOKENS_MAP_FILE] ?? null,
  };
  return { kind: "tokenizer.json", name: repo, files, sha256: await hashOf(files, repo) };
}

async function hashOf(
  files: Parameters<typeof hashTokenizerFiles>[0],
  name: string,
): Promise<string> {
  try {
    return await hashTokenizerFiles(files);
  } catch (error) {
    const missing = errnoCode(error) === "ENOENT";
    throw new AiosError(
      "TOKENIZER",
      `--model ${name}: ${missing ? `there is no ${files.tokenizer}` : `cannot read ${files.tokenizer}: ${(error as Error).message}`}`,
      { hint: missing ? MISSING_HINT : "check the file's permissions" },
    );
  }
}
