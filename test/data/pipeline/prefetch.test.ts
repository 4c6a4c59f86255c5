import { describe, expect, it } from "vitest";
import { prefetch } from "../../../src/data/pipeline/prefetch.js";
import { collect } from "../fixtures.js";

describe("prefetch", () => {
  it("keeps order and runs at most `size` items ahead", async () => {
    let produced = 0;
    async function* source() {
      for (let i = 0; i < 20; i++) {
        produced++;
        yield i;
      }
    }
    const ahead = prefetch(source(), 3);
    const seen: number[] = [];
    for await (const item of ahead) {
      seen.push(item);
      await new Promise((resolve) => setTimeout(resolve, 1));
      expect(produced - seen.length).toBeLessThanOrEqual(3);
    }
    expect(seen).toEqual(Array.from({ length: 20 }, (_, i) => i));
  });

  it("passes errors through in order and closes the source when stopped early", async () => {
    async function* failing() {
      yield 1;
      throw new Error("boom");
    }
    const got: number[] = [];
    await expect(async () => {
      for await (const item of prefetch(failing(), 2)) got.push(item);
    }).rejects.toThrow("boom");
    expect(got).toEqual([1]);

    let closed = false;
    async function* endless() {
      try {
        for (let i = 0; ; i++) yield i;
      } finally {
        closed = true;
      }
    }
    expect(await collect(prefetch(endless(), 4), 5)).toEqual([0, 1, 2, 3, 4]);
    expect(closed).toBe(true);
  });
});
