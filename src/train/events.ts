import type { SequenceStreamStats } from "../data/pipeline/sequence-stream.js";
import type { GemmSelection } from "./gemm-kernel.js";
import type { EvalRecord, StepRecord, TraceRecord } from "./metrics-log.js";

/** What the trainer reports while it runs; the CLI turns these into a progress bar or lines. */
export type TrainEvent =
  | {
      readonly kind: "start";
      readonly firstStep: number;
      readonly lastStep: number;
      readonly params: number;
      readonly workers: number;
      readonly resumed: boolean;
      readonly bundleDir: string;
      /** The matrix-product engine, and why `--gemm auto` fell back to WASM if it did. */
      readonly gemm: GemmSelection;
    }
  | { readonly kind: "step"; readonly record: StepRecord; readonly lastStep: number }
  | { readonly kind: "checkpoint"; readonly step: number; readonly dir: string }
  | { readonly kind: "eval"; readonly record: EvalRecord }
  /** Attention traces loaded at start or synced to the vector store. */
  | { readonly kind: "traces"; readonly record: TraceRecord }
  /**
   * What the data pipeline read and could not use: once when the first sample is skipped
   * (`final: false`), and once when training ends (`final: true`).
   */
  | {
      readonly kind: "data";
      readonly final: boolean;
      readonly step: number;
      readonly stats: SequenceStreamStats;
    }
  | { readonly kind: "stopped"; readonly reason: "stop_file" | "signal"; readonly step: number }
  | {
      readonly kind: "finished";
      readonly steps: number;
      readonly bundleDir: string;
      readonly logFile: string;
    };
