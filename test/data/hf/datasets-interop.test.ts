/**
 * The Hub-shaped test server is only worth testing against if the real client accepts it. Here
 * Python's own `datasets` library streams WikiText-2 from the local server (HF_ENDPOINT), from
 * the repo's own files (`main`, mapped by the card's YAML) and from the parquet conversion
 * (`refs/convert/parquet`, which aios prefers), and aios's hf backend reads the same dataset,
 * config and split from the same server: all must see the same rows, in the same order.
 */
import { spawn } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { resolveTrainingConfig } from "../../../src/config/training-config.js";
import { buildBackend } from "../../../src/data/build-backend.js";
import {
  WIKITEXT_CONFIG,
  type WikitextRepo,
  type WikitextSplit,
  writeWikitextRepo,
} from "../../helpers/hub-fixtures.js";
import { type HubServer, PARQUET_REVISION, startHubServer } from "../../helpers/hub-server.js";
import { pythonWith } from "../../helpers/python-venv.js";
import { repoRoot } from "../../helpers/run-cli.js";

const python = pythonWith("datasets", ["datasets"], "datasets");
if (!python.ok) console.warn(`skipping the Python datasets interop test: ${python.reason}`);

const DATASETS = join(repoRoot, "..", "shared", "datasets");
/**
 * The Hub's current id for WikiText. huggingface_hub 1.x refuses a bare name such as `wikitext`
 * before sending any request ("Repository id must be 'namespace/name'").
 */
const REPO = "Salesforce/wikitext";

/** Streams one split with `datasets` and prints `{features, rows}` as JSON on stdout. */
const STREAM_ROWS = `
import json, sys
from datasets import load_dataset
name, config, split, revision = sys.argv[1:5]
if revision == "main":
    ds = load_dataset(name, config, split=split, streaming=True)
else:
    # The conversion has no card: its configs are directories, as users read it from the Hub.
    ds = load_dataset(name, revision=revision, data_dir=config, split=split, streaming=True)
rows = [row["text"] for row in ds]
print(json.dumps({"features": list(ds.features or {}), "rows": rows}))
`;

interface PythonRows {
  readonly features: readonly string[];
  readonly rows: readonly string[];
}

describe.skipIf(!python.ok)("Python datasets against the local Hub-shaped server", () => {
  let root: string;
  let repo: WikitextRepo;
  let hub: HubServer;
  const saved = new Map<string, string | undefined>();

  /** Environment for both clients: the local Hub, a fresh cache, no telemetry, online mode. */
  const clientEnv = (home: string): Record<string, string | undefined> => ({
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
    root = await mkdtemp(join(tmpdir(), "aios-hf-interop-"));
    repo = await writeWikitextRepo(join(root, "repo"), DATASETS);
    hub = await startHubServer({ [REPO]: { main: repo.main, parquet: repo.parquet } });
    // aios reads its endpoint from the process environment, as `datasets` does.
    for (const [key, value] of Object.entries(clientEnv(join(root, "aios")))) {
      saved.set(key, process.env[key]);
      if (value === undefined) delete process.env[key];
      else process.env[key] = value;
    }
  });

  afterAll(async () => {
    for (const [key, value] of saved) {
      if (value === undefined) delete process.env[key];
      else process.env[key] = value;
    }
    await hub?.close();
    if (root !== undefined) await rm(root, { recursive: true, force: true });
  });

  /** Each run gets its own empty cache, so the rows cannot come from an earlier run. */
  async function streamWithDatasets(split: WikitextSplit, revision: string): Promise<PythonRows> {
    const home = await mkdtemp(join(root, `py-${split}-`));
    const env: Record<string, string> = {};
    for (const [key, value] of Object.entries({ ...process.env, ...clientEnv(home) })) {
      if (value !== undefined) env[key] = value;
    }
    const run = await runPython(["-c", STREAM_ROWS, REPO, WIKITEXT_CONFIG, split, revision], env);
    expect(run.code, `datasets failed against ${hub.endpoint}:\n${run.stderr}`).toBe(0);
    return JSON.parse(run.stdout) as PythonRows;
  }

  async function streamWithAios(split: WikitextSplit): Promise<string[]> {
    const backend = await buildBackend(
      resolveTrainingConfig({
        dataset_backend: "hf",
        hf_name: REPO,
        hf_config: WIKITEXT_CONFIG,
        hf_split: split,
        hf_streaming: true,
      }),
      { warn: () => {} },
    );
    const rows: string[] = [];
    try {
      for await (const text of backend.iterText({ loop: false })) rows.push(text);
    } finally {
      await backend.close?.();
    }
    return rows;
  }

  /** The files of each revision, as `writeWikitextRepo` lays them out. */
  const dataFile = {
    main: (split: string) => `/${WIKITEXT_CONFIG}/${split}-00000-of-00001.parquet`,
    [PARQUET_REVISION]: (split: string) => `/${WIKITEXT_CONFIG}/${split}/0000.parquet`,
  };
  const splitPattern = "[a-z]+";

  for (const split of ["validation", "test"] as const) {
    it(`streams every ${split} row, from main and from the parquet conversion, as aios does`, async () => {
      const fromAios = await streamWithAios(split);
      for (const revision of ["main", PARQUET_REVISION] as const) {
        hub.resetLog();
        const fromPython = await streamWithDatasets(split, revision);
        // The client really fetched this revision's file for the split from the server, not from
        // a cache. (From `main` it also reads another split's footer, to infer the features.)
        const fileGets = hub.requests.filter(
          (r) => r.method === "GET" && r.url.includes("/resolve/") && r.url.endsWith(".parquet"),
        );
        const layout = new RegExp(`${dataFile[revision](splitPattern)}$`);
        for (const get of fileGets) {
          expect(get.url, revision).toMatch(layout);
          expect([200, 206], get.url).toContain(get.status);
        }
        expect(
          fileGets.some((get) => get.url.endsWith(dataFile[revision](split))),
          `${revision}: no GET of ${dataFile[revision](split)}`,
        ).toBe(true);

        // Faithful to the data the server holds: every row, blank lines included.
        expect(fromPython.features).toEqual(["text"]);
        expect(fromPython.rows.length, revision).toBe(repo.rows[split].length);
        expect(fromPython.rows).toEqual(repo.rows[split]);

        // aios skips rows whose text is empty or only whitespace (as the custom and webdataset
        // backends do), so it is compared with the non-empty rows `datasets` yields.
        const nonEmpty = fromPython.rows.filter((text) => text.trim() !== "");
        expect(nonEmpty.length).toBeLessThan(fromPython.rows.length);
        expect(fromAios.length, `aios vs datasets at ${revision}`).toBe(nonEmpty.length);
        for (const [i, text] of nonEmpty.entries()) {
          if (fromAios[i] !== text) expect(fromAios[i], `row ${i} of ${split}`).toBe(text);
        }
      }
    });
  }
});

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
