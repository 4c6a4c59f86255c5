import { swigluWidth } from "../src/train/architecture.js";

/** The bench configs train on GPT-2 tokens (the default `--model`). */
const GPT2_VOCAB = 50257;

import type { BenchModelConfig } from "./configs.js";

export interface StepFlops {
  /** Matrix-product GFLOP of one optimizer step (2·m·n·k per product). */
  readonly total: number;
  /** The part in the LM head (`[N, d]×[d, V]` and its two gradient products). */
  readonly head: number;
}

/**
 * Matrix-product work of one training step of HRM-ACTV1 (docs/MODEL.md), counted from the
 * shapes: the work the GEMM engine does, which is what `fp32 peak` shares compare.
 *
 * A segment runs `h_cycles·l_cycles` L-module and `h_cycles` H-module updates: all forward, and
 * the last L and H update also backward (two products per forward product). With
 * `halt_max_steps > 1` the bootstrap Q target runs one more segment forward. The LM head runs
 * once, forward and backward. Each block: qkv `[N,d]×[d,3d]`, scores and probs·v
 * (`2·N·T·d` each), o_proj `d×d`, SwiGLU gate/up `d×2I` and down `I×d`.
 */
export function stepFlops(model: BenchModelConfig, vocab = GPT2_VOCAB): StepFlops {
  const d = model.hidden_size;
  const T = model.max_seq_len;
  const N = model.batch_size * T;
  const inner = swigluWidth({ ...model, vocab_size: vocab });
  const block = 2 * N * (d * 3 * d + 2 * T * d + d * d + d * 2 * inner + inner * d);
  const H = model.h_cycles;
  const L = model.l_cycles;
  const module = (which: "h" | "l") => block * (which === "h" ? model.h_layers : model.l_layers);
  const early = (H * L - 1) * module("l") + (H - 1) * module("h");
  const last = 3 * (module("l") + module("h"));
  const bootstrap = model.halt_max_steps > 1 ? H * L * module("l") + H * module("h") : 0;
  const head = 3 * 2 * N * d * vocab;
  return { total: (early + last + bootstrap + head) / 1e9, head: head / 1e9 };
}
