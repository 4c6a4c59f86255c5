import { existsSync } from "node:fs";
import { mkdtemp, readdir, readFile, rename, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openTokenizer } from "../../src/data/tokenizer/resolve-tokenizer.js";
import { type HubServer, startHubServer } from "../helpers/hub-server.js";
import { metricsOf, runCli, STACK_FRAME, trainArgs } from "../helpers/run-cli.js";
import { TINY_MODEL_FLAGS } from "../helpers/tiny-model.js";
import { type TokenizerFixture, writeTokenizerFixture } from "../helpers/tokenizer-fixtures.js";

const tiny = [...TINY_MODEL_FLAGS, "--batch-size", "4"];

let dir: string;
let text: string;
let hub: HubServer;
const fixtures: Partial<Record<"bpe" | "unigram" | "wordpiece", TokenizerFixture>> = {};

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "aios-tokenizers-"));
  text = join(dir, "corpus.txt");
  const lines = Array.from(
    { length: 300 },
    (_, i) => `The river ${i % 7} runs in the valley, and it is cold.`,
  );
  await writeFile(text, `${lines.join("\n")}\n`);
  for (const kind of ["bpe", "unigram", "wordpiece"] as const) {
    fixtures[kind] = await writeTokenizerFixture(kind, join(dir, "tokenizers", kind));
  }
  hub = await startHubServer({
    "aios-test/wordpiece": { type: "model", main: fixtures.wordpiece?.dir ?? "" },
  });
});

afterAll(async () => {
  await hub?.close();
  await rm(dir, { recursive: true, force: true });
});

const args = (name: string, extra: readonly string[]) =>
  trainArgs(dir, name, ["--dataset-file", text, ...tiny, ...extra]);
const hubEnv = () => ({ HF_ENDPOINT: hub.endpoint });
const json = async (brain: string, file: string) =>
  JSON.parse(await readFile(join(dir, "brains", brain, file), "utf8"));

interface Kind {
  readonly brain: string;
  readonly model: () => string;
  readonly vocabSize: () => number;
  readonly eosId: () => number;
  readonly padId: () => number;
  /** Files in the brain's tokenizer/ (none for a tiktoken encoding). */
  readonly files: readonly string[];
  /** Takes the original tokenizer away before resuming: the brain must need nothing else. */
  readonly remove: () => Promise<void>;
}

const KINDS: readonly Kind[] = [
  {
    brain: "cl100k",
    model: () => "cl100k_base",
    vocabSize: () => 100277,
    eosId: () => 100257,
    padId: () => 100257,
    files: [],
    remove: async () => {},
  },
  {
    brain: "bpe-file",
    model: () => fixtures.bpe?.tokenizerJson ?? "",
    vocabSize: () => fixtures.bpe?.vocabSize ?? 0,
    eosId: () => fixtures.bpe?.eosId ?? 0,
    padId: () => fixtures.bpe?.padId ?? 0,
    files: ["tokenizer.json"],
    remove: () => rm(fixtures.bpe?.tokenizerJson ?? "", { force: true }),
  },
  {
    brain: "unigram-dir",
    model: () => fixtures.unigram?.dir ?? "",
    vocabSize: () => fixtures.unigram?.vocabSize ?? 0,
    eosId: () => fixtures.unigram?.eosId ?? 0,
    padId: () => fixtures.unigram?.padId ?? 0,
    files: ["tokenizer.json", "tokenizer_config.json"],
    remove: () => rename(fixtures.unigram?.dir ?? "", `${fixtures.unigram?.dir}-moved`),
  },
  {
    brain: "wordpiece-hub",
    model: () => "aios-test/wordpiece",
    vocabSize: () => fixtures.wordpiece?.vocabSize ?? 0,
    eosId: () => fixtures.wordpiece?.eosId ?? 0,
    padId: () => fixtures.wordpiece?.padId ?? 0,
    files: ["special_tokens_map.json", "tokenizer.json"],
    // Neither the Hub nor its cache is there when the brain resumes.
    remove: () => rm(join(dir, "hf-cache"), { recursive: true, force: true }),
  },
];

describe("training with each kind of tokenizer", () => {
  it.each(KINDS)(
    "$brain: 10 steps, a bundle holding the tokenizer, then a resume that needs nothing else",
    async (kind) => {
      const first = await runCli(
        args(kind.brain, [
          "--model",
          kind.model(),
          "--steps",
          "10",
          "--hf-cache-dir",
          join(dir, "hf-cache"),
        ]),
        { env: hubEnv() },
      );
      expect(first.code, first.stderr).toBe(0);
      const config = await json(kind.brain, "config.json");
      expect(config).toMatchObject({
        vocab_size: kind.vocabSize(),
        eos_token_id: kind.eosId(),
        pad_token_id: kind.padId(),
      });
      const metadata = await json(kind.brain, "metadata.json");
      expect(metadata).toMatchObject({ tokenizer: kind.model(), vocab_size: kind.vocabSize() });
      const tokenizerDir = join(dir, "brains", kind.brain, "tokenizer");
      if (kind.files.length === 0) expect(existsSync(tokenizerDir)).toBe(false);
      else expect((await readdir(tokenizerDir)).sort()).toEqual(kind.files);

      await kind.remove();
      const resumed = await runCli(
        trainArgs(dir, kind.brain, ["--dataset-file", text, "--steps", "2", "--resume"]),
        // An endpoint where nothing listens: a resume must not ask the Hub.
        { env: { HF_ENDPOINT: "http://127.0.0.1:1" } },
      );
      expect(resumed.code, resumed.stderr).toBe(0);
      const steps = (await metricsOf(dir, kind.brain)).map((r) => [r.event, r.step]);
      expect(steps.at(-3)).toEqual(["resume", 10]);
      expect(steps.at(-1)).toEqual(["step", 12]);
      expect((await json(kind.brain, "metadata.json")).training_steps).toBe(12);
    },
  );

  it("refuses to resume with another tokenizer before the first step", async () => {
    const before = await metricsOf(dir, "cl100k");
    const other = await runCli(
      trainArgs(dir, "cl100k", [
        "--dataset-file",
        text,
        "--steps",
        "1",
        "--resume",
        "--model",
        fixtures.wordpiece?.dir ?? "",
      ]),
    );
    expect(other.code).toBe(2);
    expect(other.stderr).toContain(
      `--resume: brain "cl100k" was trained with the tokenizer cl100k_base, --model is ${fixtures.wordpiece?.dir}`,
    );
    expect(other.stderr).not.toMatch(STACK_FRAME);
    expect(await metricsOf(dir, "cl100k")).toHaveLength(before.length);
  });
});

describe("aios data preview", () => {
  it.each(["gpt2", "cl100k_base", "wordpiece"])("counts tokens with --model %s", async (kind) => {
    const model = kind === "wordpiece" ? (fixtures.wordpiece?.dir ?? "") : kind;
    const r = await runCli([
      "data",
      "preview",
      "--dataset-file",
      text,
      "--samples",
      "3",
      "--model",
      model,
    ]);
    expect(r.code, r.stderr).toBe(0);
    const tokenizer = await openTokenizer(model, { tokenEnv: "HF_TOKEN", cacheDir: null });
    const samples = (await readFile(text, "utf8")).split("\n").slice(0, 3);
    const counts = (await tokenizer.encodeBatch(samples)).map((ids) => ids.length);
    const shown = [...r.stdout.matchAll(/^\[\d+\] \((\d+) tokens/gm)].map((m) => Number(m[1]));
    expect(shown).toEqual(counts);
  });
});

describe("a --model that cannot be used stops with exit 2 and a message", () => {
  it.each([
    ["a missing file", () => join(dir, "no-such", "tokenizer.json"), "no such file or directory"],
    ["malformed JSON", () => join(dir, "malformed.json"), "is not valid JSON"],
    ["an unsupported model type", () => join(dir, "foreign.json"), 'a model of type "Morfessor"'],
    [
      "a Hub id that does not exist",
      () => "aios-test/no-such-model",
      "there is no model aios-test/no-such-model on the Hub",
    ],
  ])("%s", async (_label, model, message) => {
    await writeFile(join(dir, "malformed.json"), '{"model": {"type": "BPE", ');
    await writeFile(join(dir, "foreign.json"), JSON.stringify({ model: { type: "Morfessor" } }));
    for (const command of [
      args("never", ["--model", model(), "--dry-run"]),
      ["data", "preview", "--dataset-file", text, "--model", model()],
    ]) {
      const r = await runCli(command, { env: hubEnv() });
      expect(r.code, r.stderr).toBe(2);
      expect(r.stderr).toContain(message);
      expect(r.stderr).toMatch(/^hint: /m);
      expect(r.stderr).not.toMatch(STACK_FRAME);
    }
    expect(existsSync(join(dir, "brains", "never"))).toBe(false);
  });
});
