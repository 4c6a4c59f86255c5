/**
 * A worker thread holding one model replica. The WASM backend is single-threaded in Node, so
 * the trainer runs one replica per core and averages their gradients (data parallelism).
 */
import { parentPort, workerData } from "node:worker_threads";
import { HrmModel } from "./model.js";
import type { ReplicaInit, ReplicaReply, ReplicaRequest } from "./replica-protocol.js";
import { initTensorflow } from "./tf-setup.js";

const port = parentPort;
if (port === null) throw new Error("replica-worker.js must run in a worker thread");
const init = workerData as ReplicaInit;
const params = new Float32Array(init.params);

function reply(message: ReplicaReply): void {
  port?.postMessage(message);
}

try {
  await initTensorflow();
  const model = new HrmModel(init.arch, params, new Float32Array(init.grads));
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
        case "reset-carry":
          model.resetCarry();
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
