import type { Architecture } from "./architecture.js";
import type { EvalResult, SegmentInput, SegmentResult } from "./model.js";

/**
 * Messages between the trainer and its replica workers. Weights and gradients do not travel in
 * messages: the trainer's parameter buffer and each worker's gradient buffer are
 * SharedArrayBuffers, so a step costs two small messages per worker.
 */
export interface ReplicaInit {
  readonly arch: Architecture;
  readonly params: SharedArrayBuffer;
  readonly grads: SharedArrayBuffer;
}

export type ReplicaRequest =
  | {
      readonly kind: "segment";
      readonly input: SegmentInput;
      /** The trainer updated the weights since the last request: copy them in first. */
      readonly reloadParams: boolean;
    }
  | {
      readonly kind: "evaluate";
      readonly ids: Int32Array;
      readonly rows: number;
      readonly reloadParams: boolean;
    }
  | { readonly kind: "reset-carry" };

export type ReplicaReply =
  | { readonly kind: "ready" }
  | { readonly kind: "segment"; readonly result: Omit<SegmentResult, "grads"> }
  | { readonly kind: "evaluate"; readonly result: EvalResult }
  | { readonly kind: "done" }
  | { readonly kind: "error"; readonly message: string; readonly stack: string | undefined };
