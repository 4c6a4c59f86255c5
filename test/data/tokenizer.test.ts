import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { AiosError } from "../../src/core/errors.js";
import { loadTokenizer } from "../../src/data/tokenizer.js";
import { SHARED_DATASETS } from "./fixtures.js";

describe("tokenizer", () => {
  const gpt2 = loadTokenizer("gpt2");

  it("is GPT-2's byte-level BPE with end-of-text 50256", () => {
    expect(gpt2).toMatchObject({ name: "gpt2", eotId: 50256, vocabSize: 50257 });
    expect(gpt2.encode("Hello world")).toEqual([15496, 995]);
    expect(loadTokenizer("r50k_base").name).toBe("gpt2");
  });

  it("round-trips a slice of wikitext-2 valid.txt", async () => {
    const text = (await readFile(join(SHARED_DATASETS, "wikitext-2-v1/valid.txt"), "utf8")).slice(
      0,
      20_000,
    );
    const ids = gpt2.encode(text);
    expect(ids.length).toBeGreaterThan(3000);
    expect(ids.every((id) => id >= 0 && id < gpt2.vocabSize)).toBe(true);
    expect(gpt2.decode(ids)).toBe(text);
  });

  it("round-trips non-ASCII text and treats a literal <|endoftext|> as plain text", () => {
    const text = "naïve café 😀 — <|endoftext|> end";
    const ids = gpt2.encode(text);
    expect(ids).not.toContain(gpt2.eotId);
    expect(gpt2.decode(ids)).toBe(text);
  });

  it("rejects other --model names, listing the supported ones", () => {
    expect(() => loadTokenizer("llama")).toThrow(AiosError);
    try {
      loadTokenizer("llama");
    } catch (error) {
      expect((error as AiosError).code).toBe("CONFIG_INVALID");
      expect((error as AiosError).message).toContain("--model");
      expect((error as AiosError).hint).toContain("gpt2");
    }
  });
});
