import type { SourceCount } from "../types.js";

/** Tokens pending in the packer that came from one sample. */
interface Run {
  /** Unknown for a carry from a checkpoint of one dataset: its tokens are not counted. */
  readonly source: string | undefined;
  tokens: number;
  /** No token of the sample has gone into a sequence yet: the next that takes one counts it. */
  fresh: boolean;
}

/**
 * Which mixture source the tokens waiting to be packed came from, so that each sequence says
 * what every source put into it (`PackedSequence.sources`). Follows the packer's queue: tokens
 * go in at the back by sample, sequences are cut from the front.
 */
export class SourceTally {
  private runs: Run[] = [];

  /**
   * @param carry tokens already pending from an earlier run (a checkpoint's carry) and the source
   *   they came from; their sample was counted in the run that read it.
   */
  constructor(carry: { readonly tokens: number; readonly source: string | undefined }) {
    if (carry.tokens > 0)
      this.runs.push({ source: carry.source, tokens: carry.tokens, fresh: false });
  }

  /** A sample's tokens joined the back of the queue. */
  add(source: string | undefined, tokens: number): void {
    if (tokens > 0) this.runs.push({ source, tokens, fresh: true });
  }

  /** The next `tokens` tokens left the front of the queue as one sequence: what each source gave. */
  take(tokens: number): Record<string, SourceCount> {
    const counts: Record<string, { samples: number; tokens: number }> = {};
    let left = tokens;
    while (left > 0 && this.runs.length > 0) {
      const run = this.runs[0] as Run;
      const taken = Math.min(left, run.tokens);
      if (run.source !== undefined) {
        const count = counts[run.source] ?? { samples: 0, tokens: 0 };
        counts[run.source] = count;
        count.tokens += taken;
        if (run.fresh) count.samples += 1;
      }
      run.fresh = false;
      run.tokens -= taken;
      left -= taken;
      if (run.tokens === 0) this.runs.shift();
    }
    return counts;
  }

  /** The source of the tokens still pending (by the packer's invariant, one sample's). */
  pendingSource(): string | undefined {
    return this.runs.at(-1)?.source;
  }
}

/** Per-source counts of several sequences added up (a training step's, say). */
export function addSourceCounts(
  into: Record<string, SourceCount>,
  counts: Readonly<Record<string, SourceCount>>,
): Record<string, SourceCount> {
  for (const [source, count] of Object.entries(counts)) {
    const sum = into[source] ?? { samples: 0, tokens: 0 };
    into[source] = { samples: sum.samples + count.samples, tokens: sum.tokens + count.tokens };
  }
  return into;
}
