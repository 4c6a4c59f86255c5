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
    const stats = await memory(cwd, "vs-stats", "--json");
    expect(json<{ count: number }>(stats.stdout).count).toBe(0);
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
