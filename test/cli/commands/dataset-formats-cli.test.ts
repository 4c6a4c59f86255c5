import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { metricsOf, runCli, STACK_FRAME, trainArgs } from "../../helpers/run-cli.js";
import { TINY_MODEL_FLAGS } from "../../helpers/tiny-model.js";

// The inputs of the issue "Trust the data" (cases 1-4), through the built CLI.
let dir: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "aios-formats-cli-"));
});
afterAll(() => rm(dir, { recursive: true, force: true }));

async function put(name: string, content: string | Buffer): Promise<string> {
  const path = join(dir, name);
  await mkdir(join(path, ".."), { recursive: true });
  await writeFile(path, content);
  return path;
}

/** `aios data preview` of a file, unshuffled. */
const preview = (path: string, ...extra: string[]) =>
  runCli(["data", "preview", "--dataset-file", path, "--no-shuffle", ...extra]);

/** The sample texts `data preview` printed. */
function samplesOf(stdout: string): string[] {
  return [...stdout.matchAll(/^\[\d+\] \(\d+ tokens?, \d+ chars\) (".*")$/gm)].map(
    (match) => JSON.parse(match[1] as string) as string,
  );
}

describe("aios reads what a new user hands it", () => {
  it("detects a semicolon delimiter, says so, and can be told another (flag or YAML)", async () => {
    const semi = await put(
      "semi.csv",
      "text;label\nthe cat sat on the mat;1\na dog ran in the park;0\n",
    );
    const detected = await preview(semi, "--samples", "2");
    expect(detected.code).toBe(0);
    expect(samplesOf(detected.stdout)).toEqual(["the cat sat on the mat", "a dog ran in the park"]);
    expect(detected.stderr).toMatch(/note: .*semi\.csv: fields are separated by ";"/);
    const forced = await preview(semi, "--samples", "1", "--csv-delimiter", ",");
    expect(samplesOf(forced.stdout)).toEqual(["the cat sat on the mat;1"]);
    const yaml = await put("tab.yaml", "memory:\n  dataset:\n    csv_delimiter: tab\n");
    const tabbed = await put("tabbed.csv", "label\ttext\n1\tsemi; colons, commas\n");
    const fromYaml = await preview(tabbed, "--config", yaml);
    expect(samplesOf(fromYaml.stdout)).toEqual(["semi; colons, commas"]);
    const bad = await preview(semi, "--csv-delimiter", "ab");
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain("--csv-delimiter");
    expect(bad.stderr).not.toMatch(STACK_FRAME);
  });

  it("reads a .json holding JSON Lines, alone and inside a directory", async () => {
    const lines = '{"text": "first sample"}\n{"text": "second sample"}\n{"text": "third sample"}\n';
    const alone = await preview(await put("lines.json", lines), "--samples", "3");
    expect(alone.code, alone.stderr).toBe(0);
    expect(samplesOf(alone.stdout)).toEqual(["first sample", "second sample", "third sample"]);
    await put("mix/a.json", lines);
    await put("mix/b.txt", "other one\nother two\n");
    const mixed = await preview(join(dir, "mix"), "--samples", "5");
    expect(mixed.code).toBe(0);
    expect(samplesOf(mixed.stdout)).toEqual([
      "first sample",
      "second sample",
      "third sample",
      "other one",
      "other two",
    ]);
    expect(mixed.stdout).not.toContain("bad rows");
    expect(mixed.stderr).toBe("");
  });

  it("decodes UTF-16LE and UTF-16BE files by their byte-order mark", async () => {
    const le = Buffer.from("first line\r\n", "utf16le");
    const files = {
      "u16le.txt": Buffer.concat([Buffer.from([0xff, 0xfe]), le]),
      "u16be.txt": Buffer.concat([Buffer.from([0xfe, 0xff]), Buffer.from(le).swap16()]),
    };
    for (const [name, bytes] of Object.entries(files)) {
      const r = await preview(await put(name, bytes), "--samples", "3");
      expect(r.code, name).toBe(0);
      expect(samplesOf(r.stdout), name).toEqual(["first line"]);
    }
  });

  it("counts rows of invalid UTF-8 and names the file; --encoding-errors strict makes them fatal", async () => {
    const latin1 = await put(
      "latin1.txt",
      Buffer.from("good one\ncafé au lait\ngood two\n", "latin1"),
    );
    const counted = await preview(latin1);
    expect(counted.code).toBe(0);
    expect(samplesOf(counted.stdout)).toEqual(["good one", "good two"]);
    expect(counted.stdout).toContain("bad rows: invalid UTF-8 1");
    expect(counted.stderr).toMatch(
      /warning: .*skipped 1 bad rows \(invalid UTF-8: 1\); first at .*latin1\.txt line 2/,
    );
    const strict = await preview(latin1, "--encoding-errors", "strict");
    expect(strict.code).toBe(2);
    expect(strict.stderr).toContain(`${latin1} line 2 holds bytes that are not valid UTF-8`);
    expect(strict.stderr).not.toMatch(STACK_FRAME);
    const yaml = await put("strict.yaml", "memory:\n  dataset:\n    encoding_errors: strict\n");
    expect((await preview(latin1, "--config", yaml)).code).toBe(2);
  });

  it("trains on the CSV column with the longest text and says which, and how to choose another", async () => {
    const reviews = await put(
      "reviews.csv",
      'sentiment,review\npositive,"I loved the pacing, the score, and the final act"\nnegative,"Two hours I will never get back"\n',
    );
    const note =
      /note: .*reviews\.csv: training on column "review" .*pass --text-column NAME to choose another/;
    const shown = await preview(reviews, "--samples", "2");
    expect(samplesOf(shown.stdout)).toEqual([
      "I loved the pacing, the score, and the final act",
      "Two hours I will never get back",
    ]);
    expect(shown.stderr).toMatch(note);
    expect(shown.stderr.match(/note:/g)).toHaveLength(1);
    const train = [
      "--dataset-file",
      reviews,
      "--no-shuffle",
      "--steps",
      "1",
      "--batch-size",
      "2",
      "--halt-max-steps",
      "1",
      "--workers",
      "1",
      ...TINY_MODEL_FLAGS,
    ];
    const dry = await runCli(trainArgs(dir, "reviews", [...train, "--dry-run"]));
    expect(dry.stdout).toContain(
      JSON.stringify("I loved the pacing, the score, and the final act"),
    );
    expect(dry.stdout).not.toContain('"positive"');
    const trained = await runCli(trainArgs(dir, "reviews", train));
    expect(trained.code, trained.stderr).toBe(0);
    expect(trained.stderr).toMatch(note);
    expect((await metricsOf(dir, "reviews")).map((record) => record.step)).toEqual([1]);
  });
});
