import { mkdir, readdir, readFile, rename, writeFile } from "node:fs/promises";
import { join } from "node:path";
import type { TrainingConfig } from "../config/training-config.js";
import { AiosError, errnoCode } from "../core/errors.js";
import type { Architecture, ParamLayout } from "./architecture.js";
import type { GemmEngine } from "./gemm-kernel.js";
import { encodeModelWeights } from "./weights-file.js";

/** Where a brain's files live: `<bundle_dir>/<brain_name>/`. */
export interface BundlePaths {
  readonly dir: string;
  readonly checkpoints: string;
  readonly model: string;
}

export function bundlePaths(
  config: Pick<TrainingConfig, "bundle_dir" | "brain_name">,
): BundlePaths {
  const dir = join(config.bundle_dir, config.brain_name);
  return { dir, checkpoints: join(dir, "checkpoints"), model: join(dir, "model.safetensors") };
}

/**
 * A fresh run must not overwrite an earlier brain: that would lose its weights. Resuming is the
 * way to continue one; a new name starts another.
 */
export async function assertFreshBundle(paths: BundlePaths, brainName: string): Promise<void> {
  let entries: string[];
  try {
    entries = await readdir(paths.dir);
  } catch (error) {
    if (errnoCode(error) === "ENOENT") return;
    throw error;
  }
  if (entries.length === 0) return;
  throw new AiosError("CHECKPOINT", `brain "${brainName}" already exists in ${paths.dir}`, {
    hint: `pass --resume to continue training it, or --brain-name NEW_NAME to start another (or delete ${paths.dir})`,
  });
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
  readonly arch: Architecture;
  readonly layout: ParamLayout;
  readonly params: Float32Array;
  /** Cumulative optimizer steps of the brain. */
  readonly totalSteps: number;
  readonly session: SessionSummary;
}

/**
 * Writes config.json, model.safetensors, metadata.json and training_args.json (the checkpoint
 * is written separately). metadata.json keeps its creation time and the history of sessions.
 */
export async function writeBundle(paths: BundlePaths, contents: BundleContents): Promise<void> {
  const { config, arch, layout, params } = contents;
  await mkdir(paths.dir, { recursive: true });
  const previous = await readPreviousMetadata(paths.dir);
  const metadata = {
    name: config.brain_name,
    type: "actv1",
    tokenizer: config.model,
    vocab_size: arch.vocab_size,
    total_params: layout.trainableCount,
    model_file: "model.safetensors",
    created_at: previous?.created_at ?? contents.session.started_at,
    last_trained: contents.session.finished_at,
    training_steps: contents.totalSteps,
    sessions: [...(previous?.sessions ?? []), contents.session],
  };
  await writeJson(join(paths.dir, "config.json"), { model_type: "hrm_actv1", ...arch });
  const weights = encodeModelWeights(arch, layout, params);
  await writeFile(`${paths.model}.tmp`, weights);
  await rename(`${paths.model}.tmp`, paths.model);
  await writeJson(join(paths.dir, "training_args.json"), config);
  await writeJson(join(paths.dir, "metadata.json"), metadata);
}

interface PreviousMetadata {
  readonly created_at?: string;
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
