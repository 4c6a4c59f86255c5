import { spawnSync } from "node:child_process";
import { mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { metricsOf, runCli, STACK_FRAME, stepRecordsOf, trainArgs } from "../../helpers/run-cli.js";
import { TINY_MODEL_FLAGS } from "../../helpers/tiny-model.js";

const shakespeare = join("..", "shared", "datasets", "tinyshakespeare", "input.txt");
const hasTar = spawnSync("tar", ["--version"]).status === 0;
const hasPython = spawnSync("python3", ["-c", "import tarfile"]).status === 0;
if (!hasTar) console.warn("skipping the GNU tar listing test: `tar` is not installed");
if (!hasPython) console.warn("skipping the Python tarfile shard test: `python3` is not installed");
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
      (await stepRecordsOf(dir, name)).map((record) => record.lm_loss as number);
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

  it.skipIf(!hasPython)(
    "reads upper-case suffixes, and reports skipped samples on stderr and in the metrics",
    async () => {
      // The shard (s0001.TXT, s0002.TXT, s0003.txt, Python tarfile, USTAR) plus two
      // samples that cannot be used, first in the shard so that one step has read them.
      const long = (word: string) => `${word} `.repeat(80).trim();
      const members = [
        ["s0000.json", '{"no": "text field"}'],
        ["s0001.TXT", long("upper")],
        ["s0002.txt", ""],
        ["s0003.TXT", long("second")],
        ["s0004.txt", long("lower")],
      ];
      const shard = join(dir, "upper.tar");
      const script = `
import io, json, sys, tarfile
with tarfile.open(sys.argv[1], "w", format=tarfile.USTAR_FORMAT) as t:
    for name, text in json.loads(sys.argv[2]):
        data = text.encode(); info = tarfile.TarInfo(name); info.size = len(data)
        t.addfile(info, io.BytesIO(data))
`;
      const made = spawnSync("python3", ["-c", script, shard, JSON.stringify(members)], {
        encoding: "utf8",
      });
      expect(made.status, made.stderr).toBe(0);

      const preview = await runCli([
        "data",
        "preview",
        "--dataset-file",
        `wds://${shard}`,
        "--wds-shuffle",
        "0",
        "--samples",
        "5",
      ]);
      expect(preview.code, preview.stderr).toBe(0);
      expect(preview.stdout).toContain(
        "3 samples shown, 80.0 tokens per sample; skipped: no .txt field 1, empty text 1",
      );

      const r = await runCli(
        trainArgs(dir, "wds-skips", [
          "--dataset-backend",
          "webdataset",
          "--wds-pattern",
          shard,
          "--wds-shuffle",
          "0",
          "--steps",
          "2",
          "--batch-size",
          "2",
          "--halt-max-steps",
          "1",
          "--workers",
          "1",
          ...TINY_MODEL_FLAGS,
        ]),
      );
      expect(r.code, r.stderr).toBe(0);
      const records = await metricsOf(dir, "wds-skips");
      expect(records.map((x) => x.skipped_samples)).toEqual([2, 2]);
      expect(r.stderr).toMatch(
        /^data: step 1: samples are being skipped \(no \.txt field: 1, empty text: 1 so far\)/m,
      );
      expect(r.stderr).toMatch(
        /^data: \d+ samples read, 2 skipped \(no \.txt field: 1, empty text: 1\)$/m,
      );
    },
  );

  it("make-shards refuses a directory holding shards of its prefix, and --overwrite replaces exactly them", async () => {
    const out = join(dir, "mixed");
    const first = join(dir, "first.txt");
    const second = join(dir, "second.txt");
    await writeFile(
      first,
      Array.from({ length: 25 }, (_, i) => `first corpus line ${i + 1}\n`).join(""),
    );
    await writeFile(
      second,
      Array.from({ length: 5 }, (_, i) => `second corpus line ${i + 1}\n`).join(""),
    );
    const make = (file: string, ...extra: string[]) =>
      runCli([
        "data",
        "make-shards",
        "--dataset-file",
        file,
        "--out",
        out,
        "--max-samples",
        "10",
        "--no-shuffle",
        ...extra,
      ]);
    expect((await make(first)).code).toBe(0);
    // Files that are not this prefix's shards are never touched.
    await writeFile(join(out, "README.md"), "my notes");
    await writeFile(join(out, "val-000000.tar"), "another prefix");
    await writeFile(join(out, "shard-000000.tar.gz"), "not this writer's naming");
    const firstRun = await readFile(join(out, "shard-000000.tar"));

    const refused = await make(second);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain(
      `--out ${out} already holds 3 files of shard prefix "shard": shard-000000.tar, shard-000001.tar, shard-000002.tar`,
    );
    expect(refused.stderr).toContain("--overwrite");
    expect(refused.stderr).not.toMatch(STACK_FRAME);
    expect(await readFile(join(out, "shard-000000.tar"))).toEqual(firstRun);

    const replaced = await make(second, "--overwrite");
    expect(replaced.code, replaced.stderr).toBe(0);
    expect((await readdir(out)).sort()).toEqual([
      "README.md",
      "shard-000000.tar",
      "shard-000000.tar.gz",
      "val-000000.tar",
    ]);
    const preview = await runCli([
      "data",
      "preview",
      "--dataset-file",
      `wds://${join(out, "shard-000000.tar")}`,
      "--wds-shuffle",
      "0",
      "--samples",
      "10",
    ]);
    expect(preview.stdout).toContain('"second corpus line 5"');
    expect(preview.stdout).not.toContain("first corpus");
    expect(preview.stdout).toContain("5 samples shown");
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
