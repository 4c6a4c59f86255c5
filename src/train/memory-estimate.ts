import type { TrainingConfig } from "../config/training-config.js";
import { architectureOf, paramLayout, swigluWidth } from "./architecture.js";

const FLOAT_BYTES = 4;

/** What a training run of this configuration holds in memory, in bytes (float32 throughout). */
export interface TrainingMemoryEstimate {
  /** Parameters AdamW trains. */
  readonly trainableParams: number;
  /** Every float of the model, fixed buffers (h_init, l_init) included. */
  readonly totalParams: number;
  /** The shared weights and AdamW's two moments (m, v). */
  readonly weightsAndOptimizerBytes: number;
  /** One gradient buffer per worker plus the reduced sum. */
  readonly gradientBytes: number;
  /** Each worker's own copy of the weights inside TF.js. */
  readonly replicaBytes: number;
  /**
   * Activations kept for the backward pass of one segment, all workers together. A rough
   * figure: logits (vocab-wide, usually the largest part), block inputs and outputs, attention.
   */
  readonly activationBytes: number;
  readonly totalBytes: number;
}

/**
 * The memory estimator of the training panel: exact for weights, optimizer and gradients (the
 * buffers `ReplicaPool` allocates), an order of magnitude for activations. `vocabSize` is the
 * tokenizer's (`Tokenizer.vocabSize`): it sets the embedding and output layers.
 */
export function estimateTrainingMemory(
  config: Pick<
    TrainingConfig,
    | "hidden_size"
    | "num_heads"
    | "expansion"
    | "h_layers"
    | "l_layers"
    | "h_cycles"
    | "l_cycles"
    | "pos_encodings"
    | "max_seq_len"
    | "halt_max_steps"
    | "batch_size"
    | "workers"
  >,
  vocabSize: number,
): TrainingMemoryEstimate {
  const arch = architectureOf(config as TrainingConfig, vocabSize);
  const layout = paramLayout(arch);
  const workers = Math.min(config.workers, config.batch_size);
  const total = layout.total;
  const weightsAndOptimizerBytes = 3 * total * FLOAT_BYTES;
  const gradientBytes = (workers + 1) * total * FLOAT_BYTES;
  const replicaBytes = workers * total * FLOAT_BYTES;
  const tokens = config.batch_size * arch.max_seq_len;
  const d = arch.hidden_size;
  const blocks = arch.h_layers + arch.l_layers;
  // Per token: logits, softmax and their gradient (3 x vocab); per block: qkv, attention output,
  // residuals and norms (~10 d) and the SwiGLU inner activations (3 x inner width); attention
  // probabilities per head over the sequence.
  const perToken =
    3 * arch.vocab_size +
    blocks * (10 * d + 3 * swigluWidth(arch) + arch.num_heads * arch.max_seq_len);
  const activationBytes = tokens * perToken * FLOAT_BYTES;
  return {
    trainableParams: layout.trainableCount,
    totalParams: total,
    weightsAndOptimizerBytes,
    gradientBytes,
    replicaBytes,
    activationBytes,
    totalBytes: weightsAndOptimizerBytes + gradientBytes + replicaBytes + activationBytes,
  };
}
