import * as tf from "@tensorflow/tfjs-core";
// tfjs-core alone registers no gradients, and its unbundled register_all_gradients module is not
// loadable by Node (extensionless ESM imports); the union package registers them all on load.
import "@tensorflow/tfjs";
import { type BackendWasm, setThreadsCount } from "@tensorflow/tfjs-backend-wasm";
import { AiosError } from "../core/errors.js";

/**
 * TF.js engine for training: tfjs-core with the WASM (SIMD) backend.
 *
 * In Node the backend's CommonJS build (`tf-backend-wasm.node.js`, the package `main`) finds
 * `tfjs-backend-wasm-simd.wasm` next to itself through `__dirname` and reads it with `fs`, so
 * no `setWasmPaths` and no network are needed. Threads do not work in Node (the pthread build
 * needs blob: workers), so one process = one core; the trainer uses worker_threads instead.
 */
let ready: Promise<void> | null = null;

export function initTensorflow(): Promise<void> {
  ready ??= (async () => {
    setThreadsCount(1);
    registerUnsortedSegmentSum();
    registerSharedIdentity();
    const ok = await tf.setBackend("wasm");
    if (!ok || tf.getBackend() !== "wasm") {
      throw new AiosError("TRAINING", "the TF.js WASM backend failed to start", {
        hint: "reinstall @tensorflow/tfjs-backend-wasm (its .wasm files must sit in its dist/)",
      });
    }
    await tf.ready();
  })();
  return ready;
}

/**
 * The gradient of `tf.gather` (every embedding lookup) is `UnsortedSegmentSum`, which the WASM
 * backend lacks. A linear scatter-add in JS over the WASM heap costs a few ms per step.
 */
function registerUnsortedSegmentSum(): void {
  if (tf.getKernel("UnsortedSegmentSum", "wasm") !== undefined) return;
  tf.registerKernel({
    kernelName: "UnsortedSegmentSum",
    backendName: "wasm",
    kernelFunc: ({ inputs, backend, attrs }) => {
      const wasm = backend as BackendWasm;
      const x = inputs.x as tf.TensorInfo;
      const segmentIds = inputs.segmentIds as tf.TensorInfo;
      const numSegments = (attrs as { numSegments: number }).numSegments;
      const rows = segmentIds.shape.reduce((a, b) => a * b, 1);
      const innerShape = x.shape.slice(segmentIds.shape.length);
      const inner = innerShape.reduce((a, b) => a * b, 1);
      const values = wasm.readSync(x.dataId) as Float32Array;
      const ids = wasm.readSync(segmentIds.dataId) as Int32Array;
      const out = wasm.makeOutput([numSegments, ...innerShape], x.dtype);
      const target = wasm.typedArrayFromHeap(out) as Float32Array;
      target.fill(0);
      for (let r = 0; r < rows; r++) {
        const id = ids[r] as number;
        if (id < 0 || id >= numSegments) continue; // TF drops out-of-range ids
        const src = r * inner;
        const dst = id * inner;
        for (let j = 0; j < inner; j++) {
          target[dst + j] = (target[dst + j] as number) + (values[src + j] as number);
        }
      }
      return out;
    },
  });
}

/**
 * `Identity` (`tf.clone`) sharing its input's memory, as the CPU backend's does, instead of the
 * WASM kernel's copy. Autodiff clones every tensor a custom gradient saves, so the copy cost a
 * full pass over the `[N, V]` probabilities and the head weights every step (~10 ms at the
 * defaults). TF.js tensors are immutable and every write into the heap here goes into an
 * output just made (`makeOutput`), so sharing is safe.
 */
function registerSharedIdentity(): void {
  tf.unregisterKernel("Identity", "wasm");
  tf.registerKernel({
    kernelName: "Identity",
    backendName: "wasm",
    kernelFunc: ({ inputs, backend }) => {
      const x = inputs.x as tf.TensorInfo;
      (backend as BackendWasm).incRef(x.dataId);
      return { dataId: x.dataId, shape: x.shape, dtype: x.dtype };
    },
  });
}

export { tf };

/**
 * A float32 view of a tensor's memory in the WASM heap, without the copy `dataSync` makes.
 * Valid until the next TF op (the heap can grow and move); write only into tensors just made.
 */
export function heapView(tensor: tf.Tensor): Float32Array {
  return (tf.backend() as BackendWasm).typedArrayFromHeap(tensor) as Float32Array;
}
