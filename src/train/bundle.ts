import { mkdir, readdir, readFile, rename, writeFile } from "node:fs/promises";
import { dirname, join } from "node:path";
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
