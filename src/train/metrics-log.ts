import { appendFile, mkdir } from "node:fs/promises";
import { dirname } from "node:path";
import { AiosError } from "../core/errors.js";
import type { SourceCount } from "../data/types.js";
import type { GemmEngine } from "./gemm-kernel.js";

/** One optimizer step, as appended to the metrics JSONL (fields documented in the README). */
export interface StepRecord {
  readonly event: "step";
  readonly step: number;
  readonly loss: number;
  readonly lm_loss: number;
  readonly halt_loss: number;
  readonly q_halt_loss: number;
  readonly q_continue_loss: number;
  readonly accuracy: number;
  readonly avg_halt_steps: number | null;
  readonly halted: number;
  readonly lr: number;
  readonly grad_norm: number;
  /** The gradient was not finite: the weights were left unchanged. */
  readonly skipped_update: boolean;
  readonly tokens: number;
  readonly tokens_per_s: number;
  readonly step_time_s: number;
  readonly data_wait_s: number;
  /**
   * Samples (rows, tar members) the dataset backend could not use so far in this run: bad rows
   * plus skipped ones (`BackendStats`). Counted as read, a few sequences ahead of the step.
   */
  readonly skipped_samples: number;
  /**
   * A mixture's (`--dataset-mix`): by source name, the samples and tokens of the sequences this
   * step drew (rows that halted take a new sequence; step 1 draws one per row). A sample is
   * counted in the sequence that holds its first token. Absent when one dataset is read.
   */
  readonly sources?: Readonly<Record<string, SourceCount>>;
  /** `custom`, `hf`, `webdataset`, or `mixture` for `--dataset-mix`. */
  readonly backend: string;
  /** The engine of the matrix products: `native` (a BLAS library) or `wasm` (`--gemm`). */
  readonly gemm: GemmEngine;
  readonly brain: string;
  readonly ts: string;
}

export interface EvalRecord {
  readonly event: "eval";
  readonly step: number;
  readonly loss: number;
  readonly ppl: number;
  readonly accuracy: number;
  readonly tokens: number;
  readonly batches: number;
  readonly brain: string;
  readonly ts: string;
}

/**
 * Attention traces read from or written to the vector store (`memory.persistent_traces`):
 * `warm_start` once before the first step, `sync` every `trace_sync_interval` steps.
 */
export interface TraceRecord {
  readonly event: "traces";
  readonly action: "warm_start" | "sync";
  /** The step the sync followed; for a warm start, the step training continues from. */
  readonly step: number;
  /** Traces loaded (warm start) or written (sync). */
  readonly count: number;
  /** Distinct edges (layer, head, query, key) the trainer has seen, loaded ones included. */
  readonly edges: number;
  readonly collection: string;
  readonly vector_store: string;
  readonly seconds: number;
  readonly brain: string;
  readonly ts: string;
}

/**
 * Written first by a `--resume` run, before its first step: the run continues from the
 * checkpoint of step `step`, so earlier records with a larger step (an interrupted run's steps
 * after its last checkpoint) are superseded by this run's.
 */
export interface ResumeRecord {
  readonly event: "resume";
  readonly step: number;
  readonly brain: string;
  readonly ts: string;
}

export type MetricsRecord = StepRecord | EvalRecord | TraceRecord | ResumeRecord;

/** Appends one JSON object per line; never truncates what earlier runs wrote. */
export class MetricsLog {
  constructor(readonly path: string) {}

  /** Creates the file (and its directory) now, so that a bad --log-file fails before training. */
  async open(): Promise<void> {
    try {
      await mkdir(dirname(this.path), { recursive: true });
      await appendFile(this.path, "");
    } catch (error) {
      throw new AiosError(
        "IO",
        `cannot write the metrics log ${this.path}: ${(error as Error).message}`,
        {
          hint: "pass --log-file a path in a writable directory",
        },
      );
    }
  }

  async append(record: MetricsRecord): Promise<void> {
    await appendFile(this.path, `${JSON.stringify(record)}\n`);
  }
}
