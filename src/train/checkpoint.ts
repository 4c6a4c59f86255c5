import { mkdir, readFile, rename, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { AiosError, errnoCode } from "../core/errors.js";
import type { PrngState } from "../core/prng.js";
import type { StreamPosition } from "../data/types.js";
import type { SavedActRow } from "./act-batch.js";
import { ARCHITECTURE_KEYS, type Architecture } from "./architecture.js";
import { decodeSafetensors, encodeSafetensors } from "./safetensors.js";

/** Everything `--resume` needs besides the weights and optimizer moments. */
export interface CheckpointState {
  readonly version: 1;
  /** Optimizer steps done so far (the last metrics record's `step`). */
  readonly step: number;
  readonly arch: Architecture;
  /**
   * The tokenizer's name (`gpt2`, `cl100k_base`, the path or Hub id `--model` gave); absent in
   * checkpoints written before it was recorded, which all used GPT-2.
   */
  readonly tokenizer?: string;
  /** For a tokenizer.json tokenizer, the SHA-256 of its files: its identity (`tokenizer/`). */
  readonly tokenizer_sha256?: string;
  /** Position after the last sequence taken from the data stream; null before the first. */
  readonly position: StreamPosition | null;
  readonly rows: readonly (SavedActRow | null)[];
  readonly prng: PrngState;
}

export interface Checkpoint {
  readonly state: CheckpointState;
  readonly params: Float32Array;
  readonly m: Float32Array;
  readonly v: Float32Array;
}

const STATE_FILE = "state.json";
const TENSORS_FILE = "state.safetensors";

/**
 * Writes `<dir>/state.safetensors` (weights and AdamW moments in training layout) and
 * `<dir>/state.json`. Each file goes through a temporary name and a rename, and the JSON goes
 * last, so a crash mid-write leaves the previous checkpoint readable.
 */
export async function saveCheckpoint(dir: string, checkpoint: Checkpoint): Promise<void> {
  await mkdir(dir, { recursive: true });
  const tensors = encodeSafetensors([
    { name: "params", shape: [checkpoint.params.length], data: checkpoint.params },
    { name: "adam.m", shape: [checkpoint.m.length], data: checkpoint.m },
    { name: "adam.v", shape: [checkpoint.v.length], data: checkpoint.v },
  ]);
  await writeAtomically(join(dir, TENSORS_FILE), tensors);
  await writeAtomically(join(dir, STATE_FILE), `${JSON.stringify(checkpoint.state)}\n`);
}

/** Reads the checkpoint in `dir`; a missing or unreadable one is an AiosError naming the path. */
export async function loadCheckpoint(dir: string): Promise<Checkpoint> {
  let stateText: string;
  let tensorBytes: Buffer;
  try {
    stateText = await readFile(join(dir, STATE_FILE), "utf8");
    tensorBytes = await readFile(join(dir, TENSORS_FILE));
  } catch (error) {
    if (errnoCode(error) === "ENOENT") {
      throw new AiosError("CHECKPOINT", `--resume: no checkpoint in ${dir}`, {
        hint: "train without --resume first, or pass the --brain-name / --bundle-dir of an earlier run",
      });
    }
    throw new AiosError(
      "CHECKPOINT",
      `--resume: cannot read the checkpoint in ${dir}: ${String(error)}`,
    );
  }
  try {
    const state = JSON.parse(stateText) as CheckpointState;
    const { tensors } = decodeSafetensors(tensorBytes);
    const pick = (name: string) => {
      const t = tensors.get(name);
      if (t === undefined) throw new RangeError(`tensor ${name} is missing`);
      return t.data;
    };
    return { state, params: pick("params"), m: pick("adam.m"), v: pick("adam.v") };
  } catch (error) {
    throw new AiosError(
      "CHECKPOINT",
      `--resume: the checkpoint in ${dir} is damaged: ${(error as Error).message}`,
      {
        hint: "delete that checkpoints/ directory and train without --resume",
      },
    );
  }
}

/** Architecture fields whose flags differ from the checkpoint's, as `--flag saved → given`. */
export function architectureMismatch(saved: Architecture, given: Architecture): string[] {
  return ARCHITECTURE_KEYS.filter((key) => saved[key] !== given[key]).map(
    (key) => `--${key.replaceAll("_", "-")} ${saved[key]} (checkpoint) vs ${given[key]} (now)`,
  );
}

async function writeAtomically(path: string, data: string | Buffer): Promise<void> {
  const temporary = `${path}.tmp`;
  await writeFile(temporary, data);
  await rename(temporary, path);
}
