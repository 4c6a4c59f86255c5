import { type GemmChoice, type GemmSelection, resolveGemm, useGemm } from "../train/gemm-kernel.js";

/**
 * Runs this thread's matrix products on the `--gemm` engine, as the trainer's replicas do, for
 * commands that run a brain in-process (generate, eval). Call after `initTensorflow()`. An
 * `auto` that falls back to WASM says why on stderr, once.
 *
 * @throws AiosError TRAINING (exit 2) when `--gemm native` cannot load.
 */
export function startGemm(choice: GemmChoice): GemmSelection {
  const selection = resolveGemm(choice);
  useGemm(selection.engine);
  if (selection.fallback !== null) process.stderr.write(`${selection.fallback}\n`);
  return selection;
}
