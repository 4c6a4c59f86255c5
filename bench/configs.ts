import { trainingFields } from "../src/config/fields.js";
import type { Architecture } from "../src/train/architecture.js";

/** The architecture and shape flags a benchmark sets, by their config-field names. */
export type BenchModelConfig = Omit<Architecture, "vocab_size"> & { readonly batch_size: number };

export interface NamedConfig {
  readonly name: string;
  readonly model: BenchModelConfig;
}

/** The trainer's own defaults, read from the config schema rather than restated here. */
function defaultModel(): BenchModelConfig {
  const f = trainingFields;
  return {
    hidden_size: f.hidden_size.schema.parse(undefined),
    num_heads: f.num_heads.schema.parse(undefined),
    expansion: f.expansion.schema.parse(undefined),
    h_layers: f.h_layers.schema.parse(undefined),
    l_layers: f.l_layers.schema.parse(undefined),
    h_cycles: f.h_cycles.schema.parse(undefined),
    l_cycles: f.l_cycles.schema.parse(undefined),
    halt_max_steps: f.halt_max_steps.schema.parse(undefined),
    batch_size: f.batch_size.schema.parse(undefined),
    max_seq_len: f.max_seq_len.schema.parse(undefined),
    pos_encodings: f.pos_encodings.schema.parse(undefined),
  };
}

/**
 * `default`: the trainer's defaults. `large`: twice the width, two blocks per module and twice
 * the context (2.1x the parameters, ~16x the block compute), still minutes per run on two cores.
 */
export function benchConfigs(): Record<string, NamedConfig> {
  const base = defaultModel();
  return {
    default: { name: "default", model: base },
    large: {
      name: "large",
      model: {
        ...base,
        hidden_size: 256,
        num_heads: 8,
        h_layers: 2,
        l_layers: 2,
        max_seq_len: 128,
      },
    },
  };
}

/** `hidden_size` → `--hidden-size 128`, the same spelling for the aios CLI and the PyTorch script. */
export function modelFlags(model: BenchModelConfig): string[] {
  return Object.entries(model).flatMap(([key, value]) => [
    `--${key.replaceAll("_", "-")}`,
    String(value),
  ]);
}

export function describeModel(model: BenchModelConfig): string {
  return (
    `d ${model.hidden_size}, heads ${model.num_heads}, exp ${model.expansion}, ` +
    `H×L layers ${model.h_layers}×${model.l_layers}, cycles ${model.h_cycles}×${model.l_cycles}, ` +
    `halt_max_steps ${model.halt_max_steps}, batch ${model.batch_size}, seq ${model.max_seq_len}, ` +
    `${model.pos_encodings}`
  );
}
