import { describe, expect, it } from "vitest";
import { openCustomBackend } from "../../../src/data/custom/custom-backend.js";
import { previewSamples } from "../../../src/data/pipeline/preview.js";
import { fixtureDir } from "../fixtures.js";

const { write } = await fixtureDir();

describe("previewSamples", () => {
  it("returns the first n samples with their token counts, reading no further", async () => {
    const path = await write("p.txt", "Hello world\nsecond\nthird\n");
    const backend = await openCustomBackend({ path });
    expect(await previewSamples(backend, { model: "gpt2" }, 2)).toEqual([
      { text: "Hello world", tokens: 2 },
      { text: "second", tokens: 1 },
    ]);
    expect(backend.position()).toEqual({ epoch: 0, index: 2 });
    expect(await previewSamples(backend, { model: "gpt2" }, 10)).toHaveLength(3);
  });
});
