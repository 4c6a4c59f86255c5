/**
 * The readers `bench:hf` times, each reading the same split of the same parquet file: the aios
 * hf backend (alone, and through the tokenizing pipeline), Python's `datasets` in streaming
 * mode (a child process), DuckDB (in this process) and, as a ceiling, the tokenizer alone.
 */
import { spawn } from "node:child_process";
import { access } from "node:fs/promises";
import { join } from "node:path";
import { DuckDBInstance } from "@duckdb/node-api";
import { resolveTrainingConfig } from "../src/config/training-config.js";
import { buildBackend } from "../src/data/build-backend.js";
import { openSequenceStream } from "../src/data/pipeline/sequence-stream.js";
import { loadTokenizer } from "../src/data/tokenizer/tokenizer.js";
import { type ChildExit, runChild } from "./aios-run.js";

export interface ReadResult {
  readonly rows: number;
  /** UTF-8 bytes of text. */
  readonly bytes: number;
  /** Seconds from opening the dataset to the first row (or first packed sequence). */
  readonly first: number;
  readonly seconds: number;
  /** CPU seconds of the reading process, all its threads (the server runs elsewhere). */
  readonly cpu: number;
  /** Token ids produced (tokenizing readers only). */
  readonly tokens?: number;
}

export interface HfSource {
  readonly name: string;
  readonly config: string;
  readonly split: string;
}

const since = (t0: number) => (performance.now() - t0) / 1000;

function cpuSince(start: NodeJS.CpuUsage): number {
  const used = process.cpuUsage(start);
  return (used.user + used.system) / 1e6;
}

/** Shuffle off by default: `datasets` streams in file order unless asked to shuffle. */
function hfConfig(source: HfSource, workers: number, shuffle = 0) {
  return resolveTrainingConfig({
    dataset_backend: "hf",
    hf_name: source.name,
    hf_config: source.config,
    hf_split: source.split,
    hf_streaming: true,
    hf_num_workers: workers,
    hf_shuffle: shuffle,
  });
}

/** The aios hf backend's rows, as `iterText` yields them (the Hub is `HF_ENDPOINT`). */
export async function readWithAios(source: HfSource, shuffle = 0): Promise<ReadResult> {
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  const backend = await buildBackend(hfConfig(source, 0, shuffle), { warn: () => {} });
  let first = 0;
  let rows = 0;
  let bytes = 0;
  for await (const text of backend.iterText({ loop: false })) {
    if (rows === 0) first = since(t0);
    rows++;
    bytes += Buffer.byteLength(text);
  }
  await backend.close?.();
  return { rows, bytes, first, seconds: since(t0), cpu: cpuSince(c0) };
}

/** The training pipeline: rows → GPT-2 tokens (in `workers` threads, 0 = main thread) → packed sequences. */
export async function readAndTokenizeWithAios(
  source: HfSource,
  workers: number,
): Promise<ReadResult> {
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  const config = hfConfig(source, workers);
  const backend = await buildBackend(config, { warn: () => {} });
  const stream = openSequenceStream(config, backend, null, { loop: false });
  let first = 0;
  let tokens = 0;
  for await (const sequence of stream) {
    if (tokens === 0) first = since(t0);
    tokens += sequence.ids.length;
  }
  await backend.close?.();
  const rows = stream.stats().backend.samples;
  return { rows, bytes: 0, first, seconds: since(t0), cpu: cpuSince(c0), tokens };
}

/** GPT-2 encoding of texts already in memory, on this thread: what one worker can do at most. */
export async function tokenizeInMemory(texts: readonly string[]): Promise<ReadResult> {
  const tokenizer = await loadTokenizer({ kind: "tiktoken", name: "gpt2" });
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  let tokens = 0;
  let bytes = 0;
  // One text per call, as the pipeline's batches are cut; gpt2 encodes synchronously anyway.
  for (const text of texts) {
    tokens += ((await tokenizer.encodeBatch([text]))[0]?.length ?? 0) + 1;
    bytes += Buffer.byteLength(text);
  }
  return { rows: texts.length, bytes, first: 0, seconds: since(t0), cpu: cpuSince(c0), tokens };
}

/** Timings from inside the Python process, after `import datasets` (about a second, not counted). */
const PYTHON_READER = `
import json, sys, time
import datasets
from datasets import load_dataset
name, config, split = sys.argv[1:4]
t0 = time.perf_counter(); c0 = time.process_time()
ds = load_dataset(name, config, split=split, streaming=True)
first = None; rows = 0; size = 0
for row in ds:
    if first is None: first = time.perf_counter() - t0
    rows += 1; size += len(row["text"].encode())
print(json.dumps({"rows": rows, "bytes": size, "first": first, "seconds": time.perf_counter() - t0, "cpu": time.process_time() - c0, "version": datasets.__version__}))
`;

export async function readWithDatasets(
  python: string,
  source: HfSource,
  env: NodeJS.ProcessEnv,
): Promise<ReadResult & { version: string }> {
  const run = await runWithEnv(
    python,
    ["-c", PYTHON_READER, source.name, source.config, source.split],
    env,
  );
  if (run.code !== 0) throw new Error(`datasets failed:\n${run.tail}`);
  return JSON.parse(run.stdout.trim().split("\n").at(-1) ?? "") as ReadResult & {
    version: string;
  };
}

/**
 * A venv holding `datasets` under node_modules/.cache, made with the machine's python3 and pip
 * the first time (under a minute with the local package index); the reason where it cannot be.
 */
export async function ensureDatasetsPython(
  root: string,
  log: (line: string) => void,
): Promise<{ ok: true; python: string } | { ok: false; reason: string }> {
  const venv = join(root, "node_modules", ".cache", "aios-bench-venv-datasets");
  const python = join(venv, "bin", "python");
  const canImport = async () =>
    (await runChild(python, ["-c", "import datasets"], root)).code === 0;
  const exists = await access(python).then(
    () => true,
    () => false,
  );
  if (exists && (await canImport())) return { ok: true, python };
  if (!exists) {
    const made = await runChild("python3", ["-m", "venv", venv], root);
    if (made.code !== 0) return { ok: false, reason: `python3 -m venv failed: ${made.tail}` };
  }
  log("pip install datasets into node_modules/.cache/aios-bench-venv-datasets");
  const pip = await runChild(
    join(venv, "bin", "pip"),
    ["install", "--quiet", "--retries", "1", "--timeout", "10", "datasets"],
    root,
  );
  if (pip.code !== 0) return { ok: false, reason: `pip install datasets failed: ${pip.tail}` };
  return (await canImport())
    ? { ok: true, python }
    : { ok: false, reason: "installed datasets but cannot import it" };
}

/** DuckDB's `read_parquet` of `location` (a path or URL), every text value brought into JS. */
export async function readWithDuckdb(location: string): Promise<ReadResult> {
  const instance = await DuckDBInstance.create(":memory:");
  const connection = await instance.connect();
  try {
    const c0 = process.cpuUsage();
    const t0 = performance.now();
    const result = await connection.stream(
      `SELECT text FROM read_parquet('${location.replaceAll("'", "''")}')`,
    );
    let first = 0;
    let rows = 0;
    let bytes = 0;
    for (;;) {
      const chunk = await result.fetchChunk();
      if (chunk === null || chunk.rowCount === 0) break;
      if (rows === 0) first = since(t0);
      for (const value of chunk.getColumnValues(0)) {
        rows++;
        bytes += Buffer.byteLength(value as string);
      }
    }
    return { rows, bytes, first, seconds: since(t0), cpu: cpuSince(c0) };
  } finally {
    connection.closeSync();
    instance.closeSync();
  }
}

function runWithEnv(
  command: string,
  args: readonly string[],
  env: NodeJS.ProcessEnv,
): Promise<Pick<ChildExit, "code" | "stdout" | "tail">> {
  return new Promise((resolve) => {
    const child = spawn(command, args, { env, stdio: ["ignore", "pipe", "pipe"] });
    const stdout: Buffer[] = [];
    const stderr: Buffer[] = [];
    child.stdout.on("data", (chunk: Buffer) => stdout.push(chunk));
    child.stderr.on("data", (chunk: Buffer) => stderr.push(chunk));
    child.on("error", (error) => resolve({ code: -1, stdout: "", tail: error.message }));
    child.on("close", (code) =>
      resolve({
        code,
        stdout: Buffer.concat(stdout).toString("utf8"),
        tail: Buffer.concat(stderr).toString("utf8").trim().split("\n").slice(-15).join("\n"),
      }),
    );
  });
}
