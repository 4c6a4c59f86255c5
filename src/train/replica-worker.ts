/**
 * A worker thread holding one model replica. The WASM backend is single-threaded in Node, so
 * the trainer runs one replica per core: each computes the gradient of its rows, then sums the
 * gradients and applies AdamW over its own range of the shared buffers (data parallelism with a
 * sharded optimizer).
 */
import { parentPort, workerData } from "node:worker_threads";
import { adamwUpdate, jsLoops, type OptimizerLoops, sumOfSquares } from "./adamw.js";
import { paramLayout } from "./architecture.js";
import { useGemm } from "./gemm-kernel.js";
import { HrmModel } from "./model.js";
import { loadNativeGemm } from "./native-gemm.js";
import type { ReplicaInit, ReplicaReply, ReplicaRequest } from "./replica-protocol.js";
import { initTensorflow } from "./tf-setup.js";

const port = parentPort;
if (port === null) throw new Error("replica-worker.js must run in a worker thread");
const init = workerData as ReplicaInit;
const params = new Float32Array(init.params);
const m = new Float32Array(init.m);
const v = new Float32Array(init.v);
const allGrads = init.grads.map((buffer) => new Float32Array(buffer));
const gradSum = new Float32Array(init.gradSum);
const layout = paramLayout(init.arch);

function reply(message: ReplicaReply): void {
  port?.postMessage(message);
}

/** gradSum[owned] = Σ over replicas of their gradients there; returns Σ g² of trainable entries. */
function reduceOwned(loops: OptimizerLoops): number {
  const { start, end } = init.owned;
  const [first, ...rest] = allGrads as [Float32Array, ...Float32Array[]];
  gradSum.set(first.subarray(start, end), start);
  for (const g of rest) loops.addInto(gradSum, g, start, end);
  return sumOfSquares(layout, gradSum, init.owned, loops);
}

/** The native engine runs the optimizer's loops in C too (bit-identical, faster). */
function optimizerLoops(): OptimizerLoops {
  if (init.gemm !== "native") return jsLoops;
  const load = loadNativeGemm();
  return load.ok ? load.native.loops : jsLoops;
}

try {
  await initTensorflow();
  useGemm(init.gemm);
  const loops = optimizerLoops();
  const model = new HrmModel(init.arch, params, allGrads[init.index]);
  port.on("message", (request: ReplicaRequest) => {
    try {
      switch (request.kind) {
        case "segment": {
          if (request.reloadParams) model.loadParams(params);
          const { grads: _inSharedMemory, ...result } = model.trainSegment(request.input);
          reply({ kind: "segment", result });
          break;
        }
        case "evaluate":
          if (request.reloadParams) model.loadParams(params);
          reply({ kind: "evaluate", result: model.evaluate(request.ids, request.rows) });
          break;
        case "reduce":
          reply({ kind: "reduced", sumOfSquares: reduceOwned(loops) });
          break;
        case "update":
          adamwUpdate(
            layout,
            params,
            gradSum,
            m,
            v,
            request.step,
            request.gradScale,
            request,
            init.owned,
            loops,
          );
          reply({ kind: "done" });
          break;
      }
    } catch (error) {
      reply(errorReply(error));
    }
  });
  reply({ kind: "ready" });
} catch (error) {
  reply(errorReply(error));
}

function errorReply(error: unknown): ReplicaReply {
  return {
    kind: "error",
    message: error instanceof Error ? error.message : String(error),
    stack: error instanceof Error ? error.stack : undefined,
  };
}
