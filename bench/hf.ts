/**
 * `npm run bench:hf`: Hugging Face streaming speed, on the two paths a Hub repo takes. Builds
 * 89k WikiText-2 paragraphs as a ~15 MB zstd parquet (row groups of 10k, named by the card) and
 * as 8 gzip'd JSON Lines shards in the Hub's naming (no card), serves both from the Hub-shaped
 * test server (in a child process, over local HTTP) and, in the same run, reads each with: the
 * aios hf backend alone (shuffle off, as `datasets` reads; its runs alternate with those of
 * `datasets`, so that both meet the same load; and with --hf-shuffle 1000); aios
 * through the training pipeline (GPT-2 tokens, `--hf-num-workers` 2 and 0); Python's
 * `datasets` in streaming mode from the same server; for parquet also DuckDB from the local
 * file (and over HTTP where its httpfs extension is at hand). Prints a table per path; deletes
 * its files.
 *
 *   npm run bench:hf                               # 89k rows, zstd, 3 runs of each reader
 *   npm run bench:hf -- --codec snappy --runs 5    # also: uncompressed; --rows N; --paths jsonl
 */
import { type ChildProcess, spawn } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { cpus, loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { startHubServer } from "../test/helpers/hub-server.js";
import {
  BENCH_CONFIG,
  BENCH_SPLIT,
  drawRows,
  wikitextLines,
  writeBenchRepo,
  writeJsonlRepo,
} from "./hf-corpus.js";
import {
  ensureDatasetsPython,
  type HfSource,
  type ReadResult,
  readAndTokenizeWithAios,
  readWithAios,
  readWithDatasets,
  readWithDuckdb,
  tokenizeInMemory,
} from "./hf-readers.js";

const REPO = "aios-bench/wikitext-paragraphs";
const JSONL_REPO = "aios-bench/wikitext-paragraphs-jsonl";
const ROW_GROUP = 10_000;
const JSONL_SHARDS = 8;

function log(line: string): void {
  process.stderr.write(`[bench:hf] ${line}\n`);
}

/** `--serve JSON`: the Hub-shaped server alone (repo → directory), off aios's thread. */
async function serve(repos: string): Promise<void> {
  const mains = JSON.parse(repos) as Record<string, string>;
  const hub = await startHubServer(
    Object.fromEntries(Object.entries(mains).map(([repo, main]) => [repo, { main }])),
  );
  process.stdout.write(`${JSON.stringify({ endpoint: hub.endpoint })}\n`);
  process.stdin.resume();
  process.stdin.on("end", () => void hub.close().then(() => process.exit(0)));
}

async function startServerChild(
  repos: Record<string, string>,
): Promise<{ child: ChildProcess; endpoint: string }> {
  const args = [fileURLToPath(import.meta.url), "--serve", JSON.stringify(repos)];
  const child = spawn(process.execPath, args, {
    stdio: ["pipe", "pipe", "inherit"],
  });
  const endpoint = await new Promise<string>((resolve, reject) => {
    let out = "";
    child.stdout?.on("data", (chunk: Buffer) => {
      out += chunk.toString("utf8");
      const line = out.split("\n")[0];
      if (out.includes("\n") && line !== undefined)
        resolve((JSON.parse(line) as { endpoint: string }).endpoint);
    });
    child.on("exit", (code) => reject(new Error(`hub server exited with ${code}`)));
  });
  return { child, endpoint };
}

interface Line {
  readonly name: string;
  /** All runs; the table shows the median by time, and the first run's first-row time. */
  readonly runs: readonly ReadResult[];
}

async function repeat(runs: number, read: () => Promise<ReadResult>): Promise<ReadResult[]> {
  const out: ReadResult[] = [];
  for (let i = 0; i < runs; i++) out.push(await read());
  return out;
}

function median(results: readonly ReadResult[]): ReadResult {
  const sorted = [...results].sort((a, b) => a.seconds - b.seconds);
  return sorted[Math.floor(sorted.length / 2)] as ReadResult;
}

const perSecond = (n: number, seconds: number) => Math.round(n / seconds).toLocaleString("en-US");

interface PathResult {
  readonly lines: string[];
  readonly ratio: number | null;
  readonly first: number;
}

/** Every reader of one path, as a table and its verdict lines. */
async function measurePath(options: {
  path: "parquet" | "jsonl";
  source: HfSource;
  heading: string;
  rows: number;
  runs: number;
  python: { ok: true; python: string } | { ok: false; reason: string };
  hubEnv: (home: string) => NodeJS.ProcessEnv;
  texts: readonly string[];
  duckdb: { file: string; url: string } | null;
}): Promise<PathResult> {
  const { path, source, runs, python } = options;
  const notes: string[] = [];
  const table: Line[] = [];
  // aios and datasets alternate, run by run: on a machine others load, both see the same load.
  log(`${path}: aios hf backend and Python datasets, ${runs} runs each, alternating`);
  const aiosRuns: ReadResult[] = [];
  const pythonRuns: ReadResult[] = [];
  let version = "";
  for (let i = 0; i < runs; i++) {
    aiosRuns.push(await readWithAios(source));
    if (python.ok) {
      const r = await readWithDatasets(python.python, source, options.hubEnv(`py-${path}-${i}`));
      version = r.version;
      pythonRuns.push(r);
    }
  }
  const aiosRead: Line = { name: "aios hf backend (rows)", runs: aiosRuns };
  table.push(aiosRead);
  log(`${path}: aios hf backend with --hf-shuffle 1000`);
  table.push({
    name: "aios hf backend, --hf-shuffle 1000",
    runs: [await readWithAios(source, 1000)],
  });
  log(`${path}: aios + GPT-2 tokenization, 2 workers`);
  const tokenized2: Line = {
    name: "aios rows + tokens, 2 workers",
    runs: await repeat(runs, () => readAndTokenizeWithAios(source, 2)),
  };
  table.push(tokenized2);
  log(`${path}: aios + GPT-2 tokenization, main thread`);
  table.push({
    name: "aios rows + tokens, main thread",
    runs: [await readAndTokenizeWithAios(source, 0)],
  });
  const ceiling = await tokenizeInMemory(options.texts);

  let pythonRead: Line | null = null;
  if (python.ok) {
    // A fresh process and cache each run.
    pythonRead = { name: `Python datasets ${version} (streaming)`, runs: pythonRuns };
    table.push(pythonRead);
  } else notes.push(`Python datasets skipped: ${python.reason}`);

  if (options.duckdb !== null) {
    log(`${path}: DuckDB, ${runs} runs`);
    const { file, url } = options.duckdb;
    table.push({
      name: "DuckDB read_parquet, local file",
      runs: await repeat(runs, () => readWithDuckdb(file)),
    });
    try {
      table.push({ name: "DuckDB read_parquet, HTTP", runs: [await readWithDuckdb(url)] });
    } catch (error) {
      const message = (error as Error).message.split("\n")[0] ?? "";
      const why = message.includes("httpfs")
        ? " (its httpfs extension is downloaded on first use)"
        : "";
      notes.push(`DuckDB over HTTP not measured: ${message}${why}`);
    }
  }

  for (const line of table) {
    const rows = new Set(line.runs.map((r) => r.rows));
    if (rows.size !== 1 || !rows.has(options.rows))
      notes.push(`${line.name} read ${[...rows].join("/")} rows, not ${options.rows}`);
  }

  const out: string[] = [options.heading, ""];
  out.push(
    "| reader | rows/s | MB/s of text | tokens/s | first row (run 1) | first row (median) | time | CPU cores used | rows/s vs datasets |",
  );
  out.push("|---|---:|---:|---:|---:|---:|---:|---:|---:|");
  const pythonRate = pythonRead === null ? null : median(pythonRead.runs);
  for (const line of table) {
    const m = median(line.runs);
    const firsts = [...line.runs.map((r) => r.first)].sort((a, b) => a - b);
    const firstMedian = firsts[Math.floor(firsts.length / 2)] ?? 0;
    const mb = m.bytes > 0 ? (m.bytes / 1e6 / m.seconds).toFixed(1) : "";
    const tokens = m.tokens === undefined ? "" : perSecond(m.tokens, m.seconds);
    const ratio =
      pythonRate === null
        ? ""
        : `${(m.rows / m.seconds / (pythonRate.rows / pythonRate.seconds)).toFixed(2)}x`;
    out.push(
      `| ${line.name} | ${perSecond(m.rows, m.seconds)} | ${mb} | ${tokens} | ` +
        `${line.runs[0]?.first.toFixed(3)} s | ${firstMedian.toFixed(3)} s | ${m.seconds.toFixed(2)} s | ${(m.cpu / m.seconds).toFixed(2)} | ${ratio} |`,
    );
  }
  out.push(
    `| GPT-2 encode in memory, 1 thread (ceiling per worker) | ${perSecond(ceiling.rows, ceiling.seconds)} | ` +
      `${(ceiling.bytes / 1e6 / ceiling.seconds).toFixed(1)} | ${perSecond(ceiling.tokens ?? 0, ceiling.seconds)} | | | ${ceiling.seconds.toFixed(2)} s | ${(ceiling.cpu / ceiling.seconds).toFixed(2)} | |`,
  );

  const read = median(aiosRead.runs);
  const both = median(tokenized2.runs);
  const readRate = read.rows / read.seconds;
  const bothRate = both.rows / both.seconds;
  out.push("");
  let ratio: number | null = null;
  if (pythonRate !== null) {
    ratio = readRate / (pythonRate.rows / pythonRate.seconds);
    out.push(
      `- ${path}: rows/s, aios / datasets: ${ratio.toFixed(2)}x (goal >= 2.5x: ${ratio >= 2.5 ? "met" : "MISSED"})`,
    );
  }
  const first = aiosRead.runs[0]?.first ?? Number.POSITIVE_INFINITY;
  out.push(
    `- ${path}: aios first row, cold: ${first.toFixed(3)} s (goal < 0.5 s: ${first < 0.5 ? "met" : "MISSED"})`,
  );
  const share = bothRate / readRate;
  out.push(
    `- ${path}: rows/s read + tokenized (2 workers) / read alone: ${share.toFixed(2)} ` +
      `(tokenization ${share >= 0.9 ? "is not" : "IS"} the bottleneck; goal: not)`,
  );
  const perThread = ceiling.rows / ceiling.seconds;
  out.push(
    `- one thread encodes ${perThread.toFixed(0)} rows/s in memory, so 2 workers on free cores could ` +
      `reach ${(2 * perThread).toFixed(0)} rows/s at most, against ${readRate.toFixed(0)} rows/s read`,
  );
  for (const note of notes) out.push(`- ${note}`);
  return { lines: out, ratio, first };
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      serve: { type: "string" },
      rows: { type: "string", default: "89000" },
      runs: { type: "string", default: "3" },
      codec: { type: "string", default: "zstd" },
      paths: { type: "string", default: "parquet,jsonl" },
    },
  });
  if (values.serve !== undefined) return serve(values.serve);
  const runs = Number(values.runs);
  const codec = values.codec.toUpperCase();
  if (codec !== "ZSTD" && codec !== "SNAPPY" && codec !== "UNCOMPRESSED")
    throw new Error(`--codec ${values.codec}: use zstd, snappy or uncompressed`);
  const paths = values.paths.split(",").map((p) => p.trim());
  if (paths.some((p) => p !== "parquet" && p !== "jsonl"))
    throw new Error(`--paths ${values.paths}: use parquet, jsonl or both`);
  const root = join(import.meta.dirname, "..", "..");
  const datasets = join(root, "..", "shared", "datasets");
  const dir = await mkdtemp(join(tmpdir(), "aios-bench-hf-"));
  let server: ChildProcess | undefined;
  try {
    const lines = await wikitextLines(datasets);
    const texts = drawRows(lines, Number(values.rows));
    log(
      `writing ${texts.length} rows as parquet (row groups of ${ROW_GROUP}) and as ${JSONL_SHARDS} JSON Lines shards`,
    );
    const repo = await writeBenchRepo(join(dir, "repo"), texts, ROW_GROUP, codec);
    const jsonlRepo = await writeJsonlRepo(join(dir, "jsonl"), texts, JSONL_SHARDS);
    const started = await startServerChild({ [REPO]: repo.main, [JSONL_REPO]: jsonlRepo.main });
    server = started.child;
    const hubEnv = (home: string): NodeJS.ProcessEnv => {
      const env: NodeJS.ProcessEnv = {
        ...process.env,
        HF_ENDPOINT: started.endpoint,
        HF_HOME: join(dir, home),
        HF_DATASETS_CACHE: join(dir, home, "datasets"),
        HF_HUB_DISABLE_TELEMETRY: "1",
      };
      for (const key of ["HF_HUB_OFFLINE", "HF_DATASETS_OFFLINE", "HF_TOKEN"]) delete env[key];
      return env;
    };
    Object.assign(process.env, hubEnv("aios"));
    delete process.env.HF_HUB_OFFLINE;
    delete process.env.HF_TOKEN;
    const python = await ensureDatasetsPython(root, log);
    const textMb = (repo.textBytes / 1e6).toFixed(1);
    const results: PathResult[] = [];
    if (paths.includes("parquet")) {
      results.push(
        await measurePath({
          path: "parquet",
          source: { name: REPO, config: BENCH_CONFIG, split: BENCH_SPLIT },
          heading:
            `### parquet: ${repo.rows.toLocaleString("en-US")} rows, ${textMb} MB of text, ` +
            `${(repo.fileBytes / 1e6).toFixed(1)} MB ${repo.codec} parquet, row groups of ${ROW_GROUP}` +
            `${repo.codecNote === null ? "" : ` (${repo.codecNote})`}`,
          rows: repo.rows,
          runs,
          python,
          hubEnv,
          texts,
          duckdb: {
            file: repo.file,
            url: `${started.endpoint}/datasets/${REPO}/resolve/main/${repo.path}`,
          },
        }),
      );
    }
    if (paths.includes("jsonl")) {
      results.push(
        await measurePath({
          path: "jsonl",
          source: { name: JSONL_REPO, config: BENCH_CONFIG, split: BENCH_SPLIT },
          heading:
            `### repo files, JSON Lines: the same rows in ${jsonlRepo.files} gzip'd shards ` +
            `(data/train-NNNNN-of-0000${jsonlRepo.files}.jsonl.gz, ${(jsonlRepo.fileBytes / 1e6).toFixed(1)} MB, no card)`,
          rows: repo.rows,
          runs,
          python,
          hubEnv,
          texts,
          duckdb: null,
        }),
      );
    }
    const out = [
      `median of ${runs} runs; ${cpus().length} CPUs, load average ${loadavg()
        .map((l) => l.toFixed(2))
        .join(" / ")} (1 / 5 / 15 min) at the end`,
      "",
      ...results.flatMap((r) => [...r.lines, ""]),
    ];
    process.stdout.write(`${out.join("\n")}\n`);
  } finally {
    server?.stdin?.end();
    server?.kill();
    await rm(dir, { recursive: true, force: true });
  }
}

await main();
