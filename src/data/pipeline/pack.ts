import type { BackendPosition, PackedSequence, StreamPosition } from "../types.js";
import type { TokenizedSample } from "./samples.js";
import { SourceTally } from "./source-tally.js";

export interface PackOptions {
  /** Tokens per sequence: `max_seq_len + 1` (inputs are [0, T), labels [1, T]). */
  readonly length: number;
  /** Where the stream starts: tokens carried over from a checkpoint, and the backend position they came from. */
  readonly from?: StreamPosition | null;
  /**
   * At the end of a finite stream, also yield the last, shorter sequence (eval, which pads it
   * in `collateBatch`). Training streams loop and never end.
   */
  readonly keepRemainder?: boolean;
}

/**
 * Concatenates samples' tokens and cuts them into sequences of `length` ids, with no padding
 * and no token lost: the sequences joined are exactly the token stream.
 *
 * Invariant: before a sample is appended, fewer than `length` tokens are pending, so the first
 * sequence cut after it uses up all older tokens. What is left over then belongs to that sample
 * alone, which makes the resume point simple: the backend position after that sample, plus the
 * leftover tokens (`carry`).
 */
export async function* packSequences(
  samples: AsyncIterable<TokenizedSample>,
  options: PackOptions,
): AsyncGenerator<PackedSequence> {
  const { length } = options;
  if (!Number.isInteger(length) || length < 2)
    throw new RangeError(`sequence length ${length} < 2`);
  let pending = Int32Array.from(options.from?.carry ?? []);
  let position: BackendPosition = options.from?.backend ?? {};
  // A mixture's samples name their source; each sequence then says what every source gave.
  const tally = new SourceTally({ tokens: pending.length, source: options.from?.carry_source });
  let mixed = options.from?.carry_source !== undefined;
  const withSources = (sequence: PackedSequence): PackedSequence => {
    if (!mixed) return sequence;
    const sources = tally.take(sequence.ids.length);
    const carrySource = tally.pendingSource();
    return {
      ids: sequence.ids,
      sources,
      position: Object.defineProperties(
        {},
        {
          ...Object.getOwnPropertyDescriptors(sequence.position),
          ...(carrySource === undefined
            ? {}
            : { carry_source: { value: carrySource, enumerable: true } }),
        },
      ) as StreamPosition,
    };
  };

  const cut = function* (): Generator<PackedSequence> {
    let offset = 0;
    for (; offset + length <= pending.length; offset += length) {
      yield withSources(sequenceAt(pending, offset, length, position));
    }
    pending = pending.slice(offset);
  };

  yield* cut();
  for await (const sample of samples) {
    const joined = new Int32Array(pending.length + sample.ids.length);
    joined.set(pending);
    joined.set(sample.ids, pending.length);
    pending = joined;
    position = sample.position;
    if (sample.source !== undefined) mixed = true;
    tally.add(sample.source, sample.ids.length);
    yield* cut();
  }
  // A lone token predicts nothing: a remainder needs at least an input and a label.
  if (options.keepRemainder && pending.length >= 2) {
    yield withSources({ ids: pending.slice(), position: { backend: position, carry: [] } });
  }
}

function sequenceAt(
  tokens: Int32Array,
  offset: number,
  length: number,
  backend: BackendPosition,
): PackedSequence {
  const end = offset + length;
  let carry: readonly number[] | undefined;
  return {
    ids: tokens.slice(offset, end),
    position: {
      backend,
      // Lazy: a long document leaves a long carry after each of its many sequences, and
      // copying it every time would be quadratic. Only checkpoints read it (JSON.stringify
      // calls the getter, so it serialises like a plain field).
      get carry(): readonly number[] {
        carry ??= Array.from(tokens.subarray(end));
        return carry;
      },
    },
  };
}
