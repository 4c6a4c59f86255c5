import { createHash } from "node:crypto";
import { mkdir, readFile, rename, rm, stat, writeFile } from "node:fs/promises";
import { basename, dirname, join, resolve } from "node:path";
import { errnoCode } from "../../core/errors.js";
import type { TokenizerFiles, TokenizerJsonSpec } from "./tokenizer.js";

/** The files of a Hugging Face tokenizer, under the names `save_pretrained` gives them. */
export const TOKENIZER_FILE = "tokenizer.json";
export const TOKENIZER_CONFIG_FILE = "tokenizer_config.json";
export const SPECIAL_TOKENS_MAP_FILE = "special_tokens_map.json";

const ROLES = [
  ["tokenizer", TOKENIZER_FILE],
  ["tokenizerConfig", TOKENIZER_CONFIG_FILE],
  ["specialTokensMap", SPECIAL_TOKENS_MAP_FILE],
] as const;

/**
 * The tokenizer files at `path`, a directory holding a tokenizer.json or a JSON file itself.
 * tokenizer_config.json and special_tokens_map.json are taken from the same directory when
 * present; beside a file given by another name than tokenizer.json they are not (they may
 * belong to another tokenizer). Null when `path` does not exist.
 */
export async function localTokenizerFiles(path: string): Promise<TokenizerFiles | null> {
  const at = resolve(path);
  const info = await stat(at).catch((error: unknown) => {
    if (errnoCode(error) === "ENOENT" || errnoCode(error) === "ENOTDIR") return null;
    throw error;
  });
  if (info === null) return null;
  if (info.isDirectory()) return filesIn(at);
  if (basename(at) === TOKENIZER_FILE) return filesIn(dirname(at));
  return { tokenizer: at, tokenizerConfig: null, specialTokensMap: null };
}

/** The three files in `dir` (tokenizer.json whether or not it is there: reading it says). */
async function filesIn(dir: string): Promise<TokenizerFiles> {
  const present = async (name: string) =>
    (await isFile(join(dir, name))) ? join(dir, name) : null;
  return {
    tokenizer: join(dir, TOKENIZER_FILE),
    tokenizerConfig: await present(TOKENIZER_CONFIG_FILE),
    specialTokensMap: await present(SPECIAL_TOKENS_MAP_FILE),
  };
}

/**
 * SHA-256 over each present file's canonical name, byte length and bytes, in a fixed order:
 * the same tokenizer hashes the same under any path or file name, and a changed EOS in
 * tokenizer_config.json (which changes the training data) changes the hash.
 */
export async function hashTokenizerFiles(files: TokenizerFiles): Promise<string> {
  const hash = createHash("sha256");
  for (const [role, name] of ROLES) {
    const path = files[role];
    if (path === null) continue;
    const bytes = await readFile(path);
    hash.update(`${name}\n${bytes.length}\n`).update(bytes);
  }
  return hash.digest("hex");
}

/**
 * Copies a tokenizer's files into `dir` under their canonical names (a brain bundle's
 * `tokenizer/`), each through a temporary name and a rename; a config file the tokenizer does
 * not have is removed. A directory already holding the same tokenizer is left as it is.
 */
export async function saveTokenizerFiles(spec: TokenizerJsonSpec, dir: string): Promise<void> {
  const existing = await localTokenizerFiles(dir);
  if (existing !== null && (await isFile(existing.tokenizer))) {
    if ((await hashTokenizerFiles(existing)) === spec.sha256) return;
  }
  await mkdir(dir, { recursive: true });
  for (const [role, name] of ROLES) {
    const source = spec.files[role];
    const target = join(dir, name);
    if (source === null) {
      await rm(target, { force: true });
      continue;
    }
    await writeFile(`${target}.tmp`, await readFile(source));
    await rename(`${target}.tmp`, target);
  }
}

async function isFile(path: string): Promise<boolean> {
  return (await stat(path).catch(() => null))?.isFile() ?? false;
}
