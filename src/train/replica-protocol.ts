import type { FlatRange } from "./adamw.js";
import type { Architecture } from "./architecture.js";
import type { GemmEngine } from "./gemm-kernel.js";
import type { EvalResult, SegmentInput, SegmentResult } from "./model.js";

/**
 * Messages between the trainer and its replica workers. Weights, gradients and optimizer
 * moments do not travel in messages: they are SharedArrayBuffers, so a step costs a few small
 * messages per worker. Each replica owns one range of the flat buffers for the optimizer: it
 * sums every replica's gradient over that range and applies AdamW to it.
 */
export interface ReplicaInit {
  readonly arch: Architecture;
  readonly params: SharedArrayBuffer;
  readonly m: SharedArrayBuffer;
  readonly v: SharedArrayBuffer;
  /** Every replica's gradient buffer; this replica writes the one at `index`. */
  readonly grads: readonly SharedArrayBuffer[];
  /** The summed gradient, written range by range. */
  readonly gradSum: SharedArrayBuffer;
  readonly index: number;
  readonly owned: FlatRange;
  /** The engine of every matrix product, resolved once by the trainer (`--gemm`). */
  readonly gemm: GemmEngine;
}

export type ReplicaRequest =
  | {
      readonly kind: "segment";
      readonly input: SegmentInput;
      /** The weights changed since the last request: copy them in first. */
      readonly reloadParams: boolean;
    }
  | {
      readonly kind: "evaluate";
      readonly ids: Int32Array;
      readonly rows: number;
      readonly reloadParams: boolean;
    }
  /** Sum the replicas' gradients over the owned range; answer Σ g² there. */
  | { readonly kind: "reduce" }
  /** AdamW on the owned range, gradients scaled by `gradScale`. */
  | {
      readonly kind: "update";
      readonly step: number;
      readonly lr: number;
      readonly weightDecay: number;
      readonly gradScale: number;
    };

export type ReplicaReply =
  | { readonly kind: "ready" }
  | { readonly kind: "segment"; readonly result: Omit<SegmentResult, "grads"> }
  | { readonly kind: "evaluate"; readonly result: EvalResult }
  | { readonly kind: "reduced"; readonly sumOfSquares: number }
  | { readonly kind: "done" }
  | { readonly kind: "error"; readonly message: string; readonly stack: string | undefined };
