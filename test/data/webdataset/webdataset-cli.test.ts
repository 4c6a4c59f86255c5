import { spawnSync } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { metricsOf, runCli, STACK_FRAME, trainArgs } from "../../helpers/run-cli.js";
import { TINY_MODEL_FLAGS } from "../../helpers/tiny-model.js";

const shakespeare = join("..", "shared", "datasets", "tinyshakespeare", "input.txt");
const hasTar = spawnSync("tar", ["--version"]).status === 0;
if (!hasTar) console.warn("skipping the GNU tar listing test: `tar` is not installed");
let dir: string;
let pattern: string;

afterAll(() => rm(dir, { recursive: true, force: true }));

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "aios-wds-cli-"));
  const r = await runCli([
    "data",
    "make-shards",
    "--dataset-file",
    shakespeare,
    "--no-shuffle",
    "--out",
    join(dir, "shards"),
    "--max-samples",
    "4000",
  ]);
  expect(r.code, r.stderr).toBe(0);
  pattern = /--wds-pattern "([^"]+)"/.exec(r.stdout)?.[1] ?? "";
  expect(pattern).toContain("shard-{000000..000008}.tar");
});

describe("aios with WebDataset shards", () => {
  it("make-shards writes standard tar that GNU tar lists", () => {
    const r = spawnSync("tar", ["tf", join(dir, "shards", "shard-000000.tar")], {
      encoding: "utf8",
    });
    if (r.error !== undefined) return; // no tar on this machine: covered by the reader tests' skip
    expect(r.stdout.split("\n").slice(0, 2)).toEqual([
      "sample000000000.txt",
      "sample000000001.txt",
    ]);
  });

  it("trains 10 steps from 2 local shards: 10 metric records and no warnings", async () => {
    const two = pattern.replace("{000000..000008}", "{000000..000001}");
    const r = await runCli(
      trainArgs(dir, "wds-ten", [
        "--dataset-backend",
        "webdataset",
        "--wds-pattern",
        two,
        "--steps",
        "10",
        ...TINY_MODEL_FLAGS,
        "--batch-size",
        "4",
      ]),
    );
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).not.toMatch(/warn/i);
    const records = await metricsOf(dir, "wds-ten");
    expect(records).toHaveLength(10);
    expect(records.every((x) => x.backend === "webdataset")).toBe(true);
  });

  it("--resume continues the shard stream exactly, shuffle buffer included", async () => {
    const two = pattern.replace("{000000..000008}", "{000000..000001}");
    const run = async (name: string, steps: number, resume: boolean) => {
      const r = await runCli(
        trainArgs(dir, name, [
          "--dataset-backend",
          "webdataset",
          "--wds-pattern",
          two,
          "--wds-shuffle",
          "50",
          "--steps",
          String(steps),
          "--halt-max-steps",
          "1",
          "--workers",
          "1",
          ...TINY_MODEL_FLAGS,
          "--batch-size",
          "2",
          ...(resume ? ["--resume"] : []),
        ]),
      );
      expect(r.code, r.stderr).toBe(0);
    };
    await run("wds-straight", 5, false);
    await run("wds-split", 3, false);
    await run("wds-split", 2, true);
    const losses = async (name: string) =>
      (await metricsOf(dir, name)).map((record) => record.lm_loss as number);
    const straight = await losses("wds-straight");
    const split = await losses("wds-split");
    expect(split).toHaveLength(5);
    for (let i = 0; i < 5; i++)
      expect(split[i], `step ${i + 1}`).toBeCloseTo(straight[i] as number, 4);
  });

  it("previews the first samples of any backend with counts", async () => {
    const r = await runCli([
      "data",
      "preview",
      "--dataset-file",
      `wds://${pattern}`,
      "--wds-shuffle",
      "0",
      "--samples",
      "2",
    ]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain('[1] (3 tokens, 14 chars) "First Citizen:"');
    expect(r.stdout).toContain("(9 shards): 2 samples shown");
    const custom = await runCli([
      "data",
      "preview",
      "--dataset-file",
      shakespeare,
      "--no-shuffle",
      "--samples",
      "1",
    ]);
    expect(custom.stdout).toContain('"First Citizen:"');
  });

  it("exits 2 without a stack trace for a pattern that names no shard", async () => {
    const r = await runCli([
      "data",
      "preview",
      "--dataset-backend",
      "webdataset",
      "--wds-pattern",
      join(dir, "x-{0..3}.tar"),
    ]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("x-0.tar, ");
    expect(r.stderr).not.toMatch(STACK_FRAME);
  });
});
