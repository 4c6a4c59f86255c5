import * as tf from "@tensorflow/tfjs-core";
import { AiosError } from "../core/errors.js";
import { loadNativeGemm } from "./native-gemm.js";
import { nativeKernels, REPLACED_KERNELS, SOFTMAX_CROSS_ENTROPY } from "./native-kernels.js";

/** The `--gemm` choice. */
export type GemmChoice = "auto" | "native" | "wasm";
/** The engine that runs TF.js's BatchMatMul in this thread. */
export type GemmEngine = "native" | "wasm";

export interface GemmSelection {
  readonly engine: GemmEngine;
  /** The BLAS library opened (native only). */
  readonly library: string | null;
  /** Why `auto` fell back to WASM, and how to get the native path: one line; else null. */
  readonly fallback: string | null;
}

/**
 * Resolves `--gemm`: `wasm` as asked; `native` or `auto` load the addon and a BLAS library.
 * `auto` falls back to WASM with the reason; `native` that cannot load throws.
 *
 * @throws AiosError TRAINING (exit 2) when `native` was asked for and cannot load.
 */
export function resolveGemm(
  choice: GemmChoice,
  env: NodeJS.ProcessEnv = process.env,
): GemmSelection {
  if (choice === "wasm") return { engine: "wasm", library: null, fallback: null };
  const load = loadNativeGemm(env);
  if (load.ok) return { engine: "native", library: load.native.library, fallback: null };
  if (choice === "native") {
    throw new AiosError("TRAINING", `--gemm native: ${load.reason}`, {
      hint: `${load.hint}; or pass --gemm wasm (or auto) to use TF.js's WASM matmul`,
    });
  }
  return {
    engine: "wasm",
    library: null,
    fallback: `matrix products on WASM: ${load.reason}; for the faster native path, ${load.hint}`,
  };
}

/** How a selection reads in a run's first line: `native GEMM (libopenblas.so.0)`, `WASM GEMM`. */
export function describeGemm(selection: GemmSelection): string {
  return selection.engine === "native" ? `native GEMM (${selection.library})` : "WASM GEMM";
}

/** The WASM backend's own kernels that the native engine replaces, kept to switch back. */
const originals = new Map<string, tf.KernelConfig>();
let active: GemmEngine = "wasm";

/** The engine `useGemm` set in this thread. */
export function gemmEngine(): GemmEngine {
  return active;
}

/**
 * Whether a transposed operand costs nothing: true with the native GEMM (a BLAS flag); with
 * WASM a transposed operand is 7-17x slower than materialising the transpose (measured.md).
 */
export function transposesAreFree(): boolean {
  return active === "native";
}

/**
 * Makes `engine` run the matrix products (and, for `native`, the kernels of native-kernels.ts)
 * on the WASM backend of this thread. Call after the backend has started: the WASM kernels'
 * setup must have run. `native` requires `loadNativeGemm` to succeed.
 *
 * @throws AiosError TRAINING when the native GEMM cannot load.
 */
export function useGemm(engine: GemmEngine, env: NodeJS.ProcessEnv = process.env): void {
  for (const name of REPLACED_KERNELS) {
    if (originals.has(name)) continue;
    const config = tf.getKernel(name, "wasm");
    if (config === undefined) throw new Error(`the WASM backend has no ${name} kernel`);
    originals.set(name, config);
  }
  let configs = [...originals.values()];
  if (engine === "native") {
    const load = loadNativeGemm(env);
    if (!load.ok) {
      throw new AiosError("TRAINING", `native GEMM: ${load.reason}`, { hint: load.hint });
    }
    configs = nativeKernels(load.native, originals);
  }
  if (tf.getKernel(SOFTMAX_CROSS_ENTROPY, "wasm") !== undefined) {
    tf.unregisterKernel(SOFTMAX_CROSS_ENTROPY, "wasm");
  }
  for (const config of configs) {
    if (tf.getKernel(config.kernelName, "wasm") !== undefined) {
      tf.unregisterKernel(config.kernelName, "wasm");
    }
    tf.registerKernel(config);
  }
  active = engine;
}

/**
 * Softmax, per-row cross-entropy and argmax accuracy of `logits [N, V]` against `labels [N]`
 * in one native pass (see SoftmaxCrossEntropyFunction): `probs [N, V]`, `nll [N]`,
 * `correct [N]` (float 1/0). Null when the native engine is not in use. Not differentiable:
 * for the forward of a custom gradient.
 */
export function softmaxCrossEntropy(
  logits: tf.Tensor2D,
  labels: tf.Tensor1D,
): { probs: tf.Tensor2D; nll: tf.Tensor1D; correct: tf.Tensor1D } | null {
  if (active !== "native") return null;
  const [probs, nll, correct] = tf
    .engine()
    .runKernel(SOFTMAX_CROSS_ENTROPY, { logits, labels }, {}) as tf.Tensor[];
  return {
    probs: probs as tf.Tensor2D,
    nll: nll as tf.Tensor1D,
    correct: correct as tf.Tensor1D,
  };
}
