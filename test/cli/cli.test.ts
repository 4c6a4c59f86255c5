import { existsSync } from "node:fs";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it, onTestFinished } from "vitest";
import { parse } from "yaml";
import { trainingFields } from "../../src/config/fields.js";
import { repoRoot, runCli, STACK_FRAME } from "../helpers/run-cli.js";

const sample = "examples/data/sample.txt";

describe("aios CLI", () => {
  it("lists every training option with its description in --help", async () => {
    const { code, stdout } = await runCli(["hrm-hf", "train-actv1", "--help"]);
    expect(code).toBe(0);
    for (const spec of Object.values(trainingFields)) {
      expect(stdout, spec.flag).toContain(`--${spec.flag}`);
      expect(stdout.replace(/\s+/g, " "), spec.flag).toContain(
        spec.help.split(" ").slice(0, 4).join(" "),
      );
    }
    expect(stdout).toContain("--no-ascii-only");
    expect(stdout).toContain("--no-hf-streaming");
    expect(stdout).toContain("--config <file>");
  });

  it("exits 2 with the flag, value and fix for a bad value, without a stack trace", async () => {
    const { code, stderr } = await runCli([
      "hrm-hf",
      "train-actv1",
      "--dataset-file",
      sample,
      "--batch-size",
      "0",
    ]);
    expect(code).toBe(2);
    expect(stderr).toContain("--batch-size (train.batch_size) = 0");
    expect(stderr).toContain("Fix:");
    expect(stderr).not.toMatch(STACK_FRAME);
  });

  it("prints the package's version with --version", async () => {
    const { version } = JSON.parse(await readFile(join(repoRoot, "package.json"), "utf8"));
    const { code, stdout } = await runCli(["--version"]);
    expect(code).toBe(0);
    expect(stdout.trim()).toBe(version);
  });

  it("exits 2 on an unknown option", async () => {
    const { code, stderr } = await runCli(["hrm-hf", "train-actv1", "--stepz", "3"]);
    expect(code).toBe(2);
    expect(stderr).toContain("unknown option '--stepz'");
  });

  it("exits 2 naming a missing dataset file", async () => {
    const { code, stderr } = await runCli([
      "hrm-hf",
      "train-actv1",
      "--dataset-file",
      "no/such/file.txt",
    ]);
    expect(code).toBe(2);
    expect(stderr).toContain("no/such/file.txt");
    expect(stderr).not.toMatch(STACK_FRAME);
  });

  it("prints the resolved config and first samples on --dry-run and trains nothing", async () => {
    const dir = await mkdtemp(join(tmpdir(), "aios-dry-"));
    onTestFinished(() => rm(dir, { recursive: true, force: true }));
    const log = join(dir, "metrics.jsonl");
    const { code, stdout } = await runCli([
      "hrm-hf",
      "train-actv1",
      "--dataset-file",
      sample,
      "--dry-run",
      "--steps",
      "3",
      "--log-file",
      log,
      "--bundle-dir",
      join(dir, "brains"),
      "--no-shuffle",
    ]);
    expect(code).toBe(0);
    const configPart = parse(stdout.slice(0, stdout.indexOf("\n# first")));
    expect(configPart.train).toMatchObject({ steps: 3 });
    expect(configPart.memory.dataset).toMatchObject({ file: sample, backend: "custom" });
    expect(stdout).toContain("# first 3 samples");
    const firstLine = (await readFile(sample, "utf8")).split("\n")[0] ?? "";
    expect(stdout).toContain(JSON.stringify(firstLine));
    expect(existsSync(log)).toBe(false);
  });

  it("shows the resolved configuration with defaults < YAML < flags", async () => {
    const defaults = await runCli(["config", "show", "--json"]);
    expect(defaults.code).toBe(0);
    const shown = JSON.parse(defaults.stdout) as {
      train: Record<string, unknown>;
      memory: Record<string, unknown>;
    };
    expect(shown.train.steps).toBe(trainingFields.steps.schema.parse(undefined));
    expect(shown.memory).toHaveProperty("vector_store.backend", "lancedb");

    const withFile = await runCli([
      "config",
      "show",
      "--config",
      "config/default.yaml",
      "--steps",
      "5",
    ]);
    expect(withFile.code).toBe(0);
    expect(parse(withFile.stdout).train.steps).toBe(5);
  });
});

describe("aios config show", () => {
  it.each([
    ["a local file", ["--dataset-file", sample, "--steps", "7"]],
    [
      "an hf:// URI",
      ["--dataset-file", "hf://wikitext:wikitext-2-v1:test", "--hf-num-workers", "0"],
    ],
    ["a wds:// URI", ["--dataset-file", "wds://shards/s-{0..3}.tar", "--wds-shuffle", "0"]],
  ])("prints %s's configuration in the layout --config reads back unchanged", async (_, flags) => {
    const dir = await mkdtemp(join(tmpdir(), "aios-config-show-"));
    onTestFinished(() => rm(dir, { recursive: true, force: true }));
    const first = await runCli(["config", "show", ...flags]);
    expect(first.code, first.stderr).toBe(0);
    expect(parse(first.stdout).train.dataset_file).toBeUndefined();
    const file = join(dir, "shown.yaml");
    await writeFile(file, first.stdout);
    const again = await runCli(["config", "show", "--config", file]);
    expect(again.code, again.stderr).toBe(0);
    expect(again.stdout).toBe(first.stdout);
  });
});

describe("aios data: help and preview order", () => {
  it.each([["preview"], ["make-shards"]])(
    "data %s --help lists dataset options only, each default once",
    async (name) => {
      const { code, stdout } = await runCli(["data", name, "--help"]);
      expect(code).toBe(0);
      for (const spec of Object.values(trainingFields)) {
        const dataset = ["data", "hf", "webdataset"].includes(spec.group) || spec.flag === "seed";
        expect(new RegExp(`^\\s+--${spec.flag}\\b`, "m").test(stdout), spec.flag).toBe(dataset);
      }
      for (const paragraph of stdout.split(/\n(?=\s{2}-)/)) {
        expect(paragraph.match(/\(default[ :]/g)?.length ?? 0, paragraph).toBeLessThanOrEqual(1);
        expect(paragraph, paragraph).not.toMatch(/default: "\d+"/);
      }
    },
  );

  it("data preview shows the file's first samples unless --shuffle is given", async () => {
    const lines = (await readFile(sample, "utf8")).split("\n").slice(0, 2);
    const plain = await runCli(["data", "preview", "--dataset-file", sample, "--samples", "2"]);
    expect(plain.code, plain.stderr).toBe(0);
    expect(plain.stdout).toContain(`[1] (`);
    expect(plain.stdout).toContain(JSON.stringify(lines[0]));
    expect(plain.stdout).toContain(JSON.stringify(lines[1]));
    const shuffled = await runCli([
      "data",
      "preview",
      "--dataset-file",
      sample,
      "--samples",
      "2",
      "--shuffle",
    ]);
    expect(shuffled.code).toBe(0);
    expect(shuffled.stdout).not.toContain(JSON.stringify(lines[0]));
  });
});
