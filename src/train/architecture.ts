import type { TrainingConfig } from "../config/training-config.js";

/** What fixes the weights' shapes and the computation: the `config.json` of a bundle. */
export interface Architecture {
  readonly hidden_size: number;
  readonly num_heads: number;
  readonly expansion: number;
  readonly h_layers: number;
  readonly l_layers: number;
  readonly h_cycles: number;
  readonly l_cycles: number;
  readonly pos_encodings: "rope" | "sinusoidal" | "learned";
  readonly max_seq_len: number;
  readonly vocab_size: number;
  readonly halt_max_steps: number;
}

export const ARCHITECTURE_KEYS = [
  "hidden_size",
  "num_heads",
  "expansion",
  "h_layers",
  "l_layers",
  "h_cycles",
  "l_cycles",
  "pos_encodings",
  "max_seq_len",
  "vocab_size",
  "halt_max_steps",
] as const satisfies readonly (keyof Architecture)[];

/** The architecture `config` asks for, over a tokenizer of `vocabSize` ids (`Tokenizer.vocabSize`). */
export function architectureOf(config: TrainingConfig, vocabSize: number): Architecture {
  return {
    hidden_size: config.hidden_size,
    num_heads: config.num_heads,
    expansion: config.expansion,
    h_layers: config.h_layers,
    l_layers: config.l_layers,
    h_cycles: config.h_cycles,
    l_cycles: config.l_cycles,
    pos_encodings: config.pos_encodings,
    max_seq_len: config.max_seq_len,
    vocab_size: vocabSize,
    halt_max_steps: config.halt_max_steps,
  };
}

/** SwiGLU inner width, rounded up to a multiple of 256 as in HRM. */
export function swigluWidth(arch: Architecture): number {
  return 256 * Math.ceil(Math.round((arch.expansion * arch.hidden_size * 2) / 3) / 256);
}

/**
 * One tensor of the model. `shape` is the layout used in training (linear weights `[in, out]`,
 * so every forward matmul is `x @ W` with no transpose, which WASM runs fastest);
 * `transposed` marks the tensors stored as `[out, in]` in model.safetensors (docs/MODEL.md).
 */
export interface ParamSpec {
  readonly name: string;
  readonly shape: readonly number[];
  readonly transposed: boolean;
  /** Truncated-normal std at init; `constant` instead fills a value. */
  readonly init: { readonly std: number } | { readonly constant: number };
  /** Updated by AdamW (h_init / l_init are fixed buffers). */
  readonly trainable: boolean;
  /** Decoupled weight decay applies (weight matrices and embeddings, not biases). */
  readonly decay: boolean;
  /** Offset in the flat parameter buffer, in floats. */
  readonly offset: number;
  readonly size: number;
}

export interface ParamLayout {
  readonly specs: readonly ParamSpec[];
  readonly total: number;
  /** Parameters AdamW trains (excludes h_init / l_init). */
  readonly trainableCount: number;
}

export function paramLayout(arch: Architecture): ParamLayout {
  const d = arch.hidden_size;
  const V = arch.vocab_size;
  const I = swigluWidth(arch);
  const specs: ParamSpec[] = [];
  let offset = 0;
  const add = (
    name: string,
    shape: number[],
    init: ParamSpec["init"],
    opts: { transposed?: boolean; trainable?: boolean; decay?: boolean } = {},
  ) => {
    const size = shape.reduce((a, b) => a * b, 1);
    specs.push({
      name,
      shape,
      init,
      transposed: opts.transposed ?? false,
      trainable: opts.trainable ?? true,
      decay: opts.decay ?? true,
      offset,
      size,
    });
    offset += size;
  };
  const linear = (name: string, fanIn: number, fanOut: number) =>
    add(name, [fanIn, fanOut], { std: 1 / Math.sqrt(fanIn) }, { transposed: true });

  add("embed.weight", [V, d], { std: 1 / Math.sqrt(d) });
  if (arch.pos_encodings === "learned")
    add("pos.weight", [arch.max_seq_len, d], { std: 1 / Math.sqrt(d) });
  add("h_init", [d], { std: 1 }, { trainable: false, decay: false });
  add("l_init", [d], { std: 1 }, { trainable: false, decay: false });
  for (const [prefix, layers] of [
    ["h", arch.h_layers],
    ["l", arch.l_layers],
  ] as const) {
    for (let i = 0; i < layers; i++) {
      const p = `${prefix}.blocks.${i}`;
      linear(`${p}.attn.qkv.weight`, d, 3 * d);
      linear(`${p}.attn.o_proj.weight`, d, d);
      linear(`${p}.mlp.gate_up.weight`, d, 2 * I);
      linear(`${p}.mlp.down.weight`, I, d);
    }
  }
  // lm_head std 1/sqrt(d) = 1/sqrt(fan_in): the same rule as the other linear layers.
  linear("lm_head.weight", d, V);
  add("q_head.weight", [d, 2], { constant: 0 }, { transposed: true });
  add("q_head.bias", [2], { constant: -5 }, { decay: false });
  const trainableCount = specs.filter((s) => s.trainable).reduce((a, s) => a + s.size, 0);
  return { specs, total: offset, trainableCount };
}

export function specByName(layout: ParamLayout, name: string): ParamSpec {
  const spec = layout.specs.find((s) => s.name === name);
  if (spec === undefined) throw new Error(`no parameter named ${name}`);
  return spec;
}
