import type { Worker } from "node:worker_threads";
import { AiosError } from "../../core/errors.js";
import { startWorker } from "../../core/worker-entry.js";
import type { TokenizerSpec } from "../tokenizer/tokenizer.js";
import { type PositionedSample, type TokenizedSample, withSource } from "./samples.js";
import type { TokenizeReply, TokenizeRequest } from "./tokenize-protocol.js";

export interface TokenizeInWorkersOptions {
  /** The tokenizer each worker loads (`Tokenizer.spec`). */
  readonly tokenizer: TokenizerSpec;
  readonly workers: number;
  /** Most samples per message. */
  readonly batchSize?: number;
  /** Most characters per message (a batch closes at whichever limit comes first). */
  readonly batchChars?: number;
}

// Large enough that posting a message costs little beside encoding it (~10 ms of work for a
// worker at 12 MB/s), small enough to keep the first tokens quick.
const DEFAULT_BATCH = 1024;
const DEFAULT_BATCH_CHARS = 128 * 1024;
/** Batches queued per worker, so that a worker never idles while the next batch is posted. */
const QUEUE_PER_WORKER = 2;

/**
 * `tokenizeSamples` spread over worker threads (`--hf-num-workers`): the same tokenizer and the
 * same output, in the same order, with the encoding of several batches running beside the
 * reading of the next ones. At most `workers × 2` batches are in flight.
 */
export async function* tokenizeInWorkers(
  samples: AsyncIterable<PositionedSample>,
  options: TokenizeInWorkersOptions,
): AsyncGenerator<TokenizedSample> {
  const pool = new TokenizerPool(options.tokenizer, options.workers);
  const batchSize = options.batchSize ?? DEFAULT_BATCH;
  const batchChars = options.batchChars ?? DEFAULT_BATCH_CHARS;
  const inFlight: Promise<TokenizedSample[]>[] = [];
  const submit = (batch: PositionedSample[]) => {
    const done = pool.encode(batch);
    // Handled: a failure is seen when its turn comes, not as an unhandled rejection.
    done.catch(() => {});
    inFlight.push(done);
  };
  try {
    let batch: PositionedSample[] = [];
    let chars = 0;
    for await (const sample of samples) {
      batch.push(sample);
      chars += sample.text.length;
      if (batch.length < batchSize && chars < batchChars) continue;
      submit(batch);
      batch = [];
      chars = 0;
      while (inFlight.length >= options.workers * QUEUE_PER_WORKER) {
        yield* await (inFlight.shift() as Promise<TokenizedSample[]>);
      }
    }
    if (batch.length > 0) submit(batch);
    while (inFlight.length > 0) yield* await (inFlight.shift() as Promise<TokenizedSample[]>);
  } finally {
    await pool.close();
  }
}

/** Worker threads each holding a tokenizer; batches go to the least busy one. */
class TokenizerPool {
  private readonly workers: Worker[];
  private readonly pending = new Map<
    number,
    { resolve: (reply: TokenizeReply) => void; reject: (error: Error) => void; worker: Worker }
  >();
  private readonly load = new Map<Worker, number>();
  private nextId = 0;
  private failure: Error | null = null;

  constructor(spec: TokenizerSpec, count: number) {
    this.workers = Array.from({ length: count }, () => {
      const worker = startWorker(import.meta.url, "tokenize-worker", { workerData: { spec } });
      this.load.set(worker, 0);
      worker.on("message", (reply: TokenizeReply) => this.settle(reply));
      worker.on("error", (error) => this.fail(error));
      worker.on("exit", (code) => {
        if (code !== 0) this.fail(new Error(`exited with code ${code}`));
      });
      return worker;
    });
  }

  async encode(batch: readonly PositionedSample[]): Promise<TokenizedSample[]> {
    if (this.failure !== null) throw this.failure;
    const worker = this.workers.reduce((a, b) =>
      (this.load.get(a) ?? 0) <= (this.load.get(b) ?? 0) ? a : b,
    );
    const id = this.nextId++;
    const reply = new Promise<TokenizeReply>((resolve, reject) => {
      this.pending.set(id, { resolve, reject, worker });
    });
    this.load.set(worker, (this.load.get(worker) ?? 0) + 1);
    const request: TokenizeRequest = { id, texts: batch.map((sample) => sample.text) };
    worker.postMessage(request);
    const answer = await reply;
    if ("error" in answer) throw tokenizeError(answer.error);
    let start = 0;
    return batch.map((sample, i) => {
      const end = answer.ends[i] ?? start;
      const ids = answer.ids.subarray(start, end);
      start = end;
      return withSource({ ids, position: sample.position }, sample.source);
    });
  }

  async close(): Promise<void> {
    await Promise.all(this.workers.map((worker) => worker.terminate()));
  }

  private settle(reply: TokenizeReply): void {
    const waiting = this.pending.get(reply.id);
    if (waiting === undefined) return;
    this.pending.delete(reply.id);
    this.load.set(waiting.worker, (this.load.get(waiting.worker) ?? 1) - 1);
    waiting.resolve(reply);
  }

  private fail(error: Error): void {
    this.failure ??= tokenizeError(error.message);
    for (const waiting of this.pending.values()) waiting.reject(this.failure);
    this.pending.clear();
  }
}

function tokenizeError(message: string): AiosError {
  return new AiosError("TRAINING", `a tokenization worker failed: ${message}`, {
    hint: "run again with --hf-num-workers 0 to tokenize on the main thread, and report the error",
    exitCode: 1,
  });
}
