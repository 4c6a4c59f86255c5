/**
 * `npm run bench:custom`: the custom backend on large local text files (issue 22). Generates
 * 100 MB, 1 GB and 5 GB files of ~80-byte unique lines and, in the same run, measures for each
 * the wall time of a process that prints the first sample, and that process's peak resident
 * memory:
 * - `aios data preview --samples 1`, shuffled (`--shuffle`) and in file order;
 * - the custom backend alone in a child (no tokenizer: the data path's own first sample);
 * - Python `datasets`: `load_dataset("text", data_files=…)` (builds its Arrow cache, then
 *   `.shuffle(seed)[0]`), and `streaming=True` + `.shuffle(seed, buffer_size=1000)`.
 * Files go under `--dir` (default the OS temp dir) and are deleted after; so is the `datasets`
 * cache, which is put beside them. Each size needs about 2.2× its bytes free (checked first).
 *
 *   npm run bench:custom                          # 100 MB, 1 GB, 5 GB
 *   npm run bench:custom -- --sizes 100M,1G --dir /data/tmp --runs 3
 */
import { spawn } from "node:child_process";
import { mkdtemp, open, rm, statfs, writeFile } from "node:fs/promises";
import { cpus, tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { pythonWith } from "../test/helpers/python-venv.js";

const ROOT = fileURLToPath(new URL("../../", import.meta.url));
const CLI = join(ROOT, "dist", "src", "cli", "main.js");
const BACKEND_CHILD = join(ROOT, "dist", "test", "helpers", "read-custom-backend.js");
const MB = 1e6;

function log(line: string): void {
  process.stderr.write(`[bench:custom] ${line}\n`);
}

/** `100M`, `1G`, `5G` → bytes. */
function parseSize(text: string): number {
  const match = /^(\d+(?:\.\d+)?)([MG])$/i.exec(text.trim());
  if (match === null) throw new Error(`--sizes: ${text} is not like 100M or 5G`);
  return Number(match[1]) * (match[2]?.toUpperCase() === "G" ? 1e9 : 1e6);
}

/** `bytes` of ~80-byte unique lines, written a 1 MB chunk at a time. */
async function writeLines(path: string, bytes: number): Promise<number> {
  const file = await open(path, "w");
  let lines = 0;
  try {
    for (let written = 0; written < bytes; ) {
      const chunk: string[] = [];
      for (let size = 0; size < MB; ) {
        const text = `sample ${lines++} ${"lorem ipsum dolor sit amet ".repeat(3).slice(0, 40 + (lines % 50))}`;
        chunk.push(text);
        size += text.length + 1;
      }
      const buffer = Buffer.from(`${chunk.join("\n")}\n`);
      await file.write(buffer);
      written += buffer.length;
    }
  } finally {
    await file.close();
  }
  return lines;
}

interface Measured {
  readonly seconds: number;
  readonly peakMb: number;
  readonly ok: boolean;
  readonly note: string;
}

/**
 * Runs a process to completion; its peak RSS comes from its own getrusage, printed on exit as
 * `peak-rss-bytes N` (Node: a `--require` hook; Python: the script prints it).
 */
function measure(
  command: string,
  args: readonly string[],
  env: NodeJS.ProcessEnv = {},
): Promise<Measured> {
  return new Promise((resolve) => {
    const started = performance.now();
    const child = spawn(command, args, {
      cwd: ROOT,
      env: { ...process.env, ...env },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let out = "";
    child.stdout.on("data", (chunk: Buffer) => {
      out += chunk.toString();
    });
    child.stderr.on("data", (chunk: Buffer) => {
      out += chunk.toString();
    });
    child.on("close", (code) => {
      const seconds = (performance.now() - started) / 1000;
      const rss = /peak-rss-bytes (\d+)/.exec(out);
      const peakMb = rss === null ? Number.NaN : Number(rss[1]) / MB;
      const tail =
        out
          .trim()
          .split("\n")
          .filter((l) => !l.startsWith("peak-rss"))
          .at(-1) ?? "";
      resolve({ seconds, peakMb, ok: code === 0, note: code === 0 ? "" : `exit ${code}: ${tail}` });
    });
  });
}

const DATASETS_SCRIPT = `
import resource, sys
from datasets import load_dataset
path, mode = sys.argv[1], sys.argv[2]
if mode == "streaming":
    ds = load_dataset("text", data_files=path, split="train", streaming=True).shuffle(seed=1, buffer_size=1000)
    first = next(iter(ds))
else:
    ds = load_dataset("text", data_files=path, split="train").shuffle(seed=1)
    first = ds[0]
print(repr(first["text"][:60]))
print("peak-rss-bytes", resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024)
`;

interface Row {
  readonly size: string;
  readonly reader: string;
  readonly result: Measured;
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      sizes: { type: "string", default: "100M,1G,5G" },
      dir: { type: "string", default: tmpdir() },
      runs: { type: "string", default: "1" },
      "no-python": { type: "boolean", default: false },
    },
  });
  const sizes = (values.sizes ?? "")
    .split(",")
    .map((s) => ({ label: s.trim(), bytes: parseSize(s) }));
  const runs = Math.max(1, Number(values.runs));
  const work = await mkdtemp(join(values.dir ?? tmpdir(), "aios-bench-custom-"));
  const hook = join(work, "peak-rss.cjs");
  await writeFile(
    hook,
    'process.on("exit", () => { require("node:fs").writeSync(2, "peak-rss-bytes " + process.resourceUsage().maxRSS * 1024 + "\\n"); });\n',
  );
  const python = values["no-python"]
    ? ({ ok: false, reason: "--no-python" } as const)
    : pythonWith("datasets", ["datasets"], "datasets", ROOT);
  if (!python.ok) log(`datasets skipped: ${python.reason}`);
  log(`${cpus().length} CPUs; files under ${work}`);
  const rows: Row[] = [];
  try {
    for (const { label, bytes } of sizes) {
      const free = await statfs(work).then((s) => s.bavail * s.bsize);
      // The file, plus the Arrow cache `datasets` builds from it (about its size again).
      if (free < 2.2 * bytes) {
        log(
          `${label}: skipped, ${(free / 1e9).toFixed(1)} GB free under ${work}, needs ${((2.2 * bytes) / 1e9).toFixed(1)} GB`,
        );
        continue;
      }
      const file = join(work, `lines-${label}.txt`);
      log(`${label}: writing ${file}`);
      const lines = await writeLines(file, bytes);
      log(`${label}: ${lines} lines`);
      const node = (args: readonly string[]) =>
        measure(process.execPath, ["--require", hook, ...args], {
          AIOS_CACHE_DIR: join(work, "aios-cache"),
        });
      const readers: [string, () => Promise<Measured>][] = [
        [
          "aios preview --shuffle",
          () =>
            node([CLI, "data", "preview", "--dataset-file", file, "--samples", "1", "--shuffle"]),
        ],
        [
          "aios preview (file order)",
          () => node([CLI, "data", "preview", "--dataset-file", file, "--samples", "1"]),
        ],
        ["aios backend, shuffled", () => node([BACKEND_CHILD, file, "--samples", "1"])],
      ];
      if (python.ok) {
        const hfCache = join(work, "hf-cache");
        const env = { HF_DATASETS_CACHE: hfCache, HF_HUB_OFFLINE: "1", HF_DATASETS_OFFLINE: "1" };
        readers.push(
          [
            "datasets load_dataset + shuffle",
            async () => {
              const result = await measure(
                python.python,
                ["-c", DATASETS_SCRIPT, file, "arrow"],
                env,
              );
              // Each run builds the Arrow cache anew, as a first run on new data does.
              await rm(hfCache, { recursive: true, force: true });
              return result;
            },
          ],
          [
            "datasets streaming + shuffle(1000)",
            () => measure(python.python, ["-c", DATASETS_SCRIPT, file, "streaming"], env),
          ],
        );
      }
      for (const [reader, run] of readers) {
        for (let r = 0; r < runs; r++) {
          const result = await run();
          log(
            `${label} ${reader}: ${result.seconds.toFixed(2)} s, ${result.peakMb.toFixed(0)} MB ${result.note}`,
          );
          rows.push({ size: label, reader, result });
        }
      }
      await rm(file, { force: true });
    }
  } finally {
    await rm(work, { recursive: true, force: true });
  }
  printTable(rows);
}

/** Median per (size, reader), with ratios to aios shuffled preview of the same size. */
function printTable(rows: readonly Row[]): void {
  const median = (xs: number[]) =>
    [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? Number.NaN;
  const keys = [...new Set(rows.map((r) => `${r.size}\t${r.reader}`))];
  const summary = keys.map((key) => {
    const [size, reader] = key.split("\t") as [string, string];
    const mine = rows.filter((r) => r.size === size && r.reader === reader);
    return {
      size,
      reader,
      seconds: median(mine.map((r) => r.result.seconds)),
      peakMb: median(mine.map((r) => r.result.peakMb)),
      note: mine.find((r) => !r.result.ok)?.result.note ?? "",
    };
  });
  const out: string[] = [
    "| file | reader | first sample (s, whole process) | peak RSS (MB) | time ÷ aios shuffled | RSS ÷ aios shuffled |",
    "|---|---|---|---|---|---|",
  ];
  for (const s of summary) {
    const base = summary.find((b) => b.size === s.size && b.reader === "aios preview --shuffle");
    const ratio = (a: number, b: number | undefined) =>
      b === undefined || !Number.isFinite(a) || !Number.isFinite(b)
        ? "-"
        : `${(a / b).toFixed(2)}×`;
    out.push(
      `| ${s.size} | ${s.reader} | ${s.seconds.toFixed(2)}${s.note ? ` (${s.note})` : ""} | ${s.peakMb.toFixed(0)} | ${ratio(s.seconds, base?.seconds)} | ${ratio(s.peakMb, base?.peakMb)} |`,
    );
  }
  process.stdout.write(`${out.join("\n")}\n`);
}

await main();
