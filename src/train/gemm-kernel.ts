import type { BackendWasm } from "@tensorflow/tfjs-backend-wasm";
import * as tf from "@tensorflow/tfjs-core";
import { AiosError } from "../core/errors.js";
import {
  type GemmFunction,
  loadNativeGemm,
  type SoftmaxCrossEntropyFunction,
} from "./native-gemm.js";

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

let original: tf.KernelConfig | null = null;
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
 * Makes `engine` run BatchMatMul on the WASM backend of this thread (call after the backend has
 * started: the WASM kernel's setup must have run). `native` requires `loadNativeGemm` to succeed.
 *
 * @throws AiosError TRAINING when the native GEMM cannot load.
 */
export function useGemm(engine: GemmEngine, env: NodeJS.ProcessEnv = process.env): void {
  original ??= tf.getKernel("BatchMatMul", "wasm") ?? null;
  if (original === null) throw new Error("the WASM backend has no BatchMatMul kernel");
  let config = original;
  if (tf.getKernel(SOFTMAX_CROSS_ENTROPY, "wasm") !== undefined) {
    tf.unregisterKernel(SOFTMAX_CROSS_ENTROPY, "wasm");
  }
  if (engine === "native") {
    const load = loadNativeGemm(env);
    if (!load.ok) {
      throw new AiosError("TRAINING", `native GEMM: ${load.reason}`, { hint: load.hint });
    }
    config = nativeBatchMatMul(load.native.gemm, original.kernelFunc);
    tf.registerKernel(softmaxCrossEntropyKernel(load.native.softmaxCrossEntropy));
  }
  tf.unregisterKernel("BatchMatMul", "wasm");
  tf.registerKernel(config);
  active = engine;
}

/** The fused kernel `softmaxCrossEntropy` runs (registered with the native engine only). */
const SOFTMAX_CROSS_ENTROPY = "AiosSoftmaxCrossEntropy";

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

function softmaxCrossEntropyKernel(run: SoftmaxCrossEntropyFunction): tf.KernelConfig {
  const kernelFunc: tf.KernelFunc = ({ inputs, backend }) => {
    const wasm = backend as BackendWasm;
    const logits = inputs.logits as tf.TensorInfo;
    const labels = inputs.labels as tf.TensorInfo;
    const [rows, vocab] = logits.shape as [number, number];
    if (logits.dtype !== "float32" || labels.dtype !== "int32" || labels.shape[0] !== rows) {
      throw new Error(
        `${SOFTMAX_CROSS_ENTROPY}: needs float32 logits [N, V] and int32 labels [N], got ${logits.dtype} [${logits.shape}] and ${labels.dtype} [${labels.shape}]`,
      );
    }
    const probs = wasm.makeOutput([rows, vocab], "float32");
    const nll = wasm.makeOutput([rows], "float32");
    const correct = wasm.makeOutput([rows], "float32");
    if (rows > 0) {
      // Views only after every makeOutput: an allocation can move the heap.
      run(
        wasm.typedArrayFromHeap(logits) as Float32Array,
        wasm.typedArrayFromHeap(labels) as Int32Array,
        wasm.typedArrayFromHeap(probs) as Float32Array,
        wasm.typedArrayFromHeap(nll) as Float32Array,
        wasm.typedArrayFromHeap(correct) as Float32Array,
        rows,
        vocab,
      );
    }
    return [probs, nll, correct];
  };
  return { kernelName: SOFTMAX_CROSS_ENTROPY, backendName: "wasm", kernelFunc };
}

interface BatchMatMulAttrs {
  readonly transposeA: boolean;
  readonly transposeB: boolean;
}

function product(dims: readonly number[]): number {
  return dims.reduce((a, b) => a * b, 1);
}

/**
 * TF.js's BatchMatMul (`a [..., m, k] @ b [..., k, n]`, transposes as attributes, batch dims
 * broadcast) as BLAS calls on the heap. Shapes the WASM kernel itself does not broadcast
 * (both batches above 1 and different) and non-float inputs go to `wasmKernel`.
 */
function nativeBatchMatMul(gemm: GemmFunction, wasmKernel: tf.KernelFunc): tf.KernelConfig {
  const kernelFunc: tf.KernelFunc = (args) => {
    const backend = args.backend as BackendWasm;
    const a = args.inputs.a as tf.TensorInfo;
    const b = args.inputs.b as tf.TensorInfo;
    const { transposeA, transposeB } = args.attrs as unknown as BatchMatMulAttrs;
    const ra = a.shape.length;
    const rb = b.shape.length;
    const m = a.shape[transposeA ? ra - 1 : ra - 2] as number;
    const k = a.shape[transposeA ? ra - 2 : ra - 1] as number;
    const kb = b.shape[transposeB ? rb - 1 : rb - 2] as number;
    const n = b.shape[transposeB ? rb - 2 : rb - 1] as number;
    const batchA = product(a.shape.slice(0, -2));
    const batchB = product(b.shape.slice(0, -2));
    if (
      a.dtype !== "float32" ||
      b.dtype !== "float32" ||
      k !== kb ||
      (batchA !== batchB && batchA !== 1 && batchB !== 1)
    ) {
      return wasmKernel(args); // its own checks give TF.js's error messages
    }
    const outer = tf.backend_util.assertAndGetBroadcastShape(
      a.shape.slice(0, -2),
      b.shape.slice(0, -2),
    );
    const batch = Math.max(batchA, batchB);
    if (product(outer) !== batch) return wasmKernel(args);
    const out = backend.makeOutput([...outer, m, n], "float32");
    if (batch * m * n === 0) return out;
    // Views only after makeOutput: an allocation can grow the heap and detach older views.
    const c = backend.typedArrayFromHeap(out) as Float32Array;
    if (k === 0) {
      c.fill(0);
      return out;
    }
    gemm(
      backend.typedArrayFromHeap(a) as Float32Array,
      0,
      transposeA ? m : k,
      batchA === 1 ? 0 : m * k,
      backend.typedArrayFromHeap(b) as Float32Array,
      0,
      transposeB ? k : n,
      batchB === 1 ? 0 : k * n,
      c,
      0,
      n,
      m * n,
      batch,
      m,
      n,
      k,
      transposeA,
      transposeB,
      1,
      0,
    );
    return out;
  };
  return { kernelName: "BatchMatMul", backendName: "wasm", kernelFunc };
}
