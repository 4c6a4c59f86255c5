import { mkdtemp, readFile, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { buildProgram } from "../../../../src/cli/program.js";
import { randomVectors } from "../../../../src/memory/vector-store/random-vectors.js";
import { closedPort } from "../../../helpers/closed-port.js";
import { runCli, STACK_FRAME } from "../../../helpers/run-cli.js";

/** Each test works in its own directory: the default store paths (artifacts/memory/...) land there. */
const workdirs: string[] = [];
async function workdir(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), "aios-memory-cli-"));
  workdirs.push(dir);
  return dir;
}
afterAll(() => Promise.all(workdirs.map((dir) => rm(dir, { recursive: true, force: true }))));

function memory(cwd: string, ...args: string[]) {
  return runCli(["memory", ...args], { cwd });
}

function json<T>(stdout: string): T {
  return JSON.parse(stdout) as T;
}

interface QueryOutput {
  results: { id: string; score: number | null; metadata: Record<string, unknown> }[];
}

const SUBCOMMANDS = [
  "vs-upsert",
  "vs-query",
  "vs-delete",
  "vs-stats",
  "vs-index",
  "vs-backup",
  "vs-restore",
];

describe("aios memory: help", () => {
  it("describes every subcommand and every option", async () => {
    const memoryCommand = buildProgram().commands.find((c) => c.name() === "memory");
    expect(memoryCommand?.commands.map((c) => c.name())).toEqual(SUBCOMMANDS);
    for (const command of memoryCommand?.commands ?? []) {
      expect(command.description().length, command.name()).toBeGreaterThan(20);
      for (const option of command.options) {
        expect(option.description.length, `${command.name()} ${option.flags}`).toBeGreaterThan(10);
      }
      for (const flag of ["--backend", "--collection", "--config", "--json"]) {
        expect(
          command.options.map((o) => o.long),
          command.name(),
        ).toContain(flag);
      }
    }
    const { code, stdout } = await runCli(["memory", "vs-query", "--help"]);
    expect(code).toBe(0);
    for (const flag of [
      "--vector",
      "--id",
      "--random",
      "--top-k",
      "--filter",
      "--backend",
      "--collection",
      "--config",
      "--json",
    ]) {
      expect(stdout).toContain(flag);
    }
  });
});

describe("aios memory on LanceDB (the default backend)", () => {
  it("upserts a JSONL file, queries by vector, id and filter, deletes, and reports stats", async () => {
    const cwd = await workdir();
    const vectors = randomVectors(50, 8, 1);
    const lines = vectors.map((v, i) =>
      JSON.stringify({
        id: `doc-${i}`,
        vector: Array.from(v),
        metadata: { kind: i % 2 === 0 ? "even" : "odd", i },
      }),
    );
    await writeFile(join(cwd, "vectors.jsonl"), `${lines.join("\n")}\n`);

    const upsert = await memory(cwd, "vs-upsert", "vectors.jsonl", "--json");
    expect(upsert.code).toBe(0);
    expect(json<{ upserted: number; count: number }>(upsert.stdout)).toMatchObject({
      upserted: 50,
      count: 50,
    });

    const byVector = await memory(
      cwd,
      "vs-query",
      "--vector",
      JSON.stringify(Array.from(vectors[7] as Float32Array)),
      "--top-k",
      "3",
      "--json",
    );
    expect(byVector.code).toBe(0);
    const hits = json<QueryOutput>(byVector.stdout).results;
    expect(hits).toHaveLength(3);
    expect(hits[0]?.id).toBe("doc-7");
    expect(hits[0]?.score).toBeCloseTo(1, 5);

    const filtered = await memory(
      cwd,
      "vs-query",
      "--id",
      "doc-7",
      "--filter",
      '{"kind": "even", "i": {"$lt": 10}}',
      "--top-k",
      "10",
      "--json",
    );
    const ids = json<QueryOutput>(filtered.stdout)
      .results.map((r) => r.id)
      .sort();
    expect(ids).toEqual(["doc-0", "doc-2", "doc-4", "doc-6", "doc-8"]);

    const filterOnly = await memory(cwd, "vs-query", "--filter", '{"i": 3}');
    // A table: rank, score ("-" when filter-only), id, metadata (key order is the store's).
    expect(filterOnly.stdout).toMatch(/^1\s+-\s+doc-3\s+\{.*"kind":"odd".*\}$/m);
    expect(filterOnly.stdout.trim().split("\n")).toHaveLength(2);

    const deleted = await memory(cwd, "vs-delete", "doc-1", "doc-2", "missing", "--json");
    expect(json<{ deleted: number; count: number }>(deleted.stdout)).toMatchObject({
      deleted: 2,
      count: 48,
    });

    const stats = await memory(cwd, "vs-stats", "--json");
    expect(json<Record<string, unknown>>(stats.stdout)).toMatchObject({
      backend: "lancedb",
      collection: "aios_memory_default",
      count: 48,
      dimension: 8,
      indexed: false,
    });
    expect(json<{ storage_bytes: number }>(stats.stdout).storage_bytes).toBeGreaterThan(48 * 8 * 4);
  });

  it("refuses a bad line, naming it, and writes nothing", async () => {
    const cwd = await workdir();
    const good = JSON.stringify({ id: "a", vector: [1, 2, 3] });
    const bad = JSON.stringify({ id: "b", vector: [1, "two", 3] });
    await writeFile(join(cwd, "bad.jsonl"), `${good}\n${good.replace('"a"', '"c"')}\n${bad}\n`);
    const result = await memory(cwd, "vs-upsert", "bad.jsonl");
    expect(result.code).toBe(2);
    expect(result.stderr).toContain("bad.jsonl:3: vector[1] is two");
    expect(result.stderr).not.toMatch(STACK_FRAME);
    expect(await countOf(cwd, "lancedb")).toBe(0);
  });

  it("exits 2 on a filter that is not JSON or not understood", async () => {
    const cwd = await workdir();
    await memory(cwd, "vs-upsert", "--random", "5", "--dim", "4");
    const notJson = await memory(cwd, "vs-query", "--filter", "{kind: motif}");
    expect(notJson.code).toBe(2);
    expect(notJson.stderr).toContain("--filter is not valid JSON");
    const unknown = await memory(
      cwd,
      "vs-query",
      "--random",
      "--filter",
      '{"kind": {"$like": "m%"}}',
    );
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain("unknown operator $like");
  });
});

describe("aios memory vs-query --random", () => {
  it("queries with a vector that is not one vs-upsert --random stored with the same seed", async () => {
    const cwd = await workdir();
    await memory(cwd, "vs-upsert", "--random", "20", "--dim", "8");
    const { code, stdout } = await memory(cwd, "vs-query", "--random", "--top-k", "1", "--json");
    expect(code).toBe(0);
    const [best] = json<QueryOutput>(stdout).results;
    expect(best?.score).toBeLessThan(0.999);
    const again = await memory(cwd, "vs-query", "--random", "--top-k", "1", "--json");
    expect(json<QueryOutput>(again.stdout).results).toEqual(json<QueryOutput>(stdout).results);
  });
});

const EMBEDDED = ["lancedb", "pgvector"] as const;

async function countOf(cwd: string, backend: string, collection = "default"): Promise<number> {
  const stats = await memory(
    cwd,
    "vs-stats",
    "--backend",
    backend,
    "--collection",
    collection,
    "--json",
  );
  // Nothing written may mean no collection at all: vs-stats then refuses it by name.
  if (stats.code === 2 && stats.stderr.includes(`collection "${collection}"`)) return 0;
  expect(stats.code, stats.stderr).toBe(0);
  return json<{ count: number }>(stats.stdout).count;
}

describe.each(EMBEDDED)("aios memory on %s: integers beyond 2^53", (backend) => {
  it("refuses metadata and filters holding them, naming the record and key, and writes nothing", async () => {
    const cwd = await workdir();
    // The reproduction: two ids a double rounds to the same number.
    await writeFile(
      join(cwd, "collide.jsonl"),
      '{"id":"alice","vector":[1,0,0],"metadata":{"user_id":12345678901234567890}}\n' +
        '{"id":"bob","vector":[0,1,0],"metadata":{"user_id":12345678901234567891}}\n',
    );
    const upsert = await memory(cwd, "vs-upsert", "collide.jsonl", "--backend", backend);
    expect(upsert.code).toBe(2);
    expect(upsert.stderr).toContain(
      "collide.jsonl:1 metadata.user_id is 12345678901234567890, beyond ±9007199254740991 (2^53 − 1)",
    );
    expect(upsert.stderr).toContain("it would be stored as 12345678901234567000");
    expect(upsert.stderr).toContain('hint: store it as a string (e.g. "12345678901234567890")');
    expect(upsert.stderr).not.toMatch(STACK_FRAME);
    expect(await countOf(cwd, backend)).toBe(0);

    // 2^53 + 1 is read as 2^53 by JSON.parse: also beyond the range, also refused.
    await writeFile(
      join(cwd, "edge.jsonl"),
      '{"id":"ok","vector":[1,0,0],"metadata":{"n":9007199254740991}}\n' +
        '{"id":"edge","vector":[0,1,0],"metadata":{"tags":[1,9007199254740993]}}\n',
    );
    const edge = await memory(cwd, "vs-upsert", "edge.jsonl", "--backend", backend);
    expect(edge.code).toBe(2);
    expect(edge.stderr).toContain("edge.jsonl:2 metadata.tags[1] is 9007199254740993");
    expect(await countOf(cwd, backend)).toBe(0);

    const query = await memory(
      cwd,
      "vs-query",
      "--backend",
      backend,
      "--filter",
      '{"user_id": {"$in": [1, 12345678901234567891]}}',
    );
    expect(query.code).toBe(2);
    expect(query.stderr).toContain("Invalid filter: user_id.$in[1] is 12345678901234567891");
  });

  it("keeps such ids apart when they are stored as strings, as the hint says", async () => {
    const cwd = await workdir();
    await writeFile(
      join(cwd, "ids.jsonl"),
      '{"id":"alice","vector":[1,0,0],"metadata":{"user_id":"12345678901234567890"}}\n' +
        '{"id":"bob","vector":[0,1,0],"metadata":{"user_id":"12345678901234567891","n":9007199254740991}}\n',
    );
    expect((await memory(cwd, "vs-upsert", "ids.jsonl", "--backend", backend)).code).toBe(0);
    const query = await memory(
      cwd,
      "vs-query",
      "--backend",
      backend,
      "--filter",
      '{"user_id": "12345678901234567891", "n": 9007199254740991}',
      "--json",
    );
    expect(query.code).toBe(0);
    expect(json<QueryOutput>(query.stdout).results).toEqual([
      {
        id: "bob",
        score: null,
        metadata: { n: 9007199254740991, user_id: "12345678901234567891" },
      },
    ]);
  });
});

describe.each(EMBEDDED)("aios memory on %s: a bad record writes nothing", (backend) => {
  const good = [
    '{"id":"p1","vector":[1,0,0]}',
    '{"id":"p2","vector":[0,1,0]}',
    '{"id":"p3","vector":[0,0,1]}',
  ];

  it("checks all of stdin before the first batch (the 4th record of --batch-size 2 is bad)", async () => {
    const cwd = await workdir();
    const upsert = await runCli(
      ["memory", "vs-upsert", "-", "--batch-size", "2", "--backend", backend],
      { cwd, input: `${[...good, '{"id":"p4","vector":[1,1]}'].join("\n")}\n` },
    );
    expect(upsert.code).toBe(2);
    expect(upsert.stderr).toContain("aios: stdin:4: vector has 2 dimensions but line 1 has 3");
    expect(await countOf(cwd, backend)).toBe(0);

    const metadata = await runCli(
      ["memory", "vs-upsert", "-", "--batch-size", "1", "--backend", backend],
      { cwd, input: `${[...good, '{"id":"p4","vector":[1,1,1],"metadata":[1]}'].join("\n")}\n` },
    );
    expect(metadata.code).toBe(2);
    expect(metadata.stderr).toContain("stdin:4 metadata: metadata must be an object");
    expect(await countOf(cwd, backend)).toBe(0);

    const ok = await runCli(
      ["memory", "vs-upsert", "-", "--batch-size", "2", "--backend", backend, "--json"],
      { cwd, input: `${good.join("\n")}\n` },
    );
    expect(ok.code, ok.stderr).toBe(0);
    expect(json<{ upserted: number; count: number }>(ok.stdout)).toMatchObject({
      upserted: 3,
      count: 3,
    });
  });

  it("refuses an input of another dimension than the collection's before writing", async () => {
    const cwd = await workdir();
    await memory(cwd, "vs-upsert", "--random", "5", "--dim", "3", "--backend", backend);
    const upsert = await runCli(
      ["memory", "vs-upsert", "-", "--batch-size", "1", "--backend", backend],
      { cwd, input: '\n{"id":"a","vector":[1,0]}\n{"id":"b","vector":[0,1]}\n' },
    );
    expect(upsert.code).toBe(2);
    expect(upsert.stderr).toContain(
      "stdin:2: vector has 2 dimensions but the collection holds 3-dimensional vectors",
    );
    expect(await countOf(cwd, backend)).toBe(5);
  });

  it("vs-restore checks the whole backup first: a bad record late in the file writes nothing", async () => {
    const cwd = await workdir();
    await memory(cwd, "vs-upsert", "--random", "10", "--dim", "4", "--collection", "src");
    await memory(cwd, "vs-backup", "full.jsonl", "--collection", "src");
    const lines = (await readFile(join(cwd, "full.jsonl"), "utf8")).trim().split("\n");
    // Line 10 (record 9 of 10) gets a vector of another dimension.
    const record = JSON.parse(lines[9] as string) as { id: string };
    lines[9] = JSON.stringify({ id: record.id, vector: [1, 2, 3] });
    await writeFile(join(cwd, "bad.jsonl"), `${lines.join("\n")}\n`);
    const restore = await memory(
      cwd,
      "vs-restore",
      "bad.jsonl",
      "--collection",
      "copy",
      "--batch-size",
      "2",
      "--backend",
      backend,
    );
    expect(restore.code).toBe(2);
    expect(restore.stderr).toContain("bad.jsonl:10: vector has 3 dimensions but the header has 4");
    expect(await countOf(cwd, backend, "copy")).toBe(0);

    // From stdin, the intact backup restores whole.
    const fromStdin = await runCli(
      ["memory", "vs-restore", "-", "--collection", "copy", "--backend", backend, "--json"],
      { cwd, input: await readFile(join(cwd, "full.jsonl"), "utf8") },
    );
    expect(fromStdin.code, fromStdin.stderr).toBe(0);
    expect(await countOf(cwd, backend, "copy")).toBe(10);
  });
});

describe("aios memory: an unknown --collection", () => {
  it.each(["lancedb", "pgvector"])(
    "on %s, is exit 2 listing the collections there; an existing empty one answers 0",
    async (backend) => {
      const cwd = await workdir();
      const up = await memory(
        cwd,
        "vs-upsert",
        "--random",
        "3",
        "--dim",
        "4",
        "--collection",
        "motifs",
        "--backend",
        backend,
      );
      expect(up.code, up.stderr).toBe(0);
      for (const command of [
        ["vs-stats"],
        ["vs-query", "--random"],
        ["vs-delete", "x"],
        ["vs-index"],
        ["vs-backup", "out.jsonl"],
      ]) {
        const typo = await memory(cwd, ...command, "--collection", "motif", "--backend", backend);
        expect(typo.code, command.join(" ")).toBe(2);
        expect(typo.stderr).toContain(
          `collection "motif" (aios_memory_motif) does not exist in the ${backend} store; its collections: motifs`,
        );
      }
      await memory(
        cwd,
        "vs-delete",
        "random-0",
        "random-1",
        "random-2",
        "--collection",
        "motifs",
        "--backend",
        backend,
      );
      const empty = await memory(
        cwd,
        "vs-stats",
        "--json",
        "--collection",
        "motifs",
        "--backend",
        backend,
      );
      expect(empty.code, empty.stderr).toBe(0);
      expect(json<{ count: number }>(empty.stdout).count).toBe(0);
    },
  );
});

describe("aios memory backup and restore", () => {
  it("moves a collection from LanceDB to pgvector through one file, with progress lines off a terminal", async () => {
    const cwd = await workdir();
    const up = await memory(
      cwd,
      "vs-upsert",
      "--random",
      "1200",
      "--dim",
      "12",
      "--batch-size",
      "500",
      "--collection",
      "src",
    );
    expect(up.code).toBe(0);
    expect(up.stderr).toMatch(/upsert: 1200\/1200 vectors \(100%/);

    const backup = await memory(cwd, "vs-backup", "moved.jsonl", "--collection", "src", "--json");
    expect(backup.code).toBe(0);
    expect(json<{ count: number }>(backup.stdout).count).toBe(1200);
    expect(backup.stderr).toMatch(/^backup: \d+\/1200 vectors/m);
    const lines = (await readFile(join(cwd, "moved.jsonl"), "utf8")).trim().split("\n");
    expect(lines).toHaveLength(1202);
    expect(JSON.parse(lines[0] as string)).toMatchObject({
      format: "aios-vector-backup",
      version: 1,
      collection: "src",
      dimension: 12,
      vector_encoding: "f32le-base64",
      source: { backend: "lancedb", collection: "aios_memory_src" },
    });
    expect(JSON.parse(lines[1201] as string)).toEqual({ end: "aios-vector-backup", count: 1200 });

    const restore = await memory(
      cwd,
      "vs-restore",
      "moved.jsonl",
      "--backend",
      "pgvector",
      "--json",
    );
    expect(restore.code).toBe(0);
    expect(json<{ restored: number; collection: string }>(restore.stdout)).toMatchObject({
      restored: 1200,
      collection: "aios_memory_src",
    });
    expect(restore.stderr).toMatch(/^restore: 1200\/1200 vectors \(100%/m);

    const query = [
      "vs-query",
      "--random",
      "--seed",
      "9",
      "--top-k",
      "5",
      "--collection",
      "src",
      "--json",
    ];
    const fromLance = json<QueryOutput>((await memory(cwd, ...query)).stdout).results;
    const fromPg = json<QueryOutput>(
      (await memory(cwd, ...query, "--backend", "pgvector")).stdout,
    ).results;
    expect(fromPg.map((r) => r.id)).toEqual(fromLance.map((r) => r.id));
    fromPg.forEach((hit, i) => {
      expect(hit.score).toBeCloseTo(fromLance[i]?.score as number, 5);
      expect(hit.metadata).toEqual(fromLance[i]?.metadata);
    });
  });

  it("refuses a truncated backup", async () => {
    const cwd = await workdir();
    await memory(cwd, "vs-upsert", "--random", "20", "--dim", "4");
    await memory(cwd, "vs-backup", "full.jsonl");
    const lines = (await readFile(join(cwd, "full.jsonl"), "utf8")).trim().split("\n");
    await writeFile(join(cwd, "cut.jsonl"), `${lines.slice(0, 10).join("\n")}\n`);
    const result = await memory(cwd, "vs-restore", "cut.jsonl", "--collection", "copy");
    expect(result.code).toBe(2);
    expect(result.stderr).toContain("cut.jsonl ends without its trailer: the backup is incomplete");
    expect(result.stderr).toContain("nothing was restored");
    expect(await countOf(cwd, "lancedb", "copy")).toBe(0);
  });
});

describe("aios memory without a usable backend", () => {
  it("exits 2 with the Qdrant message when no server answers", async () => {
    const cwd = await workdir();
    const port = await closedPort();
    await writeFile(
      join(cwd, "qdrant.yaml"),
      `memory:\n  vector_store:\n    backend: qdrant\n    qdrant:\n      host: 127.0.0.1\n      port: ${port}\n`,
    );
    const result = await memory(cwd, "vs-stats", "--config", "qdrant.yaml");
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(
      `aios: Qdrant is not reachable at http://127.0.0.1:${port}: start it with \`docker compose up -d qdrant\`, or use \`--backend lancedb\``,
    );
    expect(result.stderr).not.toMatch(STACK_FRAME);
  });

  it("refuses clearly when memory.vector_store.backend is disabled", async () => {
    const cwd = await workdir();
    await writeFile(join(cwd, "off.yaml"), "memory:\n  vector_store:\n    backend: disabled\n");
    const result = await memory(cwd, "vs-query", "--random", "--config", "off.yaml");
    expect(result.code).toBe(2);
    expect(result.stderr).toContain("The vector store is disabled");
    expect(result.stderr).toContain("hint: set memory.vector_store.backend to lancedb");
  });
});

describe("aios memory: --config", () => {
  it("reads only the memory: section, so training keys it does not use cannot stop it", async () => {
    const cwd = await workdir();
    const config = join(cwd, "mixed.yaml");
    await writeFile(
      config,
      [
        "train:",
        "  stepz: 3 # unknown: the trainer would refuse it",
        "  batch_size: 0 # invalid for training",
        "memory:",
        "  dataset:",
        "    backend: nowhere",
        "  vector_store:",
        "    lancedb:",
        `      path: ${join(cwd, "from-config")}`,
        "",
      ].join("\n"),
    );
    const upsert = await memory(
      cwd,
      "vs-upsert",
      "--random",
      "3",
      "--dim",
      "4",
      "--config",
      config,
    );
    expect(upsert.code, upsert.stderr).toBe(0);
    const stats = await memory(cwd, "vs-stats", "--json", "--config", config);
    expect(stats.code, stats.stderr).toBe(0);
    expect(json<{ count: number }>(stats.stdout).count).toBe(3);
    await expect(stat(join(cwd, "from-config", "aios_memory_default.lance"))).resolves.toBeTruthy();
  });

  it("still refuses a bad memory key, naming it", async () => {
    const cwd = await workdir();
    const config = join(cwd, "bad.yaml");
    await writeFile(config, "memory:\n  vector_store:\n    backend: lancdb\n");
    const { code, stderr } = await memory(cwd, "vs-stats", "--config", config);
    expect(code).toBe(2);
    expect(stderr).toContain('memory.vector_store.backend = "lancdb"');
  });
});
