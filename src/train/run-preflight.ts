import { readFile } from "node:fs/promises";
import { join } from "node:path";
import type { TrainingFieldKey } from "../config/fields.js";
import type { TrainingConfig } from "../config/training-config.js";
import { AiosError, errnoCode } from "../core/errors.js";
import { resolveTokenizer, tokenizerSource } from "../data/tokenizer/resolve-tokenizer.js";
import { type TokenizerSpec, tokenizerIdentity } from "../data/tokenizer/tokenizer.js";
import type { StreamPosition } from "../data/types.js";
import { ARCHITECTURE_KEYS, type Architecture } from "./architecture.js";
import { assertFreshBundle, bundledTokenizer, bundlePaths } from "./bundle.js";
import type { CheckpointState } from "./checkpoint.js";

/** What a run will start from, known before anything heavy is loaded. */
export interface RunPlan {
  /** The configuration to train with: on `--resume`, the architecture is the checkpoint's. */
  readonly config: TrainingConfig;
  /** The checkpoint's step and data position on `--resume`; null for a fresh brain. */
  readonly resumeFrom: { readonly step: number; readonly position: StreamPosition | null } | null;
  /** The tokenizer to train with: `--model`'s, or on `--resume` the brain's own. */
  readonly tokenizer: TokenizerSpec;
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
 * - `--resume` needs a checkpoint and takes the architecture and the tokenizer from the brain:
 *   a key the user set (`explicit`, flag or YAML) to another value is refused, every other
 *   architecture key is the checkpoint's, and the tokenizer is the one in the brain's bundle
 *   (`--model`, when given, must be the same tokenizer), so a resume line needs neither.
 * The tokenizer `--model` names is resolved here (a Hub model's files fetched, `log` says so).
 * The data position is checked later, by the backend that must read it.
 *
 * @throws AiosError `CHECKPOINT` naming the brain and what to change; the tokenizer's errors.
 */
export async function planRun(
  config: TrainingConfig,
  explicit: ReadonlySet<TrainingFieldKey>,
  options: { readonly log?: (message: string) => void } = {},
): Promise<RunPlan> {
  const paths = bundlePaths(config);
  const source = tokenizerSource(config, options.log);
  if (!config.resume) {
    await assertFreshBundle(paths, config.brain_name);
    return { config, resumeFrom: null, tokenizer: await resolveTokenizer(config.model, source) };
  }
  const saved = await readCheckpointState(paths.checkpoints, config.brain_name);
  const tokenizer = await bundledTokenizer(paths, config.brain_name, saved);
  if (explicit.has("model")) {
    const asked = await resolveTokenizer(config.model, source);
    if (tokenizerIdentity(asked) !== tokenizerIdentity(tokenizer)) {
      throw new AiosError(
        "CHECKPOINT",
        `--resume: brain "${config.brain_name}" was trained with the tokenizer ${tokenizer.name}, --model is ${asked.name}${asked.kind === "tokenizer.json" && tokenizer.kind === "tokenizer.json" ? ", whose files differ (SHA-256)" : ""}`,
        {
          hint: "leave --model out when resuming (the brain's own tokenizer is used), or start a new --brain-name",
        },
      );
    }
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
  // A value that loads the brain's tokenizer wherever the configuration goes (GUI → CLI flags).
  const model = tokenizer.kind === "tiktoken" ? tokenizer.name : paths.tokenizer;
  return {
    config: { ...config, ...fromCheckpoint, model },
    resumeFrom: { step: saved.step, position: saved.position },
    tokenizer,
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
