/**
 * `npm run bench:tokenize`: tokenizer throughput per thread, each kind of `--model` beside its
 * Python reference in the same run. Text: the lines of WikiText-2's test split and tiny
 * Shakespeare (the samples a `.txt` dataset gives), after a warm-up pass over WikiText-2's
 * validation split (JIT, merge caches). aios encodes as its pipeline's main thread does
 * (`Tokenizer.encodeBatch`, `samplesPerCall` lines per call: 1 for tiktoken encodings, 16 for
 * tokenizer.json); Python's `tokenizers` (Rust) encodes batches of 256 lines with
 * `encode_batch` and `TOKENIZERS_PARALLELISM=false`; `tiktoken` encodes line by line with
 * `encode_ordinary` (its batch call only adds threads). MB/s per thread is UTF-8 bytes over the
 * process's CPU seconds, which counts the one thread doing the work however busy the machine.
 *
 *   npm run bench:tokenize                   # all kinds, called as the pipeline calls them
 *   npm run bench:tokenize -- --batch 1024   # aios calls as large as its worker threads'
 *
 * tokenizer.json kinds need the Python venv (it trains them); without pip they are skipped
 * and the tiktoken encodings are measured alone.
 */
import { spawnSync } from "node:child_process";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { openTokenizer } from "../src/data/tokenizer/resolve-tokenizer.js";
import {
  TRAINED_KINDS,
  trainPythonTokenizers,
  writeTiktokenCache,
} from "../test/helpers/python-tokenizers.js";
import { pythonWith } from "../test/helpers/python-venv.js";

const ROOT = join(import.meta.dirname, "..", "..");
const DATASETS = join(ROOT, "..", "shared", "datasets");

/** Python's `encode_batch` batches: its efficient mode, whatever aios's calls are. */
const PYTHON_BATCH = 256;

/** A share of a training step the tokenizer may take: the issue's goal for the data wait. */
const DATA_WAIT_GOAL = 0.05;

/** `python - LINES_JSON BATCH SPEC…` → one JSON line per spec: {bytes, tokens, cpu, wall}. */
const PYTHON_BENCH = `
import json, sys, time
warm, lines = json.load(open(sys.argv[1], encoding="utf-8"))
batch = int(sys.argv[2])
size = sum(len(l.encode("utf-8")) for l in lines)
for spec in sys.argv[3:]:
    kind, ref = spec.split("=", 1)
    if kind == "tiktoken":
        import tiktoken
        enc = tiktoken.get_encoding(ref)
        run = lambda texts: sum(len(enc.encode_ordinary(t)) for t in texts)
    else:
        from tokenizers import Tokenizer
        tok = Tokenizer.from_file(ref)
        run = lambda texts: sum(len(e.ids) for i in range(0, len(texts), batch)
                                for e in tok.encode_batch(texts[i:i + batch], add_special_tokens=False))
    run(warm)
    c0 = time.process_time(); w0 = time.perf_counter()
    tokens = run(lines)
    print(json.dumps({"spec": spec, "bytes": size, "tokens": tokens,
                      "cpu": time.process_time() - c0, "wall": time.perf_counter() - w0}), flush=True)
`;

interface Timing {
  readonly bytes: number;
  readonly tokens: number;
  /** CPU seconds of the whole process (one thread works; the others idle). */
  readonly cpu: number;
  readonly wall: number;
}

function log(line: string): void {
  process.stderr.write(`[bench:tokenize] ${line}\n`);
}

async function lines(path: string): Promise<string[]> {
  return (await readFile(path, "utf8")).split("\n").filter((line) => line.trim() !== "");
}

async function timeAios(
  model: string,
  warm: string[],
  text: string[],
  batchOption: number | null,
): Promise<Timing> {
  const tokenizer = await openTokenizer(model, { tokenEnv: "HF_TOKEN", cacheDir: null });
  const batch = batchOption ?? tokenizer.samplesPerCall;
  const run = async (texts: string[]) => {
    let tokens = 0;
    for (let i = 0; i < texts.length; i += batch) {
      for (const ids of await tokenizer.encodeBatch(texts.slice(i, i + batch)))
        tokens += ids.length;
    }
    return tokens;
  };
  await run(warm);
  const c0 = process.cpuUsage();
  const w0 = performance.now();
  const tokens = await run(text);
  const cpu = process.cpuUsage(c0);
  return {
    bytes: text.reduce((sum, line) => sum + Buffer.byteLength(line), 0),
    tokens,
    cpu: (cpu.user + cpu.system) / 1e6,
    wall: (performance.now() - w0) / 1000,
  };
}

function timePython(
  python: string,
  linesFile: string,
  batch: number,
  specs: readonly string[],
  env: NodeJS.ProcessEnv,
): Map<string, Timing> | string {
  const run = spawnSync(python, ["-c", PYTHON_BENCH, linesFile, String(batch), ...specs], {
    encoding: "utf8",
    env: { ...process.env, ...env, TOKENIZERS_PARALLELISM: "false", RAYON_NUM_THREADS: "1" },
    maxBuffer: 1 << 20,
  });
  if (run.status !== 0)
    return `Python failed: ${(run.stderr || String(run.error)).trim().split("\n").at(-1)}`;
  const out = new Map<string, Timing>();
  for (const line of run.stdout.trim().split("\n")) {
    const row = JSON.parse(line) as Timing & { spec: string };
    out.set(row.spec, row);
  }
  return out;
}

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { batch: { type: "string" } } });
  const batch = values.batch === undefined ? null : Number(values.batch);
  const warm = await lines(join(DATASETS, "wikitext-2-v1", "valid.txt"));
  const text = [
    ...(await lines(join(DATASETS, "wikitext-2-v1", "test.txt"))),
    ...(await lines(join(DATASETS, "tinyshakespeare", "input.txt"))),
  ];
  const dir = await mkdtemp(join(tmpdir(), "aios-bench-tokenize-"));
  try {
    const python = pythonWith(
      "tokenizers",
      ["tokenizers", "tiktoken"],
      "tokenizers, tiktoken",
      ROOT,
    );
    // [aios --model, Python spec, label of the Python peer]
    const rows: [string, string, string][] = [
      ["gpt2", "tiktoken=r50k_base", "tiktoken r50k_base"],
      ["p50k_base", "tiktoken=p50k_base", "tiktoken p50k_base"],
      ["cl100k_base", "tiktoken=cl100k_base", "tiktoken cl100k_base"],
      ["o200k_base", "tiktoken=o200k_base", "tiktoken o200k_base"],
    ];
    let reference: Map<string, Timing> | string = "no Python";
    if (python.ok) {
      log("training three tokenizers with Python tokenizers on WikiText-2 validation");
      trainPythonTokenizers(python.python, join(DATASETS, "wikitext-2-v1", "valid.txt"), dir);
      for (const kind of TRAINED_KINDS) {
        const file = join(dir, kind, "tokenizer.json");
        rows.push([join(dir, kind), `file=${file}`, `tokenizers ${kind} (Rust)`]);
      }
      await writeTiktokenCache(join(dir, "tiktoken-cache"));
      const linesFile = join(dir, "lines.json");
      await writeFile(linesFile, JSON.stringify([warm, text]));
      log("Python tokenizers and tiktoken, one thread");
      reference = timePython(
        python.python,
        linesFile,
        PYTHON_BATCH,
        rows.map((r) => r[1]),
        {
          TIKTOKEN_CACHE_DIR: join(dir, "tiktoken-cache"),
        },
      );
    } else log(`tokenizer.json kinds and the Python peers skipped: ${python.reason}`);

    const table = [
      "| tokenizer | aios MB/s per thread | aios tokens/s per thread | Python peer | peer MB/s per thread | aios / peer | trainer tokens/s at 5 % data wait |",
      "|---|---:|---:|---|---:|---:|---:|",
    ];
    for (const [model, spec, peer] of rows) {
      log(`aios ${model.startsWith(dir) ? model.slice(dir.length + 1) : model}`);
      const ours = await timeAios(model, warm, text, batch);
      const theirs = typeof reference === "string" ? undefined : reference.get(spec);
      const mbps = (t: Timing) => t.bytes / t.cpu / 1e6;
      const name = model.startsWith(dir) ? `tokenizer.json ${model.slice(dir.length + 1)}` : model;
      const tokensPerS = ours.tokens / ours.cpu;
      table.push(
        `| ${name} | ${mbps(ours).toFixed(2)} | ${Math.round(tokensPerS).toLocaleString("en-US")} | ${theirs === undefined ? `${peer}: ${typeof reference === "string" ? reference : "missing"}` : peer} | ${theirs === undefined ? "" : mbps(theirs).toFixed(2)} | ${theirs === undefined ? "" : `${(mbps(ours) / mbps(theirs)).toFixed(2)}x`} | ${Math.round(tokensPerS * DATA_WAIT_GOAL).toLocaleString("en-US")} |`,
      );
    }
    const bytes = text.reduce((sum, line) => sum + Buffer.byteLength(line), 0);
    process.stdout.write(
      `${text.length.toLocaleString("en-US")} lines, ${(bytes / 1e6).toFixed(2)} MB; aios calls of ${batch ?? "samplesPerCall"} lines, Python batches of ${PYTHON_BATCH}; load average ${loadavg()[0]?.toFixed(1)}\n${table.join("\n")}\n`,
    );
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

await main();
