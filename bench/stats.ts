/** Per-step timings of one run, warm-up steps already dropped. */
export interface StepTimes {
  readonly steps: number;
  readonly meanS: number;
  readonly medianS: number;
  /** Tokens processed per second of step time: Σ tokens / Σ step_time_s. */
  readonly tokensPerS: number;
  /** Share of step time spent waiting for data: Σ data_wait_s / Σ step_time_s. */
  readonly dataWaitShare: number;
}

export interface StepSample {
  readonly step_time_s: number;
  readonly data_wait_s: number;
  readonly tokens: number;
}

export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  const hi = sorted[mid] ?? Number.NaN;
  return sorted.length % 2 === 1 ? hi : ((sorted[mid - 1] ?? Number.NaN) + hi) / 2;
}

export function summarizeSteps(records: readonly StepSample[]): StepTimes {
  const times = records.map((r) => r.step_time_s);
  const total = times.reduce((a, b) => a + b, 0);
  const tokens = records.reduce((a, r) => a + r.tokens, 0);
  const wait = records.reduce((a, r) => a + r.data_wait_s, 0);
  return {
    steps: records.length,
    meanS: total / records.length,
    medianS: median(times),
    tokensPerS: tokens / total,
    dataWaitShare: wait / total,
  };
}
