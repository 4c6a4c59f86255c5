import { cp, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { AiosError } from "../../../src/core/errors.js";
import { openTokenizer, resolveTokenizer } from "../../../src/data/tokenizer/resolve-tokenizer.js";
import { loadTokenizer, tokenizerIdentity } from "../../../src/data/tokenizer/tokenizer.js";
import { type FixtureKind, writeTokenizerFixture } from "../../helpers/tokenizer-fixtures.js";
import { fixtureDir, SHARED_DATASETS } from "../fixtures.js";

const { root, write } = await fixtureDir();
const source = { tokenEnv: "HF_TOKEN_FOR_TESTS", cacheDir: join(root, "hf-cache") };
const open = (model: string) => openTokenizer(model, source);
const encode = async (model: string, text: string) =>
  (await (await open(model)).encodeBatch([text]))[0];

async function failure(promise: Promise<unknown>): Promise<AiosError> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof AiosError) return error;
    throw error;
  }
  throw new Error("expected an AiosError");
}

describe("tiktoken encodings", () => {
  it("gpt2 is GPT-2's byte-level BPE with end of text 50256, also as r50k_base", async () => {
    const gpt2 = await open("gpt2");
    expect(gpt2).toMatchObject({ name: "gpt2", eosId: 50256, padId: 50256, vocabSize: 50257 });
    expect(await gpt2.encodeBatch(["Hello world", ""])).toEqual([[15496, 995], []]);
    expect((await open("r50k_base")).name).toBe("gpt2");
    expect(tokenizerIdentity((await open("r50k_base")).spec)).toBe("gpt2");
  });

  it("cl100k_base and o200k_base have their own ids, end of text and vocabulary", async () => {
    const cl100k = await open("cl100k_base");
    expect(cl100k).toMatchObject({ eosId: 100257, vocabSize: 100277 });
    expect(await encode("cl100k_base", "Hello world")).toEqual([9906, 1917]);
    expect(await open("o200k_base")).toMatchObject({ eosId: 199999, vocabSize: 200019 });
    expect(await encode("o200k_base", "Hello world")).toEqual([13225, 2375]);
  });

  it("round-trips a slice of wikitext-2 valid.txt", async () => {
    const text = (await readFile(join(SHARED_DATASETS, "wikitext-2-v1/valid.txt"), "utf8")).slice(
      0,
      20_000,
    );
    const gpt2 = await open("gpt2");
    const [ids = []] = await gpt2.encodeBatch([text]);
    expect(ids.length).toBeGreaterThan(3000);
    expect(ids.every((id) => id >= 0 && id < gpt2.vocabSize)).toBe(true);
    expect(await gpt2.decode(ids)).toBe(text);
  });

  it("round-trips non-ASCII text and treats a literal <|endoftext|> as plain text", async () => {
    const text = "naïve café 😀 — <|endoftext|> end";
    const gpt2 = await open("gpt2");
    const [ids = []] = await gpt2.encodeBatch([text]);
    expect(ids).not.toContain(gpt2.eosId);
    expect(await gpt2.decode(ids)).toBe(text);
  });
});

describe("tokenizer.json", () => {
  it.each<[FixtureKind, string]>([
    ["bpe", "<|endoftext|>"],
    ["unigram", "</s>"],
    ["wordpiece", "[SEP]"],
  ])(
    "loads a %s tokenizer from its directory: vocabulary, EOS %s and PAD from its files",
    async (kind) => {
      const fixture = await writeTokenizerFixture(kind, join(root, kind));
      const tokenizer = await open(fixture.dir);
      expect(tokenizer).toMatchObject({
        name: fixture.dir,
        vocabSize: fixture.vocabSize,
        eosId: fixture.eosId,
        padId: fixture.padId,
      });
      expect(tokenizer.spec.kind).toBe("tokenizer.json");
      const [ids = []] = await tokenizer.encodeBatch(["the cat is in the hat."]);
      expect(ids.length).toBeGreaterThan(3);
      expect(ids.every((id) => id >= 0 && id < tokenizer.vocabSize)).toBe(true);
      // The same file named directly is the same tokenizer.
      const direct = await open(fixture.tokenizerJson);
      expect(tokenizerIdentity(direct.spec)).toBe(tokenizerIdentity(tokenizer.spec));
    },
  );

  it("runs the normalizer, pre-tokenizer and decoder, and adds no template tokens", async () => {
    const bpe = await writeTokenizerFixture("bpe", join(root, "norm-bpe"));
    const [bpeIds = []] = await (await open(bpe.dir)).encodeBatch(["in the tin"]);
    // Byte-level: "in" is merged, " the" is one token (Ġthe), " tin" is Ġt + in.
    expect(bpeIds).toEqual([259, 258, 256, 259]);
    const wordpiece = await open(
      (await writeTokenizerFixture("wordpiece", join(root, "norm-wp"))).dir,
    );
    const [wpIds = []] = await wordpiece.encodeBatch(["The CAT"]);
    // Lowercased by BertNormalizer; no [CLS] (2) before nor [SEP] (3) after, though the
    // tokenizer's template would add them.
    expect(await wordpiece.decode(wpIds)).toBe("the cat");
    expect(wpIds).not.toContain(2);
    expect(wpIds).not.toContain(3);
    const unigram = await open(
      (await writeTokenizerFixture("unigram", join(root, "norm-uni"))).dir,
    );
    const [uniIds = []] = await unigram.encodeBatch(["the end"]);
    expect(await unigram.decode(uniIds)).toBe("the end");
  });

  it("takes eos_token from special_tokens_map.json over tokenizer_config.json, as transformers does", async () => {
    const fixture = await writeTokenizerFixture("unigram", join(root, "precedence"));
    await writeFile(
      join(fixture.dir, "special_tokens_map.json"),
      JSON.stringify({ eos_token: { content: "<pad>" } }),
    );
    expect((await open(fixture.dir)).eosId).toBe(0);
    // A tokenizer.json given by another name does not take the side files beside it.
    await cp(fixture.tokenizerJson, join(fixture.dir, "other.json"));
    expect((await open(join(fixture.dir, "other.json"))).eosId).toBe(1);
  });

  it("identifies a tokenizer by its files' content, side files included", async () => {
    const a = await writeTokenizerFixture("unigram", join(root, "same-a"));
    const b = await writeTokenizerFixture("unigram", join(root, "same-b"));
    const id = async (dir: string) => tokenizerIdentity(await resolveTokenizer(dir, source));
    expect(await id(a.dir)).toBe(await id(b.dir));
    await writeFile(join(b.dir, "tokenizer_config.json"), JSON.stringify({ eos_token: "<pad>" }));
    expect(await id(b.dir)).not.toBe(await id(a.dir));
  });

  it("loads in worker-friendly form: a spec reloads to the same tokenizer", async () => {
    const fixture = await writeTokenizerFixture("wordpiece", join(root, "spec"));
    const first = await open(fixture.dir);
    const again = await loadTokenizer(JSON.parse(JSON.stringify(first.spec)));
    expect(await again.encodeBatch(["Is it on?"])).toEqual(await first.encodeBatch(["Is it on?"]));
  });
});

describe("--model values that cannot be used", () => {
  it("a name that is none of the accepted forms lists them", async () => {
    const error = await failure(open("llama"));
    expect(error.code).toBe("CONFIG_INVALID");
    expect(error.message).toContain('--model "llama"');
    expect(error.hint).toContain("cl100k_base");
    expect(error.hint).toContain("owner/name");
  });

  it("a missing file, or a directory without tokenizer.json", async () => {
    const missing = await failure(open(join(root, "nowhere", "tokenizer.json")));
    expect(missing.code).toBe("TOKENIZER");
    expect(missing.message).toContain("no such file or directory");
    const empty = await write("empty-dir/readme.txt", "no tokenizer here");
    const noJson = await failure(open(join(empty, "..")));
    expect(noJson.code).toBe("TOKENIZER");
    expect(noJson.message).toContain(`there is no ${join(empty, "..", "tokenizer.json")}`);
    expect(noJson.hint).toContain("tokenizer.model");
  });

  it("malformed JSON, an unsupported model type, a broken model", async () => {
    const malformed = await failure(open(await write("bad/malformed.json", '{"model": {')));
    expect(malformed.code).toBe("TOKENIZER");
    expect(malformed.message).toContain("is not valid JSON");
    const fixture = await writeTokenizerFixture("bpe", join(root, "types"));
    const json = JSON.parse(await readFile(fixture.tokenizerJson, "utf8"));
    const foreign = await write(
      "bad/foreign.json",
      JSON.stringify({ ...json, model: { ...json.model, type: "SentencePieceBPE" } }),
    );
    const unsupported = await failure(open(foreign));
    expect(unsupported.message).toContain('a model of type "SentencePieceBPE"');
    expect(unsupported.hint).toContain("BPE, Unigram, WordPiece, WordLevel");
    const broken = await write(
      "bad/broken.json",
      JSON.stringify({ ...json, model: { type: "BPE", vocab: 7 } }),
    );
    const refused = await failure(open(broken));
    expect(refused.code).toBe("TOKENIZER");
    expect(refused.message).toContain("is not a tokenizer the tokenizers library can load");
  });

  it("a tokenizer without an end-of-sequence token, or naming one it does not have", async () => {
    const fixture = await writeTokenizerFixture("bpe", join(root, "no-eos"));
    const json = JSON.parse(await readFile(fixture.tokenizerJson, "utf8"));
    await writeFile(fixture.tokenizerJson, JSON.stringify({ ...json, added_tokens: [] }));
    const none = await failure(open(fixture.dir));
    expect(none.code).toBe("TOKENIZER");
    expect(none.message).toContain("has no end-of-sequence token");
    expect(none.hint).toContain("eos_token");
    await writeFile(
      join(fixture.dir, "tokenizer_config.json"),
      JSON.stringify({ eos_token: "<eos>" }),
    );
    const unknown = await failure(open(fixture.dir));
    expect(unknown.message).toContain(
      'eos_token "<eos>" of tokenizer_config.json is not in the tokenizer\'s vocabulary',
    );
  });
});
