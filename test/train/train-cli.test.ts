import { existsSync } from "node:fs";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { writeShards } from "../../src/data/webdataset/write-shards.js";
import { gemmEngines } from "../helpers/native-gemm.js";
import { metricsOf, runCli, STACK_FRAME, stepRecordsOf, trainArgs } from "../helpers/run-cli.js";
import { TINY_MODEL_FLAGS } from "../helpers/tiny-model.js";

const shakespeare = join("..", "shared", "datasets", "tinyshakespeare", "input.txt");

/** A model small enough that a step takes a fraction of a second on two cores. */
const tiny = [...TINY_MODEL_FLAGS, "--batch-size", "4"];

let dir: string;
let repetitive: string;

afterAll(() => rm(dir, { recursive: true, force: true }));

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "aios-train-"));
  repetitive = join(dir, "repetitive.txt");
  const lines = Array.from({ length: 200 }, (_, i) => `the cat sat on the mat number ${i % 5}.`);
  await writeFile(repetitive, `${lines.join("\n")}\n`);
});

const args = (name: string, extra: readonly string[]) => trainArgs(dir, name, extra);
const records = (name: string) => metricsOf(dir, name);

const STEP_FIELDS = [
  "step",
  "loss",
  "lm_loss",
  "halt_loss",
  "q_halt_loss",
  "q_continue_loss",
  "accuracy",
  "avg_halt_steps",
  "halted",
  "lr",
  "grad_norm",
  "tokens",
  "tokens_per_s",
  "step_time_s",
  "data_wait_s",
  "backend",
  "gemm",
  "brain",
  "ts",
];

describe("aios hrm-hf train-actv1", () => {
  it("trains 2 steps of the default model on tiny Shakespeare: 2 records and a bundle", async () => {
    const r = await runCli(args("shakespeare", ["--dataset-file", shakespeare, "--steps", "2"]));
    expect(r.stderr).not.toMatch(STACK_FRAME);
    expect(r.code).toBe(0);
    const steps = await records("shakespeare");
    expect(steps.map((s) => s.step)).toEqual([1, 2]);
    for (const s of steps) {
      for (const field of STEP_FIELDS) expect(s, field).toHaveProperty(field);
      expect(s.event).toBe("step");
      expect(s.backend).toBe("custom");
      expect(s.tokens).toBe(8 * 64);
      expect(Number.isFinite(s.loss)).toBe(true);
      expect((s.loss as number) - (s.lm_loss as number)).toBeCloseTo(s.halt_loss as number, 5);
    }
    const bundle = join(dir, "brains", "shakespeare");
    for (const file of [
      "config.json",
      "model.safetensors",
      "metadata.json",
      "training_args.json",
    ]) {
      expect(existsSync(join(bundle, file)), file).toBe(true);
    }
    const config = JSON.parse(await readFile(join(bundle, "config.json"), "utf8"));
    expect(config).toMatchObject({
      hidden_size: 128,
      num_heads: 4,
      vocab_size: 50257,
      pos_encodings: "rope",
    });
    const metadata = JSON.parse(await readFile(join(bundle, "metadata.json"), "utf8"));
    expect(metadata).toMatchObject({ training_steps: 2, tokenizer: "gpt2", type: "actv1" });
  });

  it("learns: the loss falls clearly over 30 steps of a repetitive text", async () => {
    const r = await runCli(
      args("learns", [
        "--dataset-file",
        repetitive,
        "--steps",
        "30",
        "--lr",
        "3e-3",
        "--warmup-steps",
        "5",
        ...tiny,
      ]),
    );
    expect(r.code, r.stderr).toBe(0);
    const losses = (await records("learns")).map((s) => s.lm_loss as number);
    expect(losses).toHaveLength(30);
    const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
    const first = mean(losses.slice(0, 3));
    const last = mean(losses.slice(-3));
    expect(last).toBeLessThan(first * 0.6);
  });

  it.each(gemmEngines("the resume test"))(
    "--resume continues the step count, the optimizer and the data stream exactly (%s GEMM)",
    async (gemm) => {
      // One segment per sequence: no recurrent state in flight, so a resumed run must reproduce
      // the uninterrupted run record for record.
      const common = [
        "--dataset-file",
        shakespeare,
        "--halt-max-steps",
        "1",
        "--workers",
        "1",
        "--gemm",
        gemm,
        ...tiny,
      ];
      const [straightName, splitName] = [`straight-${gemm}`, `split-${gemm}`];
      expect((await runCli(args(straightName, [...common, "--steps", "5"]))).code).toBe(0);
      expect((await runCli(args(splitName, [...common, "--steps", "3"]))).code).toBe(0);
      const resumed = await runCli(args(splitName, [...common, "--steps", "2", "--resume"]));
      expect(resumed.code, resumed.stderr).toBe(0);
      const straight = await records(straightName);
      const split = await stepRecordsOf(dir, splitName);
      expect(split.map((s) => s.step)).toEqual([1, 2, 3, 4, 5]);
      // The resumed run says where it continues from, before its first step.
      const all = await records(splitName);
      expect(all.map((r) => [r.event, r.step])).toEqual([
        ["step", 1],
        ["step", 2],
        ["step", 3],
        ["resume", 3],
        ["step", 4],
        ["step", 5],
      ]);
      for (let i = 0; i < 5; i++) {
        expect(split[i]?.gemm).toBe(gemm);
        expect(split[i]?.lm_loss, `step ${i + 1}`).toBeCloseTo(straight[i]?.lm_loss as number, 4);
      }
      const metadata = JSON.parse(
        await readFile(join(dir, "brains", splitName, "metadata.json"), "utf8"),
      );
      expect(metadata.training_steps).toBe(5);
      expect(metadata.sessions).toHaveLength(2);
    },
  );

  it("refuses to overwrite an existing brain without --resume", async () => {
    const r = await runCli(
      args("shakespeare", ["--dataset-file", shakespeare, "--steps", "1", ...tiny]),
    );
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('brain "shakespeare" already exists');
    expect(r.stderr).toContain("--resume");
    expect(r.stderr).not.toMatch(STACK_FRAME);
  });

  it("refuses to resume with a different architecture, naming the flags", async () => {
    const r = await runCli(
      // The brain the resume test (WASM GEMM) trained.
      args("split-wasm", [
        "--dataset-file",
        shakespeare,
        "--steps",
        "1",
        "--resume",
        ...tiny,
        "--hidden-size",
        "64",
      ]),
    );
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("--hidden-size 64 (given) vs 32 (checkpoint)");
    expect(r.stderr).toContain("leave the architecture flags out when resuming");
  });

  it("--resume takes the architecture from the checkpoint: no architecture flags needed", async () => {
    // "split-wasm" (the WASM resume test's brain) was created with the tiny model's flags; resuming names none of them.
    const before = await stepRecordsOf(dir, "split-wasm");
    const r = await runCli(
      args("split-wasm", [
        "--dataset-file",
        shakespeare,
        "--steps",
        "1",
        "--resume",
        "--workers",
        "1",
      ]),
    );
    expect(r.code, r.stderr).toBe(0);
    const after = await stepRecordsOf(dir, "split-wasm");
    expect(after.map((s) => s.step)).toEqual([...before.map((s) => s.step), before.length + 1]);
    const config = JSON.parse(
      await readFile(join(dir, "brains", "split-wasm", "config.json"), "utf8"),
    );
    expect(config.hidden_size).toBe(Number(tiny[tiny.indexOf("--hidden-size") + 1]));
  });

  it("--dry-run refuses what a real run would: an existing brain, a missing checkpoint", async () => {
    const exists = await runCli(
      args("split-wasm", ["--dataset-file", shakespeare, "--dry-run", ...tiny]),
    );
    expect(exists.code).toBe(2);
    expect(exists.stderr).toContain('brain "split-wasm" already exists');
    const missing = await runCli(
      args("nothing-here", ["--dataset-file", shakespeare, "--dry-run", "--resume"]),
    );
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('--resume: brain "nothing-here" has no checkpoint in');
    const fine = await runCli(
      args("split-wasm", ["--dataset-file", shakespeare, "--dry-run", "--resume", "--steps", "2"]),
    );
    expect(fine.code, fine.stderr).toBe(0);
    expect(fine.stdout).toMatch(
      /a real run would train steps \d+-\d+ of the resumed brain "split-wasm"/,
    );
  });

  it("checks a resume with other dataset settings before the first step: nothing trained or logged", async () => {
    const text = join(dir, "rivers.txt");
    const lines = Array.from({ length: 300 }, (_, i) => `plain line ${i} about rivers and hills`);
    await writeFile(text, `${lines.join("\n")}\n`);
    // The default --halt-max-steps keeps rows in flight across the checkpoint: before the fix,
    // those trained (and were logged) before the data stream was first read.
    const common = ["--batch-size", "2", "--workers", "1", ...TINY_MODEL_FLAGS];
    const first = await runCli(
      args("doomed", [
        "--dataset-file",
        text,
        "--steps",
        "13",
        "--checkpoint-every",
        "13",
        ...common,
      ]),
    );
    expect(first.code, first.stderr).toBe(0);
    async function* shardTexts() {
      for (let i = 0; i < 200; i++) yield `shard sample ${i} about lakes`;
    }
    const shards = await writeShards(shardTexts(), {
      dir: join(dir, "doomed-shards"),
      prefix: "shard",
      maxSamples: 1000,
      maxBytes: 1 << 20,
      field: "txt",
    });
    const resumed = await runCli(
      args("doomed", [
        "--dataset-backend",
        "webdataset",
        "--wds-pattern",
        shards.pattern,
        "--steps",
        "3",
        "--resume",
        ...common,
      ]),
    );
    expect(resumed.code).toBe(2);
    expect(resumed.stderr).toMatch(
      /the saved data position \{"epoch":0,"window":\d+,"index":\d+\} is not a position of the webdataset backend/,
    );
    expect(resumed.stderr).not.toMatch(STACK_FRAME);
    expect(resumed.stderr).not.toMatch(/^step \d+/m);
    const log = await records("doomed");
    expect(log.map((r) => r.step)).toEqual(Array.from({ length: 13 }, (_, i) => i + 1));
    expect(log.every((r) => r.event === "step")).toBe(true);
    const state = JSON.parse(
      await readFile(join(dir, "brains", "doomed", "checkpoints", "state.json"), "utf8"),
    );
    expect(state.step).toBe(13);
    expect(state.tokenizer).toBe("gpt2");

    // The tokenizer is checked too, before anything else is read.
    await writeFile(
      join(dir, "brains", "doomed", "checkpoints", "state.json"),
      JSON.stringify({ ...state, tokenizer: "cl100k_base" }),
    );
    const other = await runCli(
      args("doomed", [
        "--dataset-file",
        text,
        "--steps",
        "1",
        "--resume",
        "--model",
        "gpt2",
        ...common,
      ]),
    );
    expect(other.code).toBe(2);
    expect(other.stderr).toContain(
      '--resume: brain "doomed" was trained with the tokenizer cl100k_base, --model is gpt2',
    );
    expect((await records("doomed")).map((r) => r.step)).toHaveLength(13);
  });

  it("stops before training when the metrics log cannot be written", async () => {
    const blocker = join(dir, "a-file");
    await writeFile(blocker, "");
    const r = await runCli([
      ...args("unwritable", ["--dataset-file", repetitive, ...tiny]),
      "--log-file",
      join(blocker, "metrics.jsonl"),
    ]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`cannot write the metrics log ${join(blocker, "metrics.jsonl")}`);
    expect(r.stderr).not.toMatch(STACK_FRAME);
  });

  it("--no-keep-checkpoint deletes checkpoints/ when the run completes, keeping the bundle", async () => {
    const r = await runCli(
      args("lean", [
        "--dataset-file",
        shakespeare,
        "--steps",
        "1",
        "--no-keep-checkpoint",
        ...tiny,
      ]),
    );
    expect(r.code, r.stderr).toBe(0);
    expect(existsSync(join(dir, "brains", "lean", "checkpoints"))).toBe(false);
    expect(existsSync(join(dir, "brains", "lean", "model.safetensors"))).toBe(true);
    const resume = await runCli(args("lean", ["--dataset-file", shakespeare, "--resume"]));
    expect(resume.code).toBe(2);
    expect(resume.stderr).toContain('brain "lean" has no checkpoint');
    const kept = await runCli(
      args("kept", ["--dataset-file", shakespeare, "--steps", "1", ...tiny]),
    );
    expect(kept.code, kept.stderr).toBe(0);
    expect(existsSync(join(dir, "brains", "kept", "checkpoints", "state.json"))).toBe(true);
  });

  it("says so when --resume finds no checkpoint", async () => {
    const r = await runCli(
      args("never-trained", ["--dataset-file", shakespeare, "--resume", ...tiny]),
    );
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('--resume: brain "never-trained" has no checkpoint in');
  });

  it("stops gracefully when the stop file appears, with a checkpoint to resume from", async () => {
    const stopFile = join(dir, "STOP");
    const run = runCli(
      args("stopped", [
        "--dataset-file",
        repetitive,
        "--steps",
        "200",
        "--stop-file",
        stopFile,
        ...tiny,
      ]),
    );
    // Wait for the first step record, so that the stop file appears mid-run.
    const logFile = join(dir, "stopped.jsonl");
    while (!existsSync(logFile) || (await readFile(logFile, "utf8")).length === 0) {
      await new Promise((r) => setTimeout(r, 100));
    }
    await writeFile(stopFile, "");
    const r = await run;
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toContain("stop file found");
    const done = await records("stopped");
    expect(done.length).toBeGreaterThan(0);
    expect(done.length).toBeLessThan(200);
    const state = JSON.parse(
      await readFile(join(dir, "brains", "stopped", "checkpoints", "state.json"), "utf8"),
    );
    expect(state.step).toBe(done.length);
  });

  it("writes an eval record with perplexity for --eval-file", async () => {
    const r = await runCli(
      args("evaluated", [
        "--dataset-file",
        repetitive,
        "--eval-file",
        repetitive,
        "--eval-batches",
        "2",
        "--steps",
        "2",
        ...tiny,
      ]),
    );
    expect(r.code, r.stderr).toBe(0);
    const all = await records("evaluated");
    const evalRecord = all.at(-1) as Record<string, number>;
    expect(evalRecord.event).toBe("eval");
    expect(evalRecord.batches).toBe(2);
    expect(evalRecord.tokens).toBe(2 * 4 * 16);
    expect(evalRecord.ppl).toBeCloseTo(Math.exp(evalRecord.loss as number), 3);
  });
});
