/**
 * Architecture flags of a model small enough that a training step takes a fraction of a second
 * on two cores: for CLI tests about behaviour, not about the model's size.
 */
export const TINY_MODEL_FLAGS: readonly string[] = [
  "--hidden-size",
  "32",
  "--num-heads",
  "2",
  "--max-seq-len",
  "16",
];
