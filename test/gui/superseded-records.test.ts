import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { MetricsTail } from "../../src/gui/metrics-tail.js";
import { dropSuperseded, MetricRecords } from "../../src/gui/superseded-records.js";

const dir = await mkdtemp(join(tmpdir(), "aios-superseded-"));
afterAll(() => rm(dir, { recursive: true, force: true }));

const step = (n: number, loss = 10 - n / 10) => ({ event: "step", step: n, loss });

describe("a resume record supersedes the steps after its checkpoint", () => {
  it("the record list read from the metrics log keeps each step once, the resumed run's", async () => {
    // A run interrupted after step 15, its last checkpoint at 13; then resumed from 13.
    const interrupted = Array.from({ length: 15 }, (_, i) => step(i + 1));
    const resumed = [{ event: "resume", step: 13 }, step(14, 1.4), step(15, 1.5), step(16, 1.6)];
    const path = join(dir, "metrics.jsonl");
    await writeFile(
      path,
      `${[...interrupted, ...resumed].map((r) => JSON.stringify(r)).join("\n")}\n`,
    );
    const records = new MetricRecords<{ event?: unknown; step: number; loss?: number }>();
    const tail = new MetricsTail(path, 0, (r) =>
      records.add(r as { event?: unknown; step: number }),
    );
    await tail.stop();
    const steps = records.all.filter((r) => r.event === "step");
    expect(steps.map((r) => r.step)).toEqual(Array.from({ length: 16 }, (_, i) => i + 1));
    expect(steps.slice(13).map((r) => r.loss)).toEqual([1.4, 1.5, 1.6]);
    expect(records.all[13]).toEqual({ event: "resume", step: 13 });
  });

  it("the loss chart's points drop those after the resumed step, and only those", () => {
    const points = [1, 2, 3, 4, 5].map((s) => ({ step: s, loss: s }));
    expect(dropSuperseded(points, 3).map((p) => p.step)).toEqual([1, 2, 3]);
    expect(dropSuperseded(points, 5)).toEqual(points);
    expect(dropSuperseded(points, 0)).toEqual([]);
  });
});
