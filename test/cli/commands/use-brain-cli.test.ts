import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runCli } from "../../helpers/run-cli.js";
import { TINY_MODEL_FLAGS } from "../../helpers/tiny-model.js";
import { writeTokenizerFixture } from "../../helpers/tokenizer-fixtures.js";

let dir = "";
const brain = () => ["--bundle-dir", dir, "--brain-name", "tiny"];

interface Generated {
  ids: number[];
  text: string;
  segments: number[];
  stop_reason: string;
}

async function generateJson(args: string[]): Promise<Generated> {
  const r = await runCli(["hrm-hf", "generate", ...brain(), "--json", ...args]);
  expect(r.code, r.stderr).toBe(0);
  return JSON.parse(r.stdout) as Generated;
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "aios-use-brain-"));
  const r = await runCli([
    "hrm-hf",
    "train-actv1",
    "--dataset-file",
    "examples/data/sample.txt",
    "--steps",
    "2",
    "--batch-size",
    "2",
    "--log-file",
    join(dir, "m.jsonl"),
    ...brain(),
    ...TINY_MODEL_FLAGS,
  ]);
  expect(r.code, r.stderr).toBe(0);
});
afterAll(() => rm(dir, { recursive: true, force: true }));

describe("aios hrm-hf generate", () => {
  it("samples the same tokens for the same --seed, and --max-new-tokens of them", async () => {
    const args = ["--prompt", "The river", "--max-new-tokens", "5", "--temperature", "1.5"];
    const a = await generateJson([...args, "--seed", "7"]);
    const b = await generateJson([...args, "--seed", "7"]);
    const c = await generateJson([...args, "--seed", "8"]);
    expect(a.ids).toEqual(b.ids);
    expect(a.ids).toHaveLength(5);
    expect(c.ids).not.toEqual(a.ids);
    expect(a.segments).toHaveLength(5);
    for (const s of a.segments) expect([1, 2]).toContain(s);
  });

  it("streams the text --json reports, and ends before a --stop string", async () => {
    const args = ["--prompt", "The river", "--max-new-tokens", "6", "--seed", "3"];
    const json = await generateJson(args);
    const streamed = await runCli(["hrm-hf", "generate", ...brain(), ...args]);
    expect(streamed.code, streamed.stderr).toBe(0);
    expect(streamed.stdout).toBe(`${json.text}\n`);
    expect(streamed.stderr).toMatch(/6 tokens in .* tokens\/s/);
    const stop = json.text.slice(3, 5);
    const stopped = await generateJson([...args, "--stop", stop]);
    expect(stopped.stop_reason).toBe("stop");
    expect(stopped.text).toBe(json.text.slice(0, json.text.indexOf(stop)));
  });

  it.each([
    [["--brain-name", "missing", "--prompt", "hi"], /no brain "missing"/],
    [["--prompt", ""], /the prompt is empty/],
    [["--prompt", "word ".repeat(40)], /longer than the brain's context of 16/],
    [[], /no prompt given/],
    [["--prompt", "hi", "--top-p", "0"], /--top-p/],
  ])("exits 2 with a clear message for %j", async (args, message) => {
    const r = await runCli(["hrm-hf", "generate", ...brain(), ...args]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(message);
    expect(r.stderr).not.toMatch(/\n\s+at /);
  });
});

describe("a brain trained with a tokenizer.json", () => {
  it("generates and evaluates with the tokenizer its bundle holds, the original deleted", async () => {
    const source = join(dir, "bpe-source");
    const fixture = await writeTokenizerFixture("bpe", source);
    const trained = await runCli([
      "hrm-hf",
      "train-actv1",
      "--dataset-file",
      "examples/data/sample.txt",
      "--model",
      fixture.tokenizerJson,
      "--steps",
      "2",
      "--batch-size",
      "2",
      "--log-file",
      join(dir, "bpe.jsonl"),
      "--bundle-dir",
      dir,
      "--brain-name",
      "bpe",
      ...TINY_MODEL_FLAGS,
    ]);
    expect(trained.code, trained.stderr).toBe(0);
    await rm(source, { recursive: true, force: true });
    const where = ["--bundle-dir", dir, "--brain-name", "bpe"];
    const r = await runCli([
      "hrm-hf",
      "generate",
      ...where,
      "--prompt",
      "the cat",
      "--max-new-tokens",
      "6",
      "--json",
    ]);
    expect(r.code, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout) as Generated & { prompt_ids: number[] };
    // The fixture's vocabulary, not GPT-2's: every id is below its size.
    for (const id of [...out.prompt_ids, ...out.ids]) expect(id).toBeLessThan(fixture.vocabSize);
    expect(out.prompt_ids.length).toBeGreaterThan(0);
    const e = await runCli([
      "hrm-hf",
      "eval",
      ...where,
      "--dataset-file",
      "examples/data/sample.txt",
      "--eval-batches",
      "1",
      "--log-file",
      join(dir, "bpe.jsonl"),
      "--json",
    ]);
    expect(e.code, e.stderr).toBe(0);
    expect(JSON.parse(e.stdout)).toMatchObject({ event: "eval", brain: "bpe", batches: 1 });
  });
});

describe("aios hrm-hf eval", () => {
  it("prints loss, perplexity, accuracy and tokens and appends an eval record", async () => {
    const log = join(dir, "eval.jsonl");
    const r = await runCli([
      "hrm-hf",
      "eval",
      ...brain(),
      "--dataset-file",
      "examples/data/sample.txt",
      "--eval-batches",
      "2",
      "--batch-size",
      "2",
      "--log-file",
      log,
      "--json",
    ]);
    expect(r.code, r.stderr).toBe(0);
    const printed = JSON.parse(r.stdout) as Record<string, number | string>;
    expect(printed).toMatchObject({
      event: "eval",
      step: 2,
      brain: "tiny",
      batches: 2,
      tokens: 64,
    });
    expect(printed.ppl).toBeCloseTo(Math.exp(printed.loss as number), 6);
    const logged = (await readFile(log, "utf8")).trim().split("\n");
    expect(logged).toHaveLength(1);
    expect(JSON.parse(logged[0] as string)).toEqual(printed);
    expect(r.stderr).toMatch(/data: \d+ samples read, 0 skipped/);
  });

  it("exits 2 for --eval-batches 0, which would evaluate nothing", async () => {
    const r = await runCli([
      "hrm-hf",
      "eval",
      ...brain(),
      "--dataset-file",
      "examples/data/sample.txt",
      "--eval-batches",
      "0",
    ]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/--eval-batches 0 evaluates nothing/);
  });

  it("exits 2 for a missing brain", async () => {
    const r = await runCli([
      "hrm-hf",
      "eval",
      "--bundle-dir",
      dir,
      "--brain-name",
      "nope",
      "--dataset-file",
      "examples/data/sample.txt",
    ]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/no brain "nope"/);
  });
});
