import { appendFile, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { fileSize, MetricsTail } from "../../src/gui/metrics-tail.js";

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "aios-tail-"));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe("following the metrics JSONL", () => {
  it("hands over the records appended after the start, whole lines only", async () => {
    const path = join(dir, "metrics.jsonl");
    await writeFile(path, `${JSON.stringify({ step: 1, run: "earlier" })}\n`);
    const seen: Record<string, unknown>[] = [];
    const tail = new MetricsTail(path, await fileSize(path), (r) => seen.push(r));
    tail.start();
    await appendFile(path, `${JSON.stringify({ step: 1 })}\n{"step": 2`);
    await expect.poll(() => seen.length).toBe(1);
    await appendFile(path, `}\nnot json\n${JSON.stringify({ step: 3 })}\n`);
    await tail.stop();
    expect(seen).toEqual([{ step: 1 }, { step: 2 }, { step: 3 }]);
  });

  it("waits for a file that does not exist yet", async () => {
    const path = join(dir, "later.jsonl");
    expect(await fileSize(path)).toBe(0);
    const seen: Record<string, unknown>[] = [];
    const tail = new MetricsTail(path, 0, (r) => seen.push(r));
    tail.start();
    await writeFile(path, `${JSON.stringify({ step: 1 })}\n`);
    await tail.stop();
    expect(seen).toEqual([{ step: 1 }]);
  });
});
