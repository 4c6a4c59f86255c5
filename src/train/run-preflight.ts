import { readFile } from "node:fs/promises";
import { join } from "node:path";
import type { TrainingFieldKey } from "../config/fields.js";
import type { TrainingConfig } from "../config/training-config.js";
import { AiosError, errnoCode } from "../core/errors.js";
import { loadTokenizer } from "../data/tokenizer.js";
import type { StreamPosition } from "../data/types.js";
import { ARCHITECTURE_KEYS, type Architecture } from "./architecture.js";
import { assertFreshBundle, bundlePaths } from "./bundle.js";
import type { CheckpointState } from "./checkpoint.js";

/** What a run will start from, known before anything heavy is loaded. */
export interface RunPlan {
  /** The configuration to train with: on `--resume`, the architecture is the checkpoint's. */
  readonly config: TrainingConfig;
  /** The checkpoint's step and data position on `--resume`; null for a fresh brain. */
  readonly resumeFrom: { readonly step: number; readonly position: StreamPosition | null } | null;
}

/** Architecture keys a user sets by flag or YAML (`vocab_size` follows from the tokenizer). */
const SETTABLE = ARCHITECTURE_KEYS.filter((key) => key !== "vocab_size") as Exclude<
  keyof Architecture,
  "vocab_size"
>[];

/**
 * Everything a run would refuse that can be known from the configuration and the bundle
 * directory, checked the same way by a real run and by `--dry-run`:
 * - a fresh run refuses a brain that already exists (its weights would be lost);
 * - `--resume` needs a checkpoint, the same tokenizer, and takes the architecture from the
 *   checkpoint: a key the user set (`explicit`, flag or YAML) to another value is refused, every
 *   other architecture key is the checkpoint's, so a resume line needs no architecture flags.
 * The data position is checked later, by the backend that must read it.
 *
 * @throws AiosError `CHECKPOINT` naming the brain and what to change.
 */
export async function planRun(
  config: TrainingConfig,
  explicit: ReadonlySet<TrainingFieldKey>,
): Promise<RunPlan> {
  const paths = bundlePaths(config);
  if (!config.resume) {
    await assertFreshBundle(paths, config.brain_name);
    return { config, resumeFrom: null };
  }
  const saved = await readCheckpointState(paths.checkpoints, config.brain_name);
  const savedTokenizer = saved.tokenizer ?? "gpt2";
  const tokenizer = loadTokenizer(config.model).name;
  if (savedTokenizer !== tokenizer) {
    throw new AiosError(
      "CHECKPOINT",
      `--resume: brain "${config.brain_name}" was trained with the tokenizer ${savedTokenizer}, --model is ${tokenizer}`,
      { hint: `pass --model ${savedTokenizer}, or a new --brain-name` },
    );
  }
  const contradicted = SETTABLE.filter(
    (key) => explicit.has(key) && saved.arch[key] !== config[key],
  ).map(
    (key) =>
      `--${key.replaceAll("_", "-")} ${config[key]} (given) vs ${saved.arch[key]} (checkpoint)`,
  );
  if (contradicted.length > 0) {
    throw new AiosError(
      "CHECKPOINT",
      `--resume: brain "${config.brain_name}" was trained with another architecture: ${contradicted.join(", ")}`,
      {
        hint: "leave the architecture flags out when resuming (they come from the checkpoint), or start a new --brain-name",
      },
    );
  }
  const fromCheckpoint = Object.fromEntries(SETTABLE.map((key) => [key, saved.arch[key]]));
  return {
    config: { ...config, ...fromCheckpoint },
    resumeFrom: { step: saved.step, position: saved.position },
  };
}

async function readCheckpointState(dir: string, brain: string): Promise<CheckpointState> {
  let text: string;
  try {
    text = await readFile(join(dir, "state.json"), "utf8");
  } catch (error) {
    if (errnoCode(error) === "ENOENT") {
      throw new AiosError("CHECKPOINT", `--resume: brain "${brain}" has no checkpoint in ${dir}`, {
        hint: "train without --resume first, or pass the --brain-name / --bundle-dir of an earlier run",
      });
    }
    throw new AiosError(
      "CHECKPOINT",
      `--resume: cannot read the checkpoint in ${dir}: ${String(error)}`,
    );
  }
  try {
    const state = JSON.parse(text) as CheckpointState;
    if (typeof state.step !== "number" || typeof state.arch !== "object" || state.arch === null)
      throw new Error("step or arch missing");
    return state;
  } catch (error) {
    throw new AiosError(
      "CHECKPOINT",
      `--resume: the checkpoint in ${dir} is damaged: ${(error as Error).message}`,
      { hint: "delete that checkpoints/ directory and train without --resume" },
    );
  }
}
