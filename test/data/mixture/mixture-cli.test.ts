/**
 * `aios` with `--dataset-mix` of a custom file, an hf repo (the local Hub server) and webdataset
 * shards: training with per-source counts and exact resume, preview, make-shards, config show,
 * and bad input refused with exit 2 naming the source.
 */
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { writeShards } from "../../../src/data/webdataset/write-shards.js";
import { put, textParquet } from "../../helpers/hub-fixtures.js";
import { type HubServer, startHubServer } from "../../helpers/hub-server.js";
import { metricsOf, runCli, STACK_FRAME, stepRecordsOf, trainArgs } from "../../helpers/run-cli.js";
import { TINY_MODEL_FLAGS } from "../../helpers/tiny-model.js";

let dir: string;
let server: HubServer;
let custom: string;
let wds: string;
const hf = "hf://someone/rivers";

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "aios-mixture-cli-"));
  custom = join(dir, "hills.txt");
  await writeFile(
    custom,
    `${Array.from({ length: 120 }, (_, i) => `hill line ${i} about slopes and grass`).join("\n")}\n`,
  );
  const repo = join(dir, "rivers");
  const rows = Array.from({ length: 80 }, (_, i) => `river row ${i} about water and stones`);
  await put(join(repo, "data", "train-00000-of-00001.parquet"), textParquet(rows, 20));
  server = await startHubServer({ "someone/rivers": { main: repo } });
  async function* texts() {
    for (let i = 0; i < 90; i++) yield `shard sample ${i} about lakes and reeds`;
  }
  const written = await writeShards(texts(), {
    dir: join(dir, "shards"),
    prefix: "shard",
    maxSamples: 30,
    maxBytes: 1 << 20,
    field: "txt",
  });
  wds = `wds://${written.pattern}`;
});

afterAll(async () => {
  await server?.close();
  await rm(dir, { recursive: true, force: true });
});

const aios = (args: readonly string[]) => runCli(args, { env: { HF_ENDPOINT: server.endpoint } });

const mix = () => `${custom}=0.5,${hf}=0.3,${wds}=0.2`;

const train = (name: string, steps: number, extra: readonly string[] = []) =>
  aios(
    trainArgs(dir, name, [
      "--steps",
      String(steps),
      ...TINY_MODEL_FLAGS,
      "--batch-size",
      "2",
      ...extra,
    ]),
  );

describe("training from a mixture", () => {
  it("trains 10 steps from custom + hf + wds, each record counting every source's samples and tokens", async () => {
    const r = await train("three", 10, ["--dataset-mix", mix()]);
    expect(r.code, r.stderr).toBe(0);
    const steps = await stepRecordsOf(dir, "three");
    expect(steps).toHaveLength(10);
    const names = [custom, hf, wds];
    for (const record of steps) {
      expect(record.backend).toBe("mixture");
      expect(Object.keys(record.sources as object).sort()).toEqual([...names].sort());
    }
    type Counts = Record<string, { samples: number; tokens: number }>;
    // Step 1 draws a sequence of max_seq_len + 1 = 17 tokens for each of the 2 rows.
    const first = steps[0]?.sources as Counts;
    expect(Object.values(first).reduce((sum, c) => sum + c.tokens, 0)).toBe(2 * 17);
    const total = (name: string) =>
      steps.reduce((sum, s) => sum + ((s.sources as Counts)[name]?.samples ?? 0), 0);
    for (const name of names) expect(total(name), name).toBeGreaterThan(0);
    const metadata = JSON.parse(
      await readFile(join(dir, "brains", "three", "metadata.json"), "utf8"),
    );
    expect(JSON.stringify(metadata)).toContain("hills.txt=0.5");
  });

  it("--resume continues the mixture exactly: the same losses and per-source counts as a straight run", async () => {
    const exact = ["--dataset-mix", mix(), "--halt-max-steps", "1", "--workers", "1"];
    expect((await train("straight", 6, exact)).code).toBe(0);
    expect((await train("split", 3, exact)).code).toBe(0);
    const resumed = await train("split", 3, [...exact, "--resume"]);
    expect(resumed.code, resumed.stderr).toBe(0);
    const straight = await stepRecordsOf(dir, "straight");
    const split = await stepRecordsOf(dir, "split");
    expect(split.map((s) => s.step)).toEqual([1, 2, 3, 4, 5, 6]);
    for (let i = 0; i < 6; i++) {
      expect(split[i]?.sources, `step ${i + 1}`).toEqual(straight[i]?.sources);
      expect(split[i]?.lm_loss, `step ${i + 1}`).toBeCloseTo(straight[i]?.lm_loss as number, 4);
    }
  });

  it("refuses --resume with another mixture before the first step: nothing trained or logged", async () => {
    expect((await train("moved", 2, ["--dataset-mix", mix()])).code).toBe(0);
    const before = await metricsOf(dir, "moved");
    for (const other of [
      `${custom}=0.4,${hf}=0.4,${wds}=0.2`,
      `${custom}=0.5,${wds}=0.2`,
      `${hf}=0.3,${custom}=0.5,${wds}=0.2`,
    ]) {
      const r = await train("moved", 2, ["--dataset-mix", other, "--resume"]);
      expect(r.code).toBe(2);
      expect(r.stderr).toContain("the checkpoint was written reading the mixture [");
      expect(r.stderr).not.toMatch(STACK_FRAME);
    }
    const single = await train("moved", 2, ["--dataset-file", custom, "--resume"]);
    expect(single.code).toBe(2);
    expect(single.stderr).toContain(
      "the saved data position was written by a run reading a dataset mixture; this run reads one dataset",
    );
    expect(single.stderr).toContain("--dataset-mix");
    expect(await metricsOf(dir, "moved")).toEqual(before);
  });
});

describe("data commands with a mixture", () => {
  it("data preview names the source of each sample", async () => {
    const r = await aios([
      "data",
      "preview",
      "--dataset-mix",
      `${custom},${hf},${wds}`,
      "--samples",
      "6",
    ]);
    expect(r.code, r.stderr).toBe(0);
    const lines = r.stdout.split("\n").filter((line) => line.startsWith("["));
    expect(lines.map((line) => line.replace(/ \(.*$/, ""))).toEqual([
      `[1] ${custom}:`,
      `[2] ${hf}:`,
      `[3] ${wds}:`,
      `[4] ${custom}:`,
      `[5] ${hf}:`,
      `[6] ${wds}:`,
    ]);
    expect(lines[0]).toContain('"hill line 0 about slopes and grass"');
    expect(r.stdout).toContain("mixture (endless, round robin): custom: ");
  });

  it("make-shards writes a finite mixture, in the mixture's order", async () => {
    const out = join(dir, "mixed-shards");
    const r = await aios([
      "data",
      "make-shards",
      "--dataset-mix",
      `${custom},${hf}`,
      "--mix-stopping-strategy",
      "first_exhausted",
      "--hf-shuffle",
      "0",
      "--no-shuffle",
      "--out",
      out,
      "--max-samples",
      "50",
    ]);
    expect(r.code, r.stderr).toBe(0);
    // Round robin until the hf source's 80 rows run out: 80 of each.
    expect(r.stdout).toContain("160 samples in 4 shards");
    const back = await aios([
      "data",
      "preview",
      "--dataset-file",
      `wds://${join(out, "shard-{000000..000003}.tar")}`,
      "--samples",
      "4",
    ]);
    expect(back.stdout).toContain('"hill line 0 about slopes and grass"');
    expect(back.stdout.indexOf("river row 0")).toBeGreaterThan(back.stdout.indexOf("hill line 0"));
    expect(back.stdout.indexOf("hill line 1")).toBeGreaterThan(back.stdout.indexOf("river row 0"));

    const endless = await aios(["data", "make-shards", "--dataset-mix", mix(), "--out", out]);
    expect(endless.code).toBe(2);
    expect(endless.stderr).toContain("never ends");
  });

  it("config show prints the mixture in the layout --config reads back", async () => {
    const json = JSON.stringify([
      { uri: custom, weight: 2, name: "hills", text_column: "text" },
      { uri: hf, weight: 1, hf: { split: "train", shuffle: 0 } },
    ]);
    const shown = await aios([
      "config",
      "show",
      "--dataset-mix",
      json,
      "--mix-stopping-strategy",
      "all_exhausted",
    ]);
    expect(shown.code, shown.stderr).toBe(0);
    expect(shown.stdout).toContain("mix:\n      - uri: ");
    const file = join(dir, "shown.yaml");
    await writeFile(file, shown.stdout);
    const again = await aios(["config", "show", "--config", file]);
    expect(again.stdout).toBe(shown.stdout);
    expect(again.stderr).toBe("");
    const alone = await aios(["config", "show", "--mix-stopping-strategy", "first_exhausted"]);
    expect(alone.stderr).toContain(
      "warning: --mix-stopping-strategy (memory.dataset.mix_stopping_strategy) = first_exhausted has no effect without --dataset-mix",
    );
  });
});

describe("bad mixtures", () => {
  it.each([
    [
      "a weight that is not a positive number",
      () => `${custom}=0.5,${wds}=-1`,
      `source 2 (${"WDS"}): weight "-1"`,
    ],
    ["a weight that is not a number", () => `${custom}=half`, 'source 1 (CUSTOM): weight "half"'],
    ["an empty mixture", () => "", "names no source"],
    [
      "a source that cannot be opened",
      () => `${custom}=1,${join(dir, "none.txt")}=1`,
      "mixture source 2 (",
    ],
    [
      "an hf source that does not exist",
      () => `${custom}=1,hf://someone/none=1`,
      "mixture source 2 (hf://someone/none)",
    ],
  ])("exit 2 naming the source: %s", async (_label, value, expected) => {
    const r = await aios(["data", "preview", "--dataset-mix", value()]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(expected.replace("WDS", wds).replace("CUSTOM", custom));
    expect(r.stderr).not.toMatch(STACK_FRAME);
  });

  it("exit 2 for a mixture beside --dataset-file", async () => {
    const r = await aios(["data", "preview", "--dataset-mix", mix(), "--dataset-file", custom]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("cannot be combined with --dataset-mix");
  });
});
