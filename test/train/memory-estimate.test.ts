import { describe, expect, it } from "vitest";
import { resolveTrainingConfig } from "../../src/config/training-config.js";
import { architectureOf, paramLayout } from "../../src/train/architecture.js";
import { estimateTrainingMemory as estimate } from "../../src/train/memory-estimate.js";

describe("the memory estimator", () => {
  const config = resolveTrainingConfig({}, { requireDataset: false });
  const vocab = 50257;
  const estimateTrainingMemory = (c: typeof config) => estimate(c, vocab);

  it("counts the parameters the trainer trains", () => {
    const estimate = estimateTrainingMemory(config);
    const layout = paramLayout(architectureOf(config, vocab));
    expect(estimate.trainableParams).toBe(layout.trainableCount);
    expect(estimate.totalParams).toBe(layout.total);
  });

  it("sizes the buffers ReplicaPool allocates: weights, m, v, one gradient per worker and the sum", () => {
    const e = estimateTrainingMemory({ ...config, workers: 2, batch_size: 8 });
    expect(e.weightsAndOptimizerBytes).toBe(3 * 4 * e.totalParams);
    expect(e.gradientBytes).toBe(3 * 4 * e.totalParams);
    expect(e.totalBytes).toBe(
      e.weightsAndOptimizerBytes + e.gradientBytes + e.replicaBytes + e.activationBytes,
    );
  });

  it("sizes the embedding and output layers by the tokenizer's vocabulary", () => {
    const d = config.hidden_size;
    expect(estimate(config, 1000).trainableParams).toBe(
      estimateTrainingMemory(config).trainableParams - 2 * (vocab - 1000) * d,
    );
  });

  it("grows with the model size and the batch", () => {
    const small = estimateTrainingMemory(config);
    expect(estimateTrainingMemory({ ...config, hidden_size: 256 }).trainableParams).toBeGreaterThan(
      small.trainableParams,
    );
    expect(estimateTrainingMemory({ ...config, batch_size: 16 }).activationBytes).toBe(
      2 * small.activationBytes,
    );
  });
});
