import { AiosError } from "../../core/errors.js";
import type { BackendPosition, BackendStats, DatasetBackend } from "../types.js";

/** A sample of one source, with that source's position right after it. */
export interface SourceSample {
  readonly text: string;
  readonly position: BackendPosition;
}

/** What taking from a source gave: a sample (none when the source is empty), and whether it ended. */
export interface Taken {
  readonly sample: SourceSample | null;
  /** The sample was the source's last (seen by reading one ahead). */
  readonly ended: boolean;
}

/**
 * One source's iteration inside a mixture. With `lookahead` (the finite stopping strategies) it
 * reads one sample ahead, as datasets' `CyclingMultiSourcesExamplesIterable` does, so that a
 * source is known to have ended as soon as its last sample is taken, not one draw later.
 * Without it (endless) the source loops over its own epochs and never ends.
 */
export class SourceCursor {
  private iterator: AsyncIterator<string> | null = null;
  private ahead: SourceSample | "end" | null = null;
  /** Counts of the iterations already closed (a restarted source's stats start again at 0). */
  private closedStats: BackendStats = emptyStats();

  constructor(
    readonly name: string,
    private readonly backend: DatasetBackend,
    private readonly lookahead: boolean,
    private readonly label: string,
  ) {}

  /** Starts (or starts again) after `from`, or at the source's beginning when null. */
  async open(from: BackendPosition | null): Promise<void> {
    await this.closeIteration();
    this.ahead = null;
    try {
      const texts = this.backend.iterText({
        ...(from === null ? {} : { from }),
        loop: !this.lookahead,
      });
      this.iterator = texts[Symbol.asyncIterator]();
    } catch (error) {
      throw this.named(error);
    }
  }

  /** The next sample; with lookahead, also whether it was the last. */
  async take(): Promise<Taken> {
    const current = this.ahead ?? (await this.pull());
    this.ahead = null;
    if (current === "end" && !this.lookahead) {
      throw new AiosError("DATASET_EMPTY", `${this.label} yielded no sample`, {
        hint: "check that source alone with aios data preview --dataset-file URI, or leave it out of the mixture",
      });
    }
    if (!this.lookahead) return { sample: current as SourceSample, ended: false };
    // datasets reads on after an empty source's missing sample too, and finds its end there.
    if (current === "end") return { sample: null, ended: true };
    const next = await this.pull();
    if (next === "end") return { sample: current, ended: true };
    this.ahead = next;
    return { sample: current, ended: false };
  }

  /** The source's counts over every iteration of this cursor. */
  stats(): BackendStats {
    // A closed iteration's counts are in closedStats already.
    return this.iterator === null
      ? this.closedStats
      : addStats(this.closedStats, this.backend.stats());
  }

  async close(): Promise<void> {
    await this.closeIteration();
  }

  private async pull(): Promise<SourceSample | "end"> {
    if (this.iterator === null) throw new Error("SourceCursor.take before open");
    try {
      const next = await this.iterator.next();
      // Read while the source is paused on the sample: the only moment it is exact.
      return next.done === true ? "end" : { text: next.value, position: this.backend.position() };
    } catch (error) {
      throw this.named(error);
    }
  }

  private async closeIteration(): Promise<void> {
    if (this.iterator === null) return;
    const iterator = this.iterator;
    this.iterator = null;
    await iterator.return?.();
    this.closedStats = addStats(this.closedStats, this.backend.stats());
  }

  /** A source's error, with the source named (a mixture has several that could have failed). */
  private named(error: unknown): unknown {
    if (!(error instanceof AiosError) || error.message.startsWith(this.label)) return error;
    return new AiosError(error.code, `${this.label}: ${error.message}`, {
      hint: error.hint,
      exitCode: error.exitCode,
      cause: error,
    });
  }
}

function emptyStats(): BackendStats {
  return { samples: 0, badRows: {}, skipped: {}, repaired: {} };
}

/** Counts of two iterations added up, reason by reason. */
export function addStats(a: BackendStats, b: BackendStats): BackendStats {
  const add = (x: Readonly<Record<string, number>>, y: Readonly<Record<string, number>>) => {
    const sum: Record<string, number> = { ...x };
    for (const [reason, n] of Object.entries(y)) sum[reason] = (sum[reason] ?? 0) + n;
    return sum;
  };
  return {
    samples: a.samples + b.samples,
    badRows: add(a.badRows, b.badRows),
    skipped: add(a.skipped, b.skipped),
    repaired: add(a.repaired, b.repaired),
  };
}
