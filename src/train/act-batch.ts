import type { Prng } from "../core/prng.js";

/** One batch row's ACT state: its sequence and how many segments it has run on it. */
export interface ActRow {
  /** `T + 1` ids; null before the row's first sequence. */
  ids: Int32Array | null;
  steps: number;
  /** Exploration: the row may not halt before this many segments (0 = no minimum). */
  minSteps: number;
  /** The row takes a new sequence (and restarts its state) on the next segment. */
  halted: boolean;
}

/** What a checkpoint keeps of a row in flight. */
export interface SavedActRow {
  readonly ids: readonly number[];
  readonly minSteps: number;
}

export interface HaltOutcome {
  /** Rows that halted after this segment. */
  readonly halted: number;
  /** Mean segments run by the rows that halted; null when none did. */
  readonly avgHaltSteps: number | null;
}

/**
 * The batch as HRM's ACT carry sees it (docs/MODEL.md, "ACT across optimizer steps"): rows that
 * halted take the next sequence from the data stream and restart; running rows keep theirs.
 */
export class ActBatch {
  readonly rows: ActRow[];

  constructor(
    size: number,
    private readonly haltMaxSteps: number,
    private readonly explorationProb: number,
  ) {
    this.rows = Array.from({ length: size }, () => ({
      ids: null,
      steps: 0,
      minSteps: 0,
      halted: true,
    }));
  }

  /** Gives every halted row a fresh sequence from `next`; returns the per-row reset flags. */
  async refill(next: () => Promise<Int32Array>, prng: Prng): Promise<boolean[]> {
    const reset: boolean[] = [];
    for (const row of this.rows) {
      reset.push(row.halted);
      if (!row.halted) continue;
      row.ids = await next();
      row.steps = 0;
      row.minSteps = this.drawMinSteps(prng);
      row.halted = false;
    }
    return reset;
  }

  /** Per row: the coming segment is the last one the row may run. */
  lastStepFlags(): boolean[] {
    return this.rows.map((row) => row.steps + 1 >= this.haltMaxSteps);
  }

  /** `[B * (T + 1)]` ids of the current sequences. */
  ids(T: number): Int32Array {
    const out = new Int32Array(this.rows.length * (T + 1));
    this.rows.forEach((row, i) => {
      if (row.ids === null) throw new Error("ActBatch.ids before refill");
      out.set(row.ids, i * (T + 1));
    });
    return out;
  }

  /** Counts the segment just run and decides which rows halt, from the Q-head's logits. */
  advance(qHalt: readonly number[], qContinue: readonly number[]): HaltOutcome {
    let halted = 0;
    let haltedSteps = 0;
    this.rows.forEach((row, i) => {
      row.steps += 1;
      const atLimit = row.steps >= this.haltMaxSteps;
      const chooses =
        this.haltMaxSteps > 1 &&
        (qHalt[i] as number) > (qContinue[i] as number) &&
        row.steps >= row.minSteps;
      row.halted = atLimit || chooses;
      if (row.halted) {
        halted += 1;
        haltedSteps += row.steps;
      }
    });
    return { halted, avgHaltSteps: halted === 0 ? null : haltedSteps / halted };
  }

  /**
   * Rows in flight, for a checkpoint. Their recurrent state is not saved: on resume they restart
   * their sequence from h_init / l_init (docs/TRAINING.md).
   */
  save(): (SavedActRow | null)[] {
    return this.rows.map((row) =>
      row.halted || row.ids === null ? null : { ids: Array.from(row.ids), minSteps: row.minSteps },
    );
  }

  /**
   * Restores rows saved by `save`. Fresh replicas hold no carry, so their first segment starts
   * every row from h_init / l_init.
   */
  restore(saved: readonly (SavedActRow | null)[]): void {
    this.rows.forEach((row, i) => {
      const s = saved[i] ?? null;
      if (s === null) return;
      row.ids = Int32Array.from(s.ids);
      row.steps = 0;
      row.minSteps = s.minSteps;
      row.halted = false;
    });
  }

  private drawMinSteps(prng: Prng): number {
    if (this.haltMaxSteps < 2) return 0;
    return prng.uniform() < this.explorationProb ? prng.intInclusive(2, this.haltMaxSteps) : 0;
  }
}
