/**
 * Conformance with the real client: Python's `datasets` (pip, throwaway venv) and aios read the
 * same repos from the Hub-shaped test server, and must give the same rows in the same order,
 * streaming and cached. `datasets` is also the judge of the server: for every layout it must
 * read exactly the rows the layout was written with, so a server that answered otherwise than
 * the Hub would fail here. A second part runs `datasets`' own file resolution over random local
 * layouts and compares it with aios's, file by file.
 *
 * One Python process reads everything (importing `datasets` is the slow part).
 */
import { spawn } from "node:child_process";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  type RawTrainingConfig,
  resolveTrainingConfig,
} from "../../../src/config/training-config.js";
import { Prng } from "../../../src/core/prng.js";
import { buildBackend } from "../../../src/data/build-backend.js";
import { cardData } from "../../../src/data/hf/card-configs.js";
import { listLocalFiles } from "../../../src/data/hf/list-repo.js";
import { repoLayout, UnreadableRepoError } from "../../../src/data/hf/repo-layout.js";
import { put } from "../../helpers/hub-fixtures.js";
import { type ConformanceCase, writeConformanceLayouts } from "../../helpers/hub-layouts.js";
import { type HubServer, startHubServer } from "../../helpers/hub-server.js";
import { pythonWith } from "../../helpers/python-venv.js";

const python = pythonWith("datasets", ["datasets"], "datasets");
if (!python.ok) console.warn(`skipping the datasets conformance suite: ${python.reason}`);

/** Reads every case twice (streaming, then cached) and resolves every local layout. */
const READ_ALL = `
import json, logging, os, sys
logging.disable(logging.WARNING)
from datasets import load_dataset, load_dataset_builder
from datasets.utils.logging import disable_progress_bar, set_verbosity_error
disable_progress_bar()
set_verbosity_error()
spec = json.load(open(sys.argv[1]))
out = {"cases": {}, "layouts": {}}
for case in spec["cases"]:
    result = {}
    for mode in ("streaming", "cached"):
        try:
            ds = load_dataset(**case["python"], streaming=(mode == "streaming"))
            result[mode] = [row[case["column"]] for row in ds]
        except Exception as e:
            result[mode] = {"error": f"{type(e).__name__}: {e}"}
    out["cases"][case["id"]] = result
for path in spec["layouts"]:
    try:
        builder = load_dataset_builder(path)
        out["layouts"][path] = {
            "module": builder.name,
            "splits": {str(s): [os.path.relpath(f, path) for f in files] for s, files in builder.config.data_files.items()},
        }
    except Exception as e:
        out["layouts"][path] = {"error": f"{type(e).__name__}: {e}"}
json.dump(out, sys.stdout)
`;

type Rows = (string | null)[] | { error: string };
interface PythonAnswer {
  cases: Record<string, { streaming: Rows; cached: Rows }>;
  layouts: Record<string, { module: string; splits: Record<string, string[]> } | { error: string }>;
}

/** What aios yields of `datasets`' rows: those with text (empty and missing ones are skipped). */
const withText = (rows: readonly (string | null)[]) =>
  rows.filter((row): row is string => typeof row === "string" && row.trim() !== "");

describe.skipIf(!python.ok)("datasets conformance: Python datasets and aios on one Hub", () => {
  let root: string;
  let hub: HubServer;
  let cases: readonly ConformanceCase[];
  let layouts: string[];
  let answer: PythonAnswer;
  const saved = new Map<string, string | undefined>();

  /** Environment of both clients: the local Hub, no token, online. */
  const hubEnv = (home: string): Record<string, string | undefined> => ({
    HF_ENDPOINT: hub.endpoint,
    HF_HOME: join(home, "hf"),
    HF_DATASETS_CACHE: join(home, "hf", "datasets"),
    HF_HUB_DISABLE_TELEMETRY: "1",
    HF_HUB_OFFLINE: undefined,
    HF_DATASETS_OFFLINE: undefined,
    HF_TOKEN: undefined,
    HUGGING_FACE_HUB_TOKEN: undefined,
  });

  beforeAll(async () => {
    root = await mkdtemp(join(tmpdir(), "aios-hf-conformance-"));
    const written = await writeConformanceLayouts(join(root, "repos"));
    cases = written.cases;
    hub = await startHubServer(written.repos);
    layouts = await writeRandomLayouts(join(root, "layouts"), 60);
    for (const [key, value] of Object.entries(hubEnv(join(root, "aios")))) {
      saved.set(key, process.env[key]);
      if (value === undefined) delete process.env[key];
      else process.env[key] = value;
    }
    const spec = join(root, "spec.json");
    await writeFile(spec, JSON.stringify({ cases, layouts }));
    const env: Record<string, string> = {};
    for (const [key, value] of Object.entries({ ...process.env, ...hubEnv(join(root, "py")) })) {
      if (value !== undefined) env[key] = value;
    }
    const run = await runPython(["-c", READ_ALL, spec], env);
    expect(run.code, `datasets failed:\n${run.stderr}`).toBe(0);
    answer = JSON.parse(run.stdout) as PythonAnswer;
  }, 300_000);

  afterAll(async () => {
    for (const [key, value] of saved) {
      if (value === undefined) delete process.env[key];
      else process.env[key] = value;
    }
    await hub?.close();
    if (root !== undefined) await rm(root, { recursive: true, force: true });
  });

  async function readWithAios(
    testCase: ConformanceCase,
    streaming: boolean,
  ): Promise<{ texts: string[]; description: string }> {
    const raw: RawTrainingConfig = {
      dataset_backend: "hf",
      hf_name: testCase.python.path,
      hf_shuffle: 0,
      hf_streaming: streaming,
      hf_cache_dir: streaming ? null : await mkdtemp(join(root, "cache-")),
      ...testCase.aios,
    };
    const backend = await buildBackend(resolveTrainingConfig(raw), {
      warn: () => {},
      notice: () => {},
      log: () => {},
    });
    const texts: string[] = [];
    for await (const text of backend.iterText({ loop: false })) texts.push(text);
    return { texts, description: backend.description };
  }

  it("covers at least ten repo layouts, every case named below", () => {
    expect(new Set(cases.map((c) => c.python.path)).size).toBeGreaterThanOrEqual(10);
    expect(cases.map((c) => c.id)).toEqual(CASE_IDS);
  });

  // Cases are listed by the fixture module; vitest needs the names now, so they are read lazily.
  for (const id of CASE_IDS) {
    it(id, async () => {
      const testCase = cases.find((c) => c.id === id) as ConformanceCase;
      const fromPython = answer.cases[id];
      expect(fromPython, `no answer for ${id}`).toBeDefined();
      for (const mode of ["streaming", "cached"] as const) {
        const rows = fromPython?.[mode] as Rows;
        expect(
          rows,
          `datasets (${mode}) failed: ${JSON.stringify(rows).slice(0, 500)}`,
        ).toBeInstanceOf(Array);
        // The server is faithful: datasets reads exactly what the layout holds.
        expect(rows, `datasets (${mode}) vs the layout`).toEqual(testCase.rows);
        const aios = await readWithAios(testCase, mode === "streaming");
        expect(aios.texts, `aios (${mode}) vs datasets`).toEqual(
          withText(rows as (string | null)[]),
        );
        expect(aios.description).toContain(
          testCase.python.revision === "refs/convert/parquet" ? "parquet conversion" : "repo files",
        );
      }
    });
  }

  it("resolves the files of random local layouts as datasets does, split by split", async () => {
    let compared = 0;
    for (const path of layouts) {
      const want = answer.layouts[path];
      if (want === undefined || "error" in want) continue;
      const paths = (await listLocalFiles(path)).map((file) => file.path);
      for (const [split, files] of Object.entries(want.splits)) {
        const request = { config: null, split, dataFiles: null, dataDir: null };
        if (!["parquet", "json", "csv", "text"].includes(want.module)) {
          expect(() => repoLayout(path, paths, cardData(null), request)).toThrow(
            UnreadableRepoError,
          );
          continue;
        }
        const layout = repoLayout(path, paths, cardData(null), request);
        expect({ split, module: layout.module, files: layout.paths }, path).toEqual({
          split,
          module: want.module,
          files,
        });
        compared++;
      }
    }
    // Enough layouts that datasets reads for the comparison to mean something.
    expect(compared).toBeGreaterThanOrEqual(20);
  });
});

/** The cases' names, as hub-layouts.ts writes them (checked against it in the first test). */
const CASE_IDS = [
  "repo files over a partial conversion (gzip'd JSON Lines)",
  "a conversion older than main",
  "card: the default: true config, sep, quotechar, two files per split",
  "card: column_names and header: null",
  "card: json field",
  "card: text sample_by paragraph",
  "card: data_dir, keep_linebreaks",
  "split files in the Hub's naming, several per split",
  "card: split globs listed in order",
  "a revision on a branch",
  "a script-only repo with a conversion",
  "split directories of .tsv files",
  "--hf-data-files as data_files",
  "--hf-data-dir as data_dir",
];

/**
 * Random repos on disk: file names made of split words and others, in directories named the
 * same way, of data formats and others, sometimes in the `data/{split}-NNNNN-of-NNNNN` shape.
 */
async function writeRandomLayouts(root: string, count: number): Promise<string[]> {
  const random = new Prng(15);
  const pick = <T>(items: readonly T[]): T => items[random.intInclusive(0, items.length - 1)] as T;
  const words = [
    "train",
    "training",
    "test",
    "testing",
    "eval",
    "valid",
    "validation",
    "dev",
    "val",
    "data",
    "part",
    "other",
    "my_train",
    "contest",
    "x",
  ];
  const extensions = [
    ".jsonl",
    ".csv",
    ".txt",
    ".parquet",
    ".json",
    ".tsv",
    ".jsonl.gz",
    ".md",
    ".png",
    "",
  ];
  const dirs: string[] = [];
  for (let n = 0; n < count; n++) {
    const dir = join(root, `layout-${n}`);
    const files = new Set<string>();
    for (let f = random.intInclusive(1, 6); f > 0; f--) {
      const parents = Array.from({ length: random.intInclusive(0, 2) }, () => pick(words));
      let name = pick(words);
      const shape = random.uniform();
      if (shape < 0.3)
        name = `${name}-${String(random.intInclusive(0, 2)).padStart(5, "0")}-of-00003`;
      else if (shape < 0.55)
        name = `${name}${pick(["_", "-", ".", " "])}${random.intInclusive(0, 9)}`;
      files.add([...parents, `${name}${pick(extensions)}`].join("/"));
    }
    if (random.uniform() < 0.25)
      files.add(`data/${pick(["train", "test", "validation", "extra"])}-00000-of-00001.jsonl`);
    // A path may not be both a file and a directory.
    const all = [...files];
    const kept = all.filter((path) => !all.some((other) => other.startsWith(`${path}/`)));
    for (const path of kept) await put(join(dir, path), "text\nhello\n");
    dirs.push(dir);
  }
  return dirs;
}

/** Asynchronous, unlike spawnSync: the Hub-shaped server answers from this process's event loop. */
function runPython(
  args: readonly string[],
  env: NodeJS.ProcessEnv,
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn((python as { python: string }).python, args, { env });
    const stdout: Buffer[] = [];
    const stderr: Buffer[] = [];
    child.stdout.on("data", (chunk: Buffer) => stdout.push(chunk));
    child.stderr.on("data", (chunk: Buffer) => stderr.push(chunk));
    child.on("error", reject);
    child.on("close", (code) =>
      resolve({
        code,
        stdout: Buffer.concat(stdout).toString("utf8"),
        stderr: Buffer.concat(stderr).toString("utf8"),
      }),
    );
  });
}
