import { mkdir, readdir, readFile, rename, writeFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import type { TrainingConfig } from "../config/training-config.js";
import { AiosError, errnoCode } from "../core/errors.js";
import { tiktokenName } from "../data/tokenizer/tiktoken.js";
import type { Tokenizer, TokenizerSpec } from "../data/tokenizer/tokenizer.js";
import {
  hashTokenizerFiles,
  localTokenizerFiles,
  saveTokenizerFiles,
} from "../data/tokenizer/tokenizer-files.js";
import type { Architecture, ParamLayout } from "./architecture.js";
import type { GemmEngine } from "./gemm-kernel.js";
import { encodeModelWeights } from "./weights-file.js";

/** Where a brain's files live: `<bundle_dir>/<brain_name>/`. */
export interface BundlePaths {
  readonly dir: string;
  readonly checkpoints: string;
  readonly model: string;
  /** A tokenizer.json tokenizer's files, as `save_pretrained` names them. */
  readonly tokenizer: string;
}

export function bundlePaths(
  config: Pick<TrainingConfig, "bundle_dir" | "brain_name">,
): BundlePaths {
  const dir = join(config.bundle_dir, config.brain_name);
  return {
    dir,
    checkpoints: join(dir, "checkpoints"),
    model: join(dir, "model.safetensors"),
    tokenizer: join(dir, "tokenizer"),
  };
}

/**
 * A fresh run must not overwrite an earlier brain: that would lose its weights. Resuming is the
 * way to continue one; a new name starts another.
 *
 * @throws BrainExistsError carrying the brain's trained steps and a free name beside it.
 */
export async function assertFreshBundle(paths: BundlePaths, brainName: string): Promise<void> {
  if (!(await holdsFiles(paths.dir))) return;
  const metadata = await readPreviousMetadata(paths.dir);
  throw new BrainExistsError(
    brainName,
    paths.dir,
    typeof metadata?.training_steps === "number" ? metadata.training_steps : null,
    await freeBrainName(dirname(paths.dir), brainName),
  );
}

/** A fresh run named a brain that already exists; the GUI offers to resume it or use `freeName`. */
export class BrainExistsError extends AiosError {
  constructor(
    readonly brain: string,
    readonly dir: string,
    /** Optimizer steps the brain has been trained (metadata.json), null if unknown. */
    readonly trainedSteps: number | null,
    /** `NAME-2`, `NAME-3`, …: the first that is not taken. */
    readonly freeName: string,
  ) {
    super("CHECKPOINT", `brain "${brain}" already exists in ${dir}`, {
      hint: `pass --resume to continue training it, or --brain-name ${freeName} to start another (or delete ${dir})`,
    });
  }
}

async function holdsFiles(dir: string): Promise<boolean> {
  try {
    return (await readdir(dir)).length > 0;
  } catch (error) {
    if (errnoCode(error) === "ENOENT") return false;
    throw error;
  }
}

async function freeBrainName(bundleDir: string, name: string): Promise<string> {
  for (let n = 2; ; n++) {
    const candidate = `${name}-${n}`;
    if (!(await holdsFiles(join(bundleDir, candidate)))) return candidate;
  }
}

export interface SessionSummary {
  readonly steps_completed: number;
  readonly stop_reason: "completed" | "stop_file" | "signal";
  readonly dataset: string;
  readonly log_file: string;
  /** The engine of the matrix products in this session (`--gemm`). */
  readonly gemm: GemmEngine;
  readonly started_at: string;
  readonly finished_at: string;
}

export interface BundleContents {
  readonly config: TrainingConfig;
  readonly tokenizer: Tokenizer;
  readonly arch: Architecture;
  readonly layout: ParamLayout;
  readonly params: Float32Array;
  /** Cumulative optimizer steps of the brain. */
  readonly totalSteps: number;
  readonly session: SessionSummary;
}

/**
 * Writes config.json, model.safetensors, metadata.json, training_args.json and, for a
 * tokenizer.json tokenizer, its files under `tokenizer/` (the checkpoint is written
 * separately). metadata.json keeps its creation time and the history of sessions. config.json
 * records the end-of-sequence and padding ids as Hugging Face's config.json does.
 */
export async function writeBundle(paths: BundlePaths, contents: BundleContents): Promise<void> {
  const { config, tokenizer, arch, layout, params } = contents;
  await mkdir(paths.dir, { recursive: true });
  await saveBundleTokenizer(paths, tokenizer.spec);
  const previous = await readPreviousMetadata(paths.dir);
  const metadata = {
    name: config.brain_name,
    type: "actv1",
    tokenizer: tokenizer.name,
    tokenizer_kind: tokenizer.spec.kind,
    ...(tokenizer.spec.kind === "tokenizer.json"
      ? { tokenizer_files: "tokenizer/", tokenizer_sha256: tokenizer.spec.sha256 }
      : {}),
    vocab_size: arch.vocab_size,
    total_params: layout.trainableCount,
    model_file: "model.safetensors",
    created_at: previous?.created_at ?? contents.session.started_at,
    last_trained: contents.session.finished_at,
    training_steps: contents.totalSteps,
    sessions: [...(previous?.sessions ?? []), contents.session],
  };
  await writeJson(join(paths.dir, "config.json"), {
    model_type: "hrm_actv1",
    ...arch,
    eos_token_id: tokenizer.eosId,
    pad_token_id: tokenizer.padId,
  });
  const weights = encodeModelWeights(arch, layout, params);
  await writeFile(`${paths.model}.tmp`, weights);
  await rename(`${paths.model}.tmp`, paths.model);
  await writeJson(join(paths.dir, "training_args.json"), config);
  await writeJson(join(paths.dir, "metadata.json"), metadata);
}

/**
 * Copies a tokenizer.json tokenizer's files into the brain's `tokenizer/`, so that `--resume`
 * and anything else loading the brain need nothing else; a tiktoken encoding ships with aios
 * and is recorded by name only. Idempotent.
 */
export async function saveBundleTokenizer(paths: BundlePaths, spec: TokenizerSpec): Promise<void> {
  if (spec.kind === "tokenizer.json") await saveTokenizerFiles(spec, paths.tokenizer);
}

/**
 * The tokenizer a brain was trained with, from its checkpoint's record: a tiktoken encoding by
 * name, or the files in its `tokenizer/`, which must still hash as recorded.
 *
 * @throws AiosError `CHECKPOINT` when the files are missing or changed, or the name is unknown.
 */
export async function bundledTokenizer(
  paths: BundlePaths,
  brain: string,
  saved: { readonly tokenizer?: string; readonly tokenizer_sha256?: string },
): Promise<TokenizerSpec> {
  // Checkpoints written before the tokenizer was recorded all used GPT-2, the only one there was.
  const name = saved.tokenizer ?? "gpt2";
  if (saved.tokenizer_sha256 === undefined) {
    const encoding = tiktokenName(name);
    if (encoding !== null) return { kind: "tiktoken", name: encoding };
    throw new AiosError(
      "CHECKPOINT",
      `--resume: brain "${brain}" was trained with the tokenizer ${name}, which this version of aios does not know`,
      { hint: "resume it with the aios version that trained it, or start a new --brain-name" },
    );
  }
  const files = await localTokenizerFiles(paths.tokenizer);
  const sha256 = files === null ? null : await hashTokenizerFiles(files).catch(() => null);
  if (files === null || sha256 !== saved.tokenizer_sha256) {
    throw new AiosError(
      "CHECKPOINT",
      `--resume: the tokenizer files of brain "${brain}" in ${paths.tokenizer} are ${sha256 === null ? "missing" : "not the ones it was trained with (their SHA-256 differs)"}`,
      {
        hint: `restore ${paths.tokenizer} from a copy of the brain, or start a new --brain-name`,
      },
    );
  }
  return { kind: "tokenizer.json", name, files, sha256 };
}

interface PreviousMetadata {
  readonly created_at?: string;
  readonly training_steps?: number;
  readonly sessions?: SessionSummary[];
}

async function readPreviousMetadata(dir: string): Promise<PreviousMetadata | null> {
  try {
    return JSON.parse(await readFile(join(dir, "metadata.json"), "utf8")) as PreviousMetadata;
  } catch {
    return null;
  }
}

async function writeJson(path: string, value: unknown): Promise<void> {
  await writeFile(path, `${JSON.stringify(value, null, 2)}\n`);
}
