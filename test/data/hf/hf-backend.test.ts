import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { resolveTrainingConfig } from "../../../src/config/training-config.js";
import { AiosError } from "../../../src/core/errors.js";
import { buildBackend } from "../../../src/data/build-backend.js";
import { type HfBackendOptions, openHfBackend } from "../../../src/data/hf/hf-backend.js";
import { openSequenceStream } from "../../../src/data/pipeline/sequence-stream.js";
import { closedPort } from "../../helpers/closed-port.js";
import {
  put,
  textParquet,
  type WikitextRepo,
  writeWikitextRepo,
  zstdCompressor,
} from "../../helpers/hub-fixtures.js";
import { type HubServer, startHubServer } from "../../helpers/hub-server.js";
import { collect, SHARED_DATASETS } from "../fixtures.js";

let root: string;
let wikitext: WikitextRepo;
let server: HubServer;
let bigParquetSize: number;
const lineRows = Array.from(
  { length: 300 },
  (_, i) => `line sample ${i}: ${"word ".repeat(i % 7)}`,
);

const jsonl = (rows: readonly string[]) => rows.map((text) => JSON.stringify({ text })).join("\n");

/** The samples a backend yields for a split: the rows with text (blank rows are skipped). */
const nonEmpty = (rows: readonly string[]) => rows.filter((row) => row.trim() !== "");

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), "aios-hf-"));
  wikitext = await writeWikitextRepo(join(root, "wikitext"), SHARED_DATASETS, 500);
  // A repo without a parquet conversion, in line formats, with splits named by file.
  const lines = join(root, "lines");
  await put(
    join(lines, "data", "train.jsonl"),
    lineRows.map((text, id) => JSON.stringify({ id, text })).join("\n"),
  );
  await put(
    join(lines, "data", "test.csv.gz"),
    gzipSync(
      `id,body\n${lineRows
        .slice(0, 20)
        .map((text, i) => `${i},"${text}"`)
        .join("\n")}\n`,
    ),
  );
  await put(join(lines, "data", "validation.txt"), `${lineRows.slice(0, 5).join("\n")}\n`);
  // One large parquet file (3.5 MB) of 40 row groups, of a seeded sequence's digits: text that
  // does not compress away.
  let seed = 7;
  const noise = () => {
    seed = (seed * 48271) % 2147483647;
    return seed.toString(36);
  };
  const many = Array.from(
    { length: 40_000 },
    (_, i) => `row ${i} ${Array.from({ length: 12 }, noise).join(" ")}`,
  );
  const big = textParquet(many, 1000);
  bigParquetSize = big.length;
  await put(join(root, "big", "main", "data", "train-00000-of-00001.parquet"), big);
  // Rows with no text column, and one with another name for it.
  await put(
    join(root, "columns", "train.jsonl"),
    [
      { question: "q1", answer: 1 },
      { question: "q2", answer: 2 },
    ]
      .map((r) => JSON.stringify(r))
      .join("\n"),
  );
  // Two states of one repo (main moves from the first to the second), a branch, a script
  // dataset with a partial conversion, and a repo of images with a conversion.
  await put(join(root, "moving", "a", "data", "train.jsonl"), jsonl(lineRows.slice(0, 50)));
  await put(join(root, "moving", "b", "data", "train.jsonl"), jsonl(lineRows.slice(100, 150)));
  await put(join(root, "scripted", "main", "scripted.py"), "# a loading script\n");
  await put(
    join(root, "scripted", "main", "README.md"),
    "---\ndataset_info:\n  config_name: default\n  splits:\n  - name: train\n    num_examples: 1000\n---\n",
  );
  await put(
    join(root, "scripted", "parquet", "default", "partial-train", "0000.parquet"),
    textParquet(lineRows.slice(0, 100), 50),
  );
  await put(join(root, "images", "main", "train", "a.png"), "not really a png");
  await put(
    join(root, "images", "parquet", "default", "train", "0000.parquet"),
    textParquet(lineRows.slice(0, 10), 50),
  );
  server = await startHubServer({
    wikitext: { main: wikitext.main, parquet: wikitext.parquet },
    "someone/wikitext-files": { main: wikitext.main },
    "someone/lines": { main: lines },
    "someone/big": { main: join(root, "big", "main") },
    "someone/columns": { main: join(root, "columns") },
    "someone/moving": {
      main: join(root, "moving", "a"),
      branches: { dev: join(root, "moving", "b") },
    },
    "someone/scripted": {
      main: join(root, "scripted", "main"),
      parquet: join(root, "scripted", "parquet"),
    },
    "someone/images": {
      main: join(root, "images", "main"),
      parquet: join(root, "images", "parquet"),
    },
    "someone/images-only": { main: join(root, "images", "main") },
  });
});

afterAll(async () => {
  await server?.close();
  await rm(root, { recursive: true, force: true });
});

beforeEach(() => {
  for (const key of Object.keys(server.faults))
    delete server.faults[key as keyof typeof server.faults];
  server.resetLog();
});

const open = (overrides: Partial<HfBackendOptions> = {}) =>
  openHfBackend({
    name: "wikitext",
    config: "wikitext-2-v1",
    split: "validation",
    streaming: true,
    cacheDir: null,
    textField: null,
    tokenEnv: "AIOS_TEST_HF_TOKEN",
    warn: () => {},
    log: () => {},
    endpoint: server.endpoint,
    env: {},
    retry: { backoffMs: 5 },
    ...overrides,
  });

const failure = async (promise: Promise<unknown>): Promise<AiosError> => {
  const error = await promise.then(
    () => null,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(AiosError);
  return error as AiosError;
};

describe("hf backend: resolving a dataset", () => {
  it("reads the repo's own files at main, every row with text in order, though a conversion exists", async () => {
    const backend = await open();
    expect(backend.description).toMatch(
      /^hf: wikitext:wikitext-2-v1:validation \(1 file, repo files at [0-9a-f]{8}\)$/,
    );
    expect(await collect(backend.iterText())).toEqual(nonEmpty(wikitext.rows.validation));
    expect(backend.stats().skipped).toEqual({
      "empty text": wikitext.rows.validation.length - nonEmpty(wikitext.rows.validation).length,
    });
    const parquetGets = server.requests.filter((r) => r.url.endsWith(".parquet"));
    expect(parquetGets.length).toBeGreaterThan(0);
    expect(
      parquetGets.every((r) => r.url.includes("/resolve/") && !r.url.includes("0000.parquet")),
    ).toBe(true);
  });

  it("reads a repo without a conversion from its own files, as its card's configs map them", async () => {
    const backend = await open({ name: "someone/wikitext-files", split: "test" });
    expect(backend.description).toContain("repo files");
    expect(await collect(backend.iterText())).toEqual(nonEmpty(wikitext.rows.test));
  });

  it("reads a local directory in the Hub's layout with no server at all", async () => {
    const backend = await open({
      name: wikitext.main,
      split: "test",
      endpoint: `http://127.0.0.1:${await closedPort()}`,
    });
    expect(backend.description).toContain("local directory");
    expect(await collect(backend.iterText())).toEqual(nonEmpty(wikitext.rows.test));
  });

  it("picks the only config when none is given, and lists them when there are several", async () => {
    const only = await open({ name: "someone/lines", config: null, split: "train" });
    expect((await collect(only.iterText(), 2)).length).toBe(2);
  });

  it("names an unknown dataset, config or split and lists the ones that exist", async () => {
    const dataset = await failure(open({ name: "nobody/nothing" }));
    expect(dataset.code).toBe("DATASET_NOT_FOUND");
    expect(dataset.message).toBe(`dataset "nobody/nothing" not found on ${server.endpoint}`);

    const config = await failure(open({ config: "wikitext-103-v1" }));
    expect(config.message).toBe(
      'dataset "wikitext" has no config "wikitext-103-v1"; its configs are: wikitext-2-v1',
    );
    expect(config.hint).toBe("pass --hf-config wikitext-2-v1");

    const split = await failure(open({ split: "train" }));
    expect(split.message).toBe(
      'dataset "wikitext" (config wikitext-2-v1) has no split "train"; its splits are: validation, test',
    );
  });

  it("says which server it cannot reach", async () => {
    const endpoint = `http://127.0.0.1:${await closedPort()}`;
    const error = await failure(open({ endpoint, retry: { attempts: 2, backoffMs: 1 } }));
    expect(error.code).toBe("HUB_REQUEST");
    expect(error.message).toContain(`cannot reach the Hub at ${endpoint}`);
    expect(error.hint).toContain("HF_ENDPOINT");
  });

  it("is built from the config, hf:// URIs included, with HF_ENDPOINT as the Hub", async () => {
    const saved = process.env.HF_ENDPOINT;
    process.env.HF_ENDPOINT = server.endpoint;
    try {
      const backend = await buildBackend(
        resolveTrainingConfig({ dataset_file: "hf://wikitext:wikitext-2-v1:test", hf_shuffle: 0 }),
        {
          warn: () => {},
        },
      );
      expect(backend.kind).toBe("hf");
      expect(await collect(backend.iterText(), 3)).toEqual(
        nonEmpty(wikitext.rows.test).slice(0, 3),
      );
    } finally {
      if (saved === undefined) delete process.env.HF_ENDPOINT;
      else process.env.HF_ENDPOINT = saved;
    }
  });
});

describe("hf backend: revisions and the parquet conversion", () => {
  it("reads a branch by --hf-revision, and names a revision that does not exist", async () => {
    const dev = await open({
      name: "someone/moving",
      config: null,
      split: "train",
      revision: "dev",
    });
    expect(await collect(dev.iterText())).toEqual(lineRows.slice(100, 150));
    const error = await failure(
      open({ name: "someone/moving", config: null, split: "train", revision: "v9" }),
    );
    expect(error.code).toBe("DATASET_NOT_FOUND");
    expect(error.message).toBe(
      `dataset "someone/moving" has no revision "v9" on ${server.endpoint}`,
    );
  });

  it("resumes at the commit the checkpoint read, though the branch has moved on", async () => {
    const options = { name: "someone/moving", config: null, split: "train" };
    const first = await open(options);
    const head = await collect(first.iterText(), 20);
    const position = first.position();
    expect(position.revision).toBe(first.resolved.revision);
    const moved = server.repos["someone/moving"];
    // main now points at the other directory; the old commit stays reachable by its sha.
    server.repos["someone/moving"] = {
      main: join(root, "moving", "b"),
      branches: { old: join(root, "moving", "a") },
    };
    try {
      const notices: string[] = [];
      const again = await open({ ...options, notice: (m) => notices.push(m) });
      expect(await collect(again.iterText())).toEqual(lineRows.slice(100, 150));
      const resumed = await open({ ...options, notice: (m) => notices.push(m) });
      const tail = await collect(resumed.iterText({ from: position }));
      expect([...head, ...tail]).toEqual(lineRows.slice(0, 50));
      expect(notices).toEqual([
        expect.stringMatching(/resuming at commit [0-9a-f]{40}, which the checkpoint read/),
      ]);
    } finally {
      if (moved !== undefined) server.repos["someone/moving"] = moved;
    }
  });

  it("reads a script dataset from its conversion, and says which part of the split a partial one holds", async () => {
    const notices: string[] = [];
    const warnings: string[] = [];
    const backend = await open({
      name: "someone/scripted",
      config: null,
      split: "train",
      notice: (m) => notices.push(m),
      warn: (m) => warnings.push(m),
    });
    expect(backend.description).toMatch(/\(1 file, parquet conversion at [0-9a-f]{8}\)$/);
    expect(notices).toEqual([expect.stringMatching(/is a script dataset \(scripted\.py\)/)]);
    expect(warnings).toEqual([
      "someone/scripted:default:train is read from the Hub's parquet conversion, which holds only the start of the split (partial-train): 100 of 1,000 rows (10.0%), by the dataset card's count",
    ]);
    expect(await collect(backend.iterText())).toEqual(lineRows.slice(0, 100));
  });

  it("turns to the conversion for a repo of files it cannot read, and says so when there is none", async () => {
    const notices: string[] = [];
    const images = await open({
      name: "someone/images",
      config: null,
      split: "train",
      notice: (m) => notices.push(m),
    });
    expect(notices).toEqual([
      "someone/images holds only imagefolder files, which aios does not read: reading the Hub's parquet conversion of it",
    ]);
    expect(await collect(images.iterText())).toEqual(lineRows.slice(0, 10));
    const none = await failure(open({ name: "someone/images-only", config: null, split: "train" }));
    expect(none.code).toBe("DATASET_EMPTY");
    expect(none.message).toMatch(
      /holds only imagefolder files for split "train", and has no parquet conversion/,
    );
  });
});

describe("hf backend: parquet codecs", () => {
  const rows = nonEmpty(lineRows);
  const hasZstd = zstdCompressor() !== null;
  if (!hasZstd)
    console.warn("skipping the ZSTD parquet test: the `zstd` CLI that writes it is not installed");
  for (const codec of ["SNAPPY", "GZIP", "ZSTD", "UNCOMPRESSED"] as const) {
    it.skipIf(codec === "ZSTD" && !hasZstd)(`reads ${codec} pages`, async () => {
      const dir = join(root, `codec-${codec}`);
      await put(join(dir, "train.parquet"), textParquet(rows, 100, codec));
      const backend = await open({ name: dir, config: null, split: "train" });
      expect(await collect(backend.iterText())).toEqual(rows);
    });
  }
});

describe("hf backend: streaming", () => {
  it("takes the first rows of a large parquet file with a small share of its bytes", async () => {
    const backend = await open({ name: "someone/big", config: null, split: "train" });
    const first = await collect(backend.iterText(), 10);
    expect(first[0]).toMatch(/^row 0 [0-9a-z]+ /);
    expect(bigParquetSize).toBeGreaterThan(3_000_000);
    const fileRequests = server.requests.filter((r) => r.url.includes("/resolve/"));
    expect(fileRequests.every((r) => r.status === 206)).toBe(true);
    // The footer and one row group of 40: a few percent of the file, never all of it.
    expect(server.bytesSent()).toBeLessThan(bigParquetSize / 10);
  });

  it("falls back to one plain download when the server ignores Range", async () => {
    server.faults.ignoreRange = true;
    const backend = await open({ split: "test" });
    expect(await collect(backend.iterText())).toEqual(nonEmpty(wikitext.rows.test));
    // This split's file only: a row group an earlier test fetched ahead may still arrive.
    const fileRequests = server.requests.filter((r) =>
      r.url.endsWith("wikitext-2-v1/test-00000-of-00001.parquet"),
    );
    expect(fileRequests.map((r) => r.status)).toEqual([200]);
    expect(fileRequests[0]?.range).not.toBeNull();
  });

  it("streams jsonl, gzipped csv and txt files line by line", async () => {
    const train = await open({ name: "someone/lines", config: null, split: "train" });
    expect(await collect(train.iterText())).toEqual(lineRows.filter((r) => r.trim() !== ""));
    const test = await open({
      name: "someone/lines",
      config: null,
      split: "test",
      textField: "body",
    });
    expect(await collect(test.iterText())).toEqual(lineRows.slice(0, 20));
    const validation = await open({ name: "someone/lines", config: null, split: "validation" });
    expect(await collect(validation.iterText())).toEqual(lineRows.slice(0, 5));
  });

  it("reads line files by the shared readers' rules: delimiters, .tsv, JSON Lines in .json, UTF-16, invalid UTF-8", async () => {
    const dir = join(root, "formats");
    const utf16 = Buffer.concat([
      Buffer.from([0xff, 0xfe]),
      Buffer.from('{"text": "first line"}\n{"text": "second line"}\n', "utf16le"),
    ]);
    await put(join(dir, "data", "train-a.csv"), "label;review\n1;it was fine, really\n");
    await put(join(dir, "data", "train-b.tsv"), "text\tlabel\ntab, separated\t0\n");
    await put(join(dir, "data", "train-c.json"), utf16);
    await put(join(dir, "data", "train-d.txt"), Buffer.from("plain\ncafé\n", "latin1"));
    // Without a card, datasets keeps only the files of the format it infers (json wins the tie).
    const plain = await open({
      name: dir,
      config: null,
      split: "train",
      endpoint: `http://127.0.0.1:${await closedPort()}`,
    });
    expect(await collect(plain.iterText())).toEqual(["first line", "second line"]);
    // A card's data_files keep every file; aios reads each by its own format.
    await put(
      join(dir, "README.md"),
      "---\nconfigs:\n- config_name: default\n  data_files: data/*\n---\n",
    );
    const notices: string[] = [];
    const warnings: string[] = [];
    const backend = await open({
      name: dir,
      config: null,
      split: "train",
      endpoint: `http://127.0.0.1:${await closedPort()}`,
      notice: (m) => notices.push(m),
      warn: (m) => warnings.push(m),
    });
    expect(await collect(backend.iterText())).toEqual([
      "it was fine, really",
      "tab, separated",
      "first line",
      "second line",
      "plain",
    ]);
    expect(backend.stats().badRows).toEqual({ "invalid UTF-8": 1 });
    expect(warnings).toEqual([expect.stringMatching(/train-d\.txt line 2: invalid UTF-8/)]);
    expect(notices).toEqual([
      expect.stringMatching(
        /datasets reads every file of .* with its json builder .*aios reads each file by its own format/,
      ),
      expect.stringMatching(/train-a\.csv: fields are separated by ";"/),
      expect.stringMatching(/train-a\.csv: training on column "review" .*--hf-text-field NAME/),
    ]);
    const strict = await open({
      name: dir,
      config: null,
      split: "train",
      endpoint: `http://127.0.0.1:${await closedPort()}`,
      encodingErrors: "strict",
    });
    const error = await failure(collect(strict.iterText()));
    expect(error.code).toBe("DATASET_ENCODING");
    expect(error.message).toMatch(/train-d\.txt line 2 holds bytes that are not valid UTF-8/);
  });

  it("turns rows without a text column into their JSON, and --hf-text-field picks a column", async () => {
    const json = await open({ name: "someone/columns", config: null, split: "train" });
    expect(await collect(json.iterText())).toEqual([
      '{"question":"q1","answer":1}',
      '{"question":"q2","answer":2}',
    ]);
    const picked = await open({
      name: "someone/columns",
      config: null,
      split: "train",
      textField: "question",
    });
    expect(await collect(picked.iterText())).toEqual(["q1", "q2"]);
    const missing = await open({ textField: "body" });
    const error = await failure(collect(missing.iterText()));
    expect(error.message).toMatch(
      /--hf-text-field "body" is not a column of .*validation-00000-of-00001\.parquet; its columns are: text/,
    );
  });

  it("resumes a dropped connection from the last byte read", async () => {
    server.faults.dropAfterBytes = 5000;
    const backend = await open({ name: "someone/lines", config: null, split: "train" });
    expect(await collect(backend.iterText())).toEqual(lineRows.filter((r) => r.trim() !== ""));
    const gets = server.requests.filter((r) => r.url.includes("train.jsonl"));
    expect(gets.map((r) => r.range)).toEqual([null, "bytes=5000-"]);
  });

  it("resumes a dropped connection on a server without Range by skipping what it had", async () => {
    server.faults.ignoreRange = true;
    server.faults.dropAfterBytes = 3000;
    const backend = await open({ name: "someone/lines", config: null, split: "train" });
    expect(await collect(backend.iterText())).toEqual(lineRows.filter((r) => r.trim() !== ""));
  });

  it("retries 429 and 5xx answers, waiting as Retry-After asks", async () => {
    server.faults.fail = { status: 429, count: 2, retryAfter: 0 };
    const backend = await open({ split: "test" });
    expect((await collect(backend.iterText())).length).toBe(nonEmpty(wikitext.rows.test).length);
    expect(server.requests.filter((r) => r.status === 429)).toHaveLength(2);

    const broken = await open({ split: "test", retry: { attempts: 3, backoffMs: 1 } });
    server.faults.fail = { status: 503, count: 99 };
    const error = await failure(collect(broken.iterText()));
    expect(error.code).toBe("HUB_REQUEST");
    expect(error.message).toMatch(/HTTP 503/);
  });
});

describe("hf backend: tokens", () => {
  it("sends the token as a Bearer header and names the variable when it is missing or refused", async () => {
    server.faults.token = "hf_secret_value";
    const none = await failure(open());
    expect(none.code).toBe("HUB_AUTH");
    expect(none.message).toMatch(
      /needs a token, and none is set in AIOS_TEST_HF_TOKEN or HF_TOKEN \(HTTP 401/,
    );
    expect(none.hint).toContain("set AIOS_TEST_HF_TOKEN");

    const wrong = await failure(open({ env: { AIOS_TEST_HF_TOKEN: "hf_wrong_value" } }));
    expect(wrong.message).toMatch(/refused the token in AIOS_TEST_HF_TOKEN \(HTTP 403/);
    expect(`${wrong.message} ${wrong.hint}`).not.toContain("hf_wrong_value");

    const right = await open({ env: { AIOS_TEST_HF_TOKEN: "hf_secret_value" } });
    expect((await collect(right.iterText(), 2)).length).toBe(2);
    const viaHfToken = await open({ env: { HF_TOKEN: "hf_secret_value" } });
    expect((await collect(viaHfToken.iterText(), 1)).length).toBe(1);
  });
});

describe("hf backend: cached mode", () => {
  it("downloads the split once; a second run reads it with the server gone", async () => {
    const cacheDir = join(root, "cache");
    const logs: string[] = [];
    const first = await open({
      streaming: false,
      cacheDir,
      log: (m) => logs.push(m),
      split: "test",
    });
    expect(await collect(first.iterText())).toEqual(nonEmpty(wikitext.rows.test));
    expect(
      logs.some((line) => line.startsWith("downloading wikitext-2-v1/test-00000-of-00001.parquet")),
    ).toBe(true);

    const offline = `http://127.0.0.1:${await closedPort()}`;
    const second = await open({
      streaming: false,
      cacheDir,
      endpoint: offline,
      split: "test",
      retry: { attempts: 1 },
    });
    expect(await collect(second.iterText())).toEqual(nonEmpty(wikitext.rows.test));
    // And streaming from the same dead endpoint does fail: the cache, not luck, served the second run.
    await failure(open({ endpoint: offline, split: "test", retry: { attempts: 1 } }));
  });
});

describe("hf backend: positions", () => {
  it("resumes exactly after any sample, in parquet row groups and in line files", async () => {
    for (const options of [
      { split: "validation" },
      { name: "someone/lines", config: null, split: "train" },
    ] as Partial<HfBackendOptions>[]) {
      const backend = await open(options);
      const all = await collect(backend.iterText());
      for (const cut of [1, 499, 777]) {
        const first = await open(options);
        const head: string[] = [];
        for await (const text of first.iterText()) {
          head.push(text);
          if (head.length === cut) break;
        }
        const again = await open(options);
        const tail = await collect(again.iterText({ from: first.position() }));
        expect([...head, ...tail]).toEqual(all);
      }
    }
  });

  it("loops into the next epoch when training", async () => {
    const backend = await open({ name: "someone/lines", config: null, split: "validation" });
    const texts = await collect(backend.iterText({ loop: true }), 12);
    expect(texts).toEqual([
      ...lineRows.slice(0, 5),
      ...lineRows.slice(0, 5),
      ...lineRows.slice(0, 2),
    ]);
    expect(backend.position()).toMatchObject({ epoch: 2, file: 0, row: 2, seen: 2, emitted: 2 });
  });

  it("refuses a position that is not its own", async () => {
    const backend = await open();
    const error = await failure((async () => collect(backend.iterText({ from: { shard: 3 } })))());
    expect(error.code).toBe("CHECKPOINT");
  });

  it("tokenizes in worker threads to the same sequences as on the main thread", async () => {
    const config = {
      model: "gpt2",
      max_seq_len: 64,
      ascii_only: false,
      dataset_backend: "hf" as const,
    };
    const inline = await collect(
      openSequenceStream({ ...config, hf_num_workers: 0 }, await open(), null, { loop: false }),
    );
    const workers = await collect(
      openSequenceStream({ ...config, hf_num_workers: 2 }, await open(), null, { loop: false }),
    );
    expect(workers.length).toBe(inline.length);
    expect(workers.length).toBeGreaterThan(100);
    workers.forEach((sequence, i) => {
      expect(Array.from(sequence.ids)).toEqual(Array.from(inline[i]?.ids ?? []));
      expect(sequence.position.backend).toEqual(inline[i]?.position.backend);
    });
  });
});
