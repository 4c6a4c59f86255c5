import { AiosError } from "../core/errors.js";
import type { EvalResult } from "./model.js";

/** Totals of an evaluation over a finite stream of `T + 1`-token sequences. */
export interface EvalTotals {
  readonly loss: number;
  readonly ppl: number;
  readonly accuracy: number;
  readonly tokens: number;
  readonly batches: number;
  /** Sequences left out because the stream ended before they were full. */
  readonly shortSequences: number;
}

/**
 * Mean next-token cross-entropy, perplexity `exp(loss)` and argmax accuracy over up to
 * `maxBatches` batches of `batchSize` full sequences (`T + 1` ids) read from `sequences`;
 * `run` evaluates one batch (HrmModel.evaluate: `halt_max_steps` segments from a fresh state).
 *
 * @throws AiosError `DATASET_EMPTY` naming `source` when not one full sequence arrives.
 */
export async function evaluateSequences(
  sequences: AsyncIterable<{ readonly ids: Int32Array }>,
  options: { T: number; batchSize: number; maxBatches: number; source: string },
  run: (ids: Int32Array, rows: number) => EvalResult | Promise<EvalResult>,
): Promise<EvalTotals> {
  const { T, batchSize, maxBatches } = options;
  let lossSum = 0;
  let correct = 0;
  let tokens = 0;
  let batches = 0;
  let shortSequences = 0;
  let pending: Int32Array[] = [];
  const flush = async () => {
    const ids = new Int32Array(pending.length * (T + 1));
    for (const [i, seq] of pending.entries()) ids.set(seq, i * (T + 1));
    const r = await run(ids, pending.length);
    lossSum += r.lossSum;
    correct += r.correct;
    tokens += r.tokens;
    batches += 1;
    pending = [];
  };
  for await (const sequence of sequences) {
    if (sequence.ids.length !== T + 1) {
      shortSequences += 1;
      continue;
    }
    pending.push(sequence.ids);
    if (pending.length === batchSize) await flush();
    if (batches === maxBatches) break;
  }
  if (pending.length > 0 && batches < maxBatches) await flush();
  if (tokens === 0) {
    throw new AiosError(
      "DATASET_EMPTY",
      `${options.source}: fewer than ${T + 1} tokens, not one full sequence to evaluate`,
      { hint: "give a longer dataset (the brain's context is fixed by its max_seq_len)" },
    );
  }
  const loss = lossSum / tokens;
  return { loss, ppl: Math.exp(loss), accuracy: correct / tokens, tokens, batches, shortSequences };
}
