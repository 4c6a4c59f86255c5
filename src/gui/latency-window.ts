import type { LatencySummary } from "./api-types.js";

/** Latencies of the most recent queries, in milliseconds, with nearest-rank percentiles. */
export class LatencyWindow {
  private readonly samples: number[] = [];

  constructor(private readonly size = 100) {}

  record(ms: number): void {
    this.samples.push(ms);
    if (this.samples.length > this.size) this.samples.shift();
  }

  summary(): LatencySummary {
    return {
      queries: this.samples.length,
      p50Ms: this.percentile(50),
      p95Ms: this.percentile(95),
    };
  }

  private percentile(p: number): number | null {
    if (this.samples.length === 0) return null;
    const sorted = [...this.samples].sort((a, b) => a - b);
    const rank = Math.ceil((p / 100) * sorted.length);
    return sorted[Math.max(0, rank - 1)] ?? null;
  }
}
