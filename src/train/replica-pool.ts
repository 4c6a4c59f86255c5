import type { Worker } from "node:worker_threads";
import { AiosError } from "../core/errors.js";
import { startWorker } from "../core/worker-entry.js";
import type { AdamWSettings } from "./adamw.js";
import type { Architecture, ParamLayout } from "./architecture.js";
import type { GemmEngine } from "./gemm-kernel.js";
import type { EvalResult, SegmentResult } from "./model.js";
import type { ReplicaReply, ReplicaRequest } from "./replica-protocol.js";

/** Rows `[start, end)` of the batch that one replica computes. */
export interface RowSlice {
  readonly start: number;
  readonly end: number;
}

/** Splits `[0, rows)` into `parts` contiguous slices whose sizes differ by at most one. */
export function splitRows(rows: number, parts: number): RowSlice[] {
  const slices: RowSlice[] = [];
  let start = 0;
  for (let i = 0; i < parts; i++) {
    const size = Math.floor(rows / parts) + (i < rows % parts ? 1 : 0);
    slices.push({ start, end: start + size });
    start += size;
  }
  return slices;
}

/** Weights and AdamW moments, each backed by a SharedArrayBuffer the replicas update. */
export interface SharedTrainingState {
  readonly params: Float32Array;
  readonly m: Float32Array;
  readonly v: Float32Array;
}

export interface BatchSegmentInput {
  /** `[B * (T + 1)]` ids, row-major. */
  readonly ids: Int32Array;
  readonly reset: readonly boolean[];
  readonly lastStep: readonly boolean[];
  /** Strongest attention edges per head each replica reports (0: none); see SegmentInput. */
  readonly captureAttention?: number;
}

/**
 * Model replicas in worker threads over shared weights. `segment` scatters a batch over the
 * replicas by rows and gathers per-row results in row order; `reduceGradients` and `update`
 * then run the optimizer sharded: each replica sums the gradients over its own range of the
 * flat buffers and applies AdamW there. Each replica keeps the ACT carry of its own rows, so the
 * row split must stay fixed for the whole run (it does: the batch size is fixed).
 */
export class ReplicaPool {
  private paramsChanged = false;

  private constructor(
    private readonly workers: Worker[],
    private readonly T: number,
  ) {}

  static async start(
    arch: Architecture,
    layout: ParamLayout,
    state: SharedTrainingState,
    count: number,
    gemm: GemmEngine,
  ): Promise<ReplicaPool> {
    for (const [name, array] of Object.entries(state)) {
      if (!(array.buffer instanceof SharedArrayBuffer)) {
        throw new TypeError(`replica ${name} must live in a SharedArrayBuffer`);
      }
    }
    const bytes = layout.total * Float32Array.BYTES_PER_ELEMENT;
    const grads = Array.from({ length: count }, () => new SharedArrayBuffer(bytes));
    const gradSum = new SharedArrayBuffer(bytes);
    const owned = splitRows(layout.total, count);
    const workers = owned.map((range, index) =>
      startWorker(import.meta.url, "replica-worker", {
        workerData: {
          arch,
          params: state.params.buffer,
          m: state.m.buffer,
          v: state.v.buffer,
          grads,
          gradSum,
          index,
          owned: range,
          gemm,
        },
      }),
    );
    const pool = new ReplicaPool(workers, arch.max_seq_len);
    try {
      await Promise.all(workers.map((w) => nextReply(w)));
    } catch (error) {
      await pool.close();
      throw error;
    }
    return pool;
  }

  get size(): number {
    return this.workers.length;
  }

  /** Sums the replicas' gradients (each over its range) and returns the global L2 norm. */
  async reduceGradients(): Promise<number> {
    const replies = await Promise.all(this.workers.map((w) => request(w, { kind: "reduce" })));
    let sum = 0;
    for (const r of replies) {
      if (r.kind !== "reduced") throw new Error(`replica answered ${r.kind} to a reduce`);
      sum += r.sumOfSquares;
    }
    return Math.sqrt(sum);
  }

  /** AdamW on the summed gradient, scaled by `gradScale`; the next request reloads weights. */
  async update(step: number, gradScale: number, settings: AdamWSettings): Promise<void> {
    await Promise.all(
      this.workers.map((w) => request(w, { kind: "update", step, gradScale, ...settings })),
    );
    this.paramsChanged = true;
  }

  async segment(input: BatchSegmentInput): Promise<Omit<SegmentResult, "grads">> {
    const rows = input.reset.length;
    const slices = splitRows(rows, this.workers.length);
    const reloadParams = this.takeParamsChanged();
    const replies = await Promise.all(
      this.workers.map((worker, i) => {
        const { start, end } = slices[i] as RowSlice;
        return request(worker, {
          kind: "segment",
          reloadParams,
          input: {
            ids: input.ids.slice(start * (this.T + 1), end * (this.T + 1)),
            reset: input.reset.slice(start, end),
            lastStep: input.lastStep.slice(start, end),
            globalTokens: rows * this.T,
            globalRows: rows,
            captureAttention: input.captureAttention ?? 0,
          },
        });
      }),
    );
    const results = replies.map((r) => {
      if (r.kind !== "segment") throw new Error(`replica answered ${r.kind} to a segment`);
      return r.result;
    });
    return {
      lmLossSum: sum(results.map((r) => r.lmLossSum)),
      qHaltLossSum: sum(results.map((r) => r.qHaltLossSum)),
      qContinueLossSum: sum(results.map((r) => r.qContinueLossSum)),
      correct: results.flatMap((r) => r.correct),
      qHalt: results.flatMap((r) => r.qHalt),
      qContinue: results.flatMap((r) => r.qContinue),
      attention: results.flatMap((r) => r.attention),
    };
  }

  /** Evaluates `rows` fresh sequences of `T + 1` ids, spread over the replicas. */
  async evaluate(ids: Int32Array, rows: number): Promise<EvalResult> {
    const slices = splitRows(rows, this.workers.length).filter((s) => s.end > s.start);
    const reloadParams = this.takeParamsChanged();
    const replies = await Promise.all(
      slices.map(({ start, end }, i) =>
        request(this.workers[i] as Worker, {
          kind: "evaluate",
          reloadParams,
          ids: ids.slice(start * (this.T + 1), end * (this.T + 1)),
          rows: end - start,
        }),
      ),
    );
    let lossSum = 0;
    let correct = 0;
    let tokens = 0;
    for (const r of replies) {
      if (r.kind !== "evaluate") throw new Error(`replica answered ${r.kind} to an evaluation`);
      lossSum += r.result.lossSum;
      correct += r.result.correct;
      tokens += r.result.tokens;
    }
    // Replicas that had no rows this time must still reload next time.
    if (reloadParams && slices.length < this.workers.length) this.paramsChanged = true;
    return { lossSum, correct, tokens };
  }

  async close(): Promise<void> {
    await Promise.all(this.workers.map((w) => w.terminate()));
  }

  private takeParamsChanged(): boolean {
    const changed = this.paramsChanged;
    this.paramsChanged = false;
    return changed;
  }
}

function sum(values: readonly number[]): number {
  return values.reduce((a, b) => a + b, 0);
}

function request(worker: Worker, message: ReplicaRequest): Promise<ReplicaReply> {
  const reply = nextReply(worker);
  worker.postMessage(message);
  return reply;
}

/** The worker's next message; a replica error or crash becomes an AiosError. */
function nextReply(worker: Worker): Promise<ReplicaReply> {
  return new Promise((resolve, reject) => {
    const cleanup = () => {
      worker.off("message", onMessage);
      worker.off("error", onError);
      worker.off("exit", onExit);
    };
    const onMessage = (message: ReplicaReply) => {
      cleanup();
      if (message.kind === "error") reject(replicaError(message.message, message.stack));
      else resolve(message);
    };
    const onError = (error: Error) => {
      cleanup();
      reject(replicaError(error.message, error.stack));
    };
    const onExit = (code: number) => {
      cleanup();
      reject(replicaError(`the replica worker exited with code ${code}`, undefined));
    };
    worker.on("message", onMessage);
    worker.on("error", onError);
    worker.on("exit", onExit);
  });
}

function replicaError(message: string, stack: string | undefined): AiosError {
  const outOfMemory =
    /out of memory|Array buffer allocation failed|memory access out of bounds/i.test(message);
  return new AiosError("TRAINING", `a training replica failed: ${message}`, {
    hint: outOfMemory
      ? "the model does not fit in memory: lower --batch-size, --max-seq-len or --hidden-size, or use fewer --workers"
      : "run again with --debug for the replica's stack trace, and report it",
    cause: stack,
    exitCode: 1,
  });
}
