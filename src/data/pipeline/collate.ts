import { GPT2_PAD_ID } from "../tokenizer/tiktoken.js";
import type { PackedSequence } from "../types.js";

/** Label of a position that has no target: ignored by the loss (PyTorch's convention). */
export const IGNORE_LABEL = -100;

/** A batch in row-major [batchSize, seqLen] layout, ready for tensors. */
export interface Batch {
  /** Input ids, [B*T]; padding positions hold `padId`. */
  readonly inputIds: Int32Array;
  /** Next-token targets, [B*T]: the ids shifted by one; `IGNORE_LABEL` where there is none. */
  readonly labels: Int32Array;
  /** 1 where the position is real (it has an input and a label), 0 on padding. [B*T] */
  readonly attentionMask: Uint8Array;
  readonly batchSize: number;
  readonly seqLen: number;
}

export interface CollateOptions {
  /** T; default: the longest sequence's length - 1 (so full sequences give max_seq_len). */
  readonly seqLen?: number;
  /** Input id on padded positions (masked anyway): the tokenizer's `padId`; GPT-2's by default. */
  readonly padId?: number;
}

/**
 * Stacks sequences of T+1 ids into inputs [0, T) and labels [1, T]. A shorter sequence (the
 * last of a finite stream) is padded: its missing positions are masked and get no label.
 */
export function collateBatch(
  sequences: readonly (PackedSequence | Int32Array)[],
  options: CollateOptions = {},
): Batch {
  const rows = sequences.map((sequence) =>
    sequence instanceof Int32Array ? sequence : sequence.ids,
  );
  if (rows.length === 0) throw new RangeError("collateBatch needs at least one sequence");
  const longest = Math.max(...rows.map((ids) => ids.length));
  const seqLen = options.seqLen ?? longest - 1;
  if (!(Number.isInteger(seqLen) && seqLen >= 1) || longest > seqLen + 1) {
    throw new RangeError(`sequences of up to ${longest} ids do not fit seqLen ${seqLen} (+1)`);
  }
  const padId = options.padId ?? GPT2_PAD_ID;
  const batchSize = rows.length;
  const inputIds = new Int32Array(batchSize * seqLen).fill(padId);
  const labels = new Int32Array(batchSize * seqLen).fill(IGNORE_LABEL);
  const attentionMask = new Uint8Array(batchSize * seqLen);
  rows.forEach((ids, row) => {
    // A sequence of n ids has n - 1 (input, label) pairs.
    const real = Math.max(0, ids.length - 1);
    const at = row * seqLen;
    inputIds.set(ids.subarray(0, real), at);
    labels.set(ids.subarray(1, real + 1), at);
    attentionMask.fill(1, at, at + real);
  });
  return { inputIds, labels, attentionMask, batchSize, seqLen };
}
