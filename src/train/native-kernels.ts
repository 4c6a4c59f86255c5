import type { BackendWasm } from "@tensorflow/tfjs-backend-wasm";
import * as tf from "@tensorflow/tfjs-core";
import type {
  GemmFunction,
  NativeGemm,
  SoftmaxCrossEntropyFunction,
  StridedCopyFunction,
} from "./native-gemm.js";

/**
 * TF.js kernels for the WASM backend that run in the native addon on `Float32Array` views of
 * the WASM heap: inputs read in place, outputs written into memory TF.js just allocated.
 * src/train/gemm-kernel.ts registers them for the native engine.
 */

/** The fused kernel `softmaxCrossEntropy` (gemm-kernel.ts) runs. */
export const SOFTMAX_CROSS_ENTROPY = "AiosSoftmaxCrossEntropy";

/**
 * The native replacements, by kernel name; each passes the cases it does not cover to
 * `originals` (the WASM kernels).
 */
export function nativeKernels(
  native: NativeGemm,
  originals: ReadonlyMap<string, tf.KernelConfig>,
): tf.KernelConfig[] {
  const original = (name: string): tf.KernelFunc => {
    const config = originals.get(name);
    if (config === undefined) throw new Error(`the WASM backend has no ${name} kernel`);
    return config.kernelFunc;
  };
  return [
    nativeBatchMatMul(native.gemm, original("BatchMatMul")),
    nativeSlice(native.stridedCopy, original("Slice")),
    nativeTranspose(native.stridedCopy, original("Transpose")),
    softmaxCrossEntropyKernel(native.softmaxCrossEntropy),
  ];
}

/** Kernel names `nativeKernels` replaces (the fused softmax kernel is new, not a replacement). */
export const REPLACED_KERNELS = ["BatchMatMul", "Slice", "Transpose"] as const;

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

/** Element types stridedCopy moves (4 bytes each). */
function isWord(dtype: tf.DataType): boolean {
  return dtype === "float32" || dtype === "int32";
}

/**
 * TF.js's Slice. The WASM kernel copies its whole input out of the heap (`readSync`) and then
 * the slice out of that copy, row by row in JS; here rows go straight from heap to heap.
 * Contiguous slices and other element types stay with the WASM kernel.
 */
function nativeSlice(copy: StridedCopyFunction, wasmKernel: tf.KernelFunc): tf.KernelConfig {
  const kernelFunc: tf.KernelFunc = (args) => {
    const backend = args.backend as BackendWasm;
    const x = args.inputs.x as tf.TensorInfo;
    const { begin, size } = args.attrs as unknown as { begin: number[]; size: number[] };
    const [start, extent] = tf.slice_util.parseSliceParams(x as tf.Tensor, begin, size) as [
      number[],
      number[],
    ];
    if (
      !isWord(x.dtype) ||
      x.shape.length === 0 ||
      tf.slice_util.isSliceContinous(x.shape, start, extent)
    ) {
      return wasmKernel(args);
    }
    const strides = [...tf.util.computeStrides(x.shape), 1];
    const out = backend.makeOutput(extent, x.dtype);
    if (tf.util.sizeFromShape(extent) === 0) return out;
    const offset = start.reduce((sum, b, k) => sum + b * (strides[k] as number), 0);
    copy(
      backend.typedArrayFromHeap(x) as Float32Array,
      offset,
      backend.typedArrayFromHeap(out) as Float32Array,
      0,
      extent,
      strides,
    );
    return out;
  };
  return { kernelName: "Slice", backendName: "wasm", kernelFunc };
}

/**
 * TF.js's Transpose when the last axis stays last (the heads split and merge of attention,
 * `[r, T, nh, hd] -> [r, nh, T, hd]`): whole rows of the last axis copied, instead of the WASM
 * kernel's element-by-element walk. Other permutations stay with the WASM kernel.
 */
function nativeTranspose(copy: StridedCopyFunction, wasmKernel: tf.KernelFunc): tf.KernelConfig {
  const kernelFunc: tf.KernelFunc = (args) => {
    const backend = args.backend as BackendWasm;
    const x = args.inputs.x as tf.TensorInfo;
    const { perm } = args.attrs as unknown as { perm: number[] };
    const rank = x.shape.length;
    if (!isWord(x.dtype) || rank < 2 || perm[rank - 1] !== rank - 1) return wasmKernel(args);
    const inStrides = [...tf.util.computeStrides(x.shape), 1];
    const outShape = perm.map((axis) => x.shape[axis] as number);
    const out = backend.makeOutput(outShape, x.dtype);
    if (tf.util.sizeFromShape(outShape) === 0) return out;
    copy(
      backend.typedArrayFromHeap(x) as Float32Array,
      0,
      backend.typedArrayFromHeap(out) as Float32Array,
      0,
      outShape,
      perm.map((axis) => inStrides[axis] as number),
    );
    return out;
  };
  return { kernelName: "Transpose", backendName: "wasm", kernelFunc };
}
