import { PassThrough } from "node:stream";
import { describe, expect, it } from "vitest";
import { createCountProgress } from "../../src/cli/count-progress.js";

function fakeStream(isTTY: boolean): { stream: NodeJS.WriteStream; text: () => string } {
  const stream = new PassThrough() as unknown as NodeJS.WriteStream & {
    isTTY: boolean;
    columns: number;
  };
  stream.isTTY = isTTY;
  stream.columns = 100;
  let text = "";
  (stream as unknown as PassThrough).on("data", (chunk: Buffer) => {
    text += chunk.toString();
  });
  return { stream, text: () => text };
}

describe("count progress", () => {
  it("prints a plain line per tenth off a terminal, and the total at the end", async () => {
    const { stream, text } = fakeStream(false);
    const progress = createCountProgress(stream, "restore", "vectors");
    for (let done = 50; done <= 1000; done += 50) progress.update(done, 1000);
    progress.close();
    await new Promise((resolve) => setImmediate(resolve));
    const lines = text().trim().split("\n");
    expect(lines).toHaveLength(10);
    expect(lines[0]).toMatch(/^restore: 100\/1000 vectors \(10%, \d+\/s\)$/);
    expect(lines[9]).toMatch(/^restore: 1000\/1000 vectors \(100%/);
    expect(text()).not.toContain("\u001b[");
  });

  it("draws a bar on a terminal", async () => {
    const { stream, text } = fakeStream(true);
    const progress = createCountProgress(stream, "backup", "vectors");
    progress.update(500, 1000);
    progress.update(1000, 1000);
    progress.close();
    await new Promise((resolve) => setImmediate(resolve));
    expect(text()).toMatch(/backup \|[█░]+\| 1000\/1000 vectors/);
  });
});
