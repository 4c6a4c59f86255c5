import { type TrainingFieldKey, trainingFields } from "./fields.js";
import type { MemoryConfig } from "./memory-config.js";
import type { TrainingConfig } from "./training-config.js";

/** A resolved configuration laid out as a `--config` YAML file holds it. */
export interface ConfigFileShape {
  train: Record<string, unknown>;
  memory: Record<string, unknown>;
}

/**
 * The resolved configuration in the layout `--config` reads: each training value at its YAML
 * path (`train.steps`, `memory.dataset.hf.name`, … from `fields.ts`), beside the rest of
 * `memory:`. What `aios config show` prints, so its output can be saved and passed back.
 */
export function configFileShape(training: TrainingConfig, memory: MemoryConfig): ConfigFileShape {
  const root: Record<string, unknown> = { train: {}, memory: structuredClone(memory) };
  for (const key of Object.keys(trainingFields) as TrainingFieldKey[]) {
    const path = trainingFields[key].yaml.split(".");
    let node = root;
    for (const part of path.slice(0, -1)) {
      node[part] ??= {};
      node = node[part] as Record<string, unknown>;
    }
    node[path.at(-1) as string] = training[key];
  }
  return root as unknown as ConfigFileShape;
}
