import { AiosError } from "../core/errors.js";
import type { SequenceStream, SequenceStreamStats } from "../data/pipeline/sequence-stream.js";
import type { BackendStats, PackedSequence } from "../data/types.js";

/**
 * The training stream as the trainer takes it, one sequence at a time. Opening it reads the
 * first sequence, so that whatever only reading can check fails before the first step, with
 * nothing trained or logged: a saved data position the configured backend cannot continue from
 * (each backend parses it when its iteration starts), shards or files that cannot be opened, a
 * dataset without one complete sequence.
 */
export class SequenceFeed {
  private pending: IteratorResult<PackedSequence> | null;
  private closed = false;

  private constructor(
    private readonly stream: SequenceStream,
    private readonly sequences: AsyncIterator<PackedSequence>,
    first: IteratorResult<PackedSequence>,
    private readonly length: number,
  ) {
    this.pending = first;
  }

  /**
   * @param length tokens per sequence (`max_seq_len + 1`), for the error message.
   * @throws whatever the stream's first read throws (AiosError for bad data or settings), or
   *   AiosError `DATASET_EMPTY` when the stream ends before one sequence.
   */
  static async open(stream: SequenceStream, length: number): Promise<SequenceFeed> {
    const sequences = stream[Symbol.asyncIterator]();
    let first: IteratorResult<PackedSequence>;
    try {
      first = await sequences.next();
    } catch (error) {
      await sequences.return?.();
      throw error;
    }
    const feed = new SequenceFeed(stream, sequences, first, length);
    if (first.done === true) {
      await feed.close();
      throw noSequence(length);
    }
    return feed;
  }

  /** The next sequence; the stream of a training run loops, so its end is an error. */
  async next(): Promise<PackedSequence> {
    const next = this.pending ?? (await this.sequences.next());
    this.pending = null;
    if (next.done === true) throw noSequence(this.length);
    return next.value;
  }

  stats(): SequenceStreamStats {
    return this.stream.stats();
  }

  /** Stops reading (files, connections, workers are released); stats() still answers. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.sequences.return?.();
  }
}

/** Samples a backend could not use so far: bad rows plus skipped ones, all reasons together. */
export function skippedSamples(stats: BackendStats): number {
  let total = 0;
  for (const n of Object.values(stats.badRows)) total += n;
  for (const n of Object.values(stats.skipped)) total += n;
  return total;
}

function noSequence(length: number): AiosError {
  return new AiosError("DATASET_EMPTY", "the training data produced no complete sequence", {
    hint: `the dataset needs at least --max-seq-len + 1 = ${length} tokens after filtering`,
  });
}
