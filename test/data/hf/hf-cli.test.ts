import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parquetWriteBuffer } from "hyparquet-writer";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { put, writeWikitextRepo } from "../../helpers/hub-fixtures.js";
import { type HubServer, startHubServer } from "../../helpers/hub-server.js";
import { metricsOf, runCli, STACK_FRAME, stepRecordsOf, trainArgs } from "../../helpers/run-cli.js";
import { TINY_MODEL_FLAGS } from "../../helpers/tiny-model.js";
import { SHARED_DATASETS } from "../fixtures.js";

let dir: string;
let server: HubServer;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "aios-hf-cli-"));
  const repo = await writeWikitextRepo(join(dir, "repo"), SHARED_DATASETS, 500);
  server = await startHubServer({ wikitext: { main: repo.main, parquet: repo.parquet } });
});

afterAll(async () => {
  await server?.close();
  await rm(dir, { recursive: true, force: true });
});

/** `aios` with the Hub at the local server, and a token that must never be printed. */
const aios = (args: readonly string[]) =>
  runCli(args, { env: { HF_ENDPOINT: server.endpoint, HUGGING_FACE_HUB_TOKEN: "hf_cli_secret" } });

const train = (
  name: string,
  dataset: readonly string[],
  steps: number,
  extra: readonly string[] = [],
) =>
  aios(
    trainArgs(dir, name, [
      ...dataset,
      "--steps",
      String(steps),
      ...TINY_MODEL_FLAGS,
      "--batch-size",
      "2",
      ...extra,
    ]),
  );

const records = (name: string) => metricsOf(dir, name);

describe("aios with the hf backend", () => {
  it("trains 10 steps on WikiText-2 by name, config and split: 10 metric records", async () => {
    const flags = [
      "--dataset-backend",
      "hf",
      "--hf-name",
      "wikitext",
      "--hf-config",
      "wikitext-2-v1",
    ];
    const r = await train("by-name", [...flags, "--hf-split", "validation"], 10);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).not.toMatch(/warn/i);
    const log = await records("by-name");
    expect(log).toHaveLength(10);
    expect(log.every((record) => record.backend === "hf")).toBe(true);
    expect(`${r.stdout}${r.stderr}`).not.toContain("hf_cli_secret");
  });

  it("does the same from --dataset-file hf://wikitext:wikitext-2-v1:test", async () => {
    const r = await train("by-uri", ["--dataset-file", "hf://wikitext:wikitext-2-v1:test"], 10);
    expect(r.code, r.stderr).toBe(0);
    expect(await records("by-uri")).toHaveLength(10);
  });

  it("--resume continues the stream exactly where the checkpoint left it", async () => {
    const dataset = ["--dataset-file", "hf://wikitext:wikitext-2-v1:validation"];
    const exact = ["--halt-max-steps", "1", "--workers", "1"];
    expect((await train("straight", dataset, 5, exact)).code).toBe(0);
    expect((await train("split", dataset, 3, exact)).code).toBe(0);
    const resumed = await train("split", dataset, 2, [...exact, "--resume"]);
    expect(resumed.code, resumed.stderr).toBe(0);
    const straight = await records("straight");
    const split = await stepRecordsOf(dir, "split");
    expect(split).toHaveLength(5);
    split.forEach((record, i) => {
      expect(record.lm_loss, `step ${i + 1}`).toBeCloseTo(straight[i]?.lm_loss as number, 4);
    });
  });

  it("stops with exit 2 and the splits that exist when the split is wrong", async () => {
    const r = await train(
      "wrong-split",
      ["--dataset-file", "hf://wikitext:wikitext-2-v1:train"],
      1,
    );
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('has no split "train"; its splits are: validation, test');
    expect(r.stderr).not.toMatch(STACK_FRAME);
  });

  it("previews the first rows of a split", async () => {
    const r = await aios([
      "data",
      "preview",
      "--dataset-file",
      "hf://wikitext:wikitext-2-v1:test",
      "--samples",
      "2",
    ]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain('" = Robert <unk> = \\n"');
    expect(r.stdout).toMatch(
      /hf: wikitext:wikitext-2-v1:test \(1 file, repo files at [0-9a-f]{8}\)/,
    );
  });
});

describe("aios with a local parquet directory without a text column", () => {
  /** The pre-tokenized dataset: `doc_id INT64`, `input_ids list<int64>`. */
  const pretokenized = async (): Promise<string> => {
    const repo = join(dir, "pretok");
    const bytes = parquetWriteBuffer({
      columnData: [
        { name: "doc_id", data: [1n, 2n] },
        { name: "input_ids", data: [[464n, 3797n], [9007199254740993n]] },
      ],
      schema: [
        { name: "root", num_children: 2 },
        { name: "doc_id", type: "INT64", repetition_type: "REQUIRED" },
        { name: "input_ids", repetition_type: "OPTIONAL", converted_type: "LIST", num_children: 1 },
        { name: "list", repetition_type: "REPEATED", num_children: 1 },
        { name: "element", type: "INT64", repetition_type: "OPTIONAL" },
      ],
    });
    await put(join(repo, "data", "train-00000-of-00001.parquet"), new Uint8Array(bytes));
    return repo;
  };

  it("previews each row as exact JSON: 64-bit integers keep all their digits", async () => {
    const repo = await pretokenized();
    const r = await aios(["data", "preview", "--dataset-backend", "hf", "--hf-name", repo]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain(JSON.stringify('{"doc_id":1,"input_ids":[464,3797]}'));
    expect(r.stdout).toContain(JSON.stringify('{"doc_id":2,"input_ids":[9007199254740993]}'));
  });

  it("refuses an INT64 --hf-text-field: every row is a non-string value, exit 2", async () => {
    const repo = await pretokenized();
    const r = await aios([
      "data",
      "preview",
      "--dataset-backend",
      "hf",
      "--hf-name",
      repo,
      "--hf-text-field",
      "doc_id",
    ]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^aios: every row of .* is bad \(2 rows\).*non-string value/m);
    expect(r.stderr).not.toMatch(STACK_FRAME);
  });
});
