import { describe, expect, it } from "vitest";
import { LatencyWindow } from "../../src/gui/latency-window.js";

describe("query latency percentiles of the memory view", () => {
  it("has none before the first query", () => {
    expect(new LatencyWindow().summary()).toEqual({ queries: 0, p50Ms: null, p95Ms: null });
  });

  it("gives nearest-rank p50 and p95 of the recent queries", () => {
    const window = new LatencyWindow();
    for (let ms = 100; ms >= 1; ms--) window.record(ms);
    expect(window.summary()).toEqual({ queries: 100, p50Ms: 50, p95Ms: 95 });
  });

  it("keeps only the most recent queries", () => {
    const window = new LatencyWindow(3);
    for (const ms of [1000, 1, 2, 3]) window.record(ms);
    expect(window.summary()).toEqual({ queries: 3, p50Ms: 2, p95Ms: 3 });
  });
});
