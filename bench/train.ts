/**
 * `npm run bench:train`: aios training speed (s/step, tokens/s, GFLOP/s, data-wait share) for the
 * default model and a larger one, with the native and the WASM GEMM, beside the same model and
 * training step in PyTorch (bench/hrm_actv1_torch.py) on the same machine, in one run. Prints a
 * table; writes nothing else.
 */
import { existsSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { availableParallelism, loadavg, tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import type { GemmEngine } from "../src/train/gemm-kernel.js";
import { loadNativeGemm } from "../src/train/native-gemm.js";
import { type AiosRunResult, runAios } from "./aios-run.js";
import { benchConfigs, describeModel, type NamedConfig } from "./configs.js";
import { stepFlops } from "./flops.js";
import type { StepTimes } from "./stats.js";
import { ensureTorchPython, type Outcome, runTorch, type TorchResult } from "./torch-baseline.js";

/** Issue 16's goal: aios at most as slow as PyTorch (moonshot 0.8x). */
const GOAL_RATIO = 1.0;
/** A 1-minute load average above this means someone else is using the cores we time. */
const BUSY_LOAD = 0.5;

const USAGE = `usage: npm run bench:train -- [options]
  --steps N            aios optimizer steps per run (default 8)
  --warmup N           first steps left out of the timing (default 2)
  --configs LIST       comma-separated: default,large (default both)
  --workers LIST       aios worker counts (default 2)
  --gemm LIST          aios GEMM engines: native,wasm (default both; native is skipped, saying
                       why, where it does not load)
  --skip-torch         do not run the PyTorch baseline
  --torch-steps N      PyTorch steps per run (default max(--steps, 12))
  --torch-threads N    torch.set_num_threads (default 2)
  --python PATH        a Python that already has torch (default: venv under node_modules/.cache)
  --dataset-file PATH  text to train aios on (default ../shared/datasets/tinyshakespeare/input.txt)
  --keep               keep the temporary bundle and metrics directory`;

interface BenchOptions {
  readonly steps: number;
  readonly warmup: number;
  readonly configs: NamedConfig[];
  readonly workers: number[];
  readonly engines: GemmEngine[];
  readonly skipTorch: boolean;
  readonly torchSteps: number;
  readonly torchThreads: number;
  readonly python: string | undefined;
  readonly datasetFile: string;
  readonly keep: boolean;
}

/** One aios run of the matrix: an engine with a worker count. */
interface AiosCell {
  readonly engine: GemmEngine;
  readonly workers: number;
  /** null: not run (the native GEMM does not load here). */
  readonly run: AiosRunResult | null;
}

interface ConfigResult {
  readonly config: NamedConfig;
  readonly aios: readonly AiosCell[];
  readonly torch: Outcome<TorchResult> | null;
}

function log(line: string): void {
  process.stderr.write(`[bench] ${line}\n`);
}

/** The repository root: the nearest folder above this file holding package.json. */
function findRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, "package.json"))) {
    const up = dirname(dir);
    if (up === dir) throw new Error("bench: no package.json above the bench script");
    dir = up;
  }
  return dir;
}

/** The compiled CLI, as package.json's `bin` names it; `npm run build` makes it. */
function findCli(root: string): string {
  const cli = join(root, "dist", "src", "cli", "main.js");
  if (!existsSync(cli)) throw new Error(`${cli} is missing: run \`npm run build\` first`);
  return cli;
}

function positiveInt(name: string, raw: string): number {
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 0)
    throw new Error(`--${name} must be a whole number, got ${raw}`);
  return n;
}

function parseOptions(argv: string[], root: string): BenchOptions | null {
  const { values } = parseArgs({
    args: argv,
    options: {
      steps: { type: "string", default: "8" },
      warmup: { type: "string", default: "2" },
      configs: { type: "string", default: "default,large" },
      workers: { type: "string", default: "2" },
      gemm: { type: "string", default: "native,wasm" },
      "skip-torch": { type: "boolean", default: false },
      "torch-steps": { type: "string" },
      "torch-threads": { type: "string", default: "2" },
      python: { type: "string" },
      "dataset-file": { type: "string" },
      keep: { type: "boolean", default: false },
      help: { type: "boolean", short: "h", default: false },
    },
  });
  if (values.help) {
    process.stdout.write(`${USAGE}\n`);
    return null;
  }
  const steps = positiveInt("steps", values.steps);
  const warmup = positiveInt("warmup", values.warmup);
  if (steps <= warmup) throw new Error(`--steps (${steps}) must exceed --warmup (${warmup})`);
  const known = benchConfigs();
  const configs = values.configs.split(",").map((name) => {
    const c = known[name.trim()];
    if (c === undefined) {
      throw new Error(`unknown config "${name}"; known: ${Object.keys(known).join(", ")}`);
    }
    return c;
  });
  const workers = values.workers.split(",").map((w) => positiveInt("workers", w.trim()));
  const engines = values.gemm.split(",").map((e) => {
    const engine = e.trim();
    if (engine !== "native" && engine !== "wasm") {
      throw new Error(`--gemm takes native and/or wasm, got "${engine}"`);
    }
    return engine as GemmEngine;
  });
  const torchSteps =
    values["torch-steps"] === undefined
      ? Math.max(steps, 12)
      : positiveInt("torch-steps", values["torch-steps"]);
  if (torchSteps <= warmup) throw new Error(`--torch-steps must exceed --warmup (${warmup})`);
  return {
    steps,
    warmup,
    configs,
    workers,
    engines,
    skipTorch: values["skip-torch"],
    torchSteps,
    torchThreads: positiveInt("torch-threads", values["torch-threads"]),
    python: values.python,
    datasetFile: resolve(
      values["dataset-file"] ??
        join(root, "..", "shared", "datasets", "tinyshakespeare", "input.txt"),
    ),
    keep: values.keep,
  };
}

const ENGINE_NAME: Readonly<Record<GemmEngine, string>> = { native: "native", wasm: "WASM" };

/** The fastest successful run of `engine` (any worker count), if any. */
function bestOf(cells: readonly AiosCell[], engine?: GemmEngine): StepTimes | null {
  let best: StepTimes | null = null;
  for (const { engine: e, run } of cells) {
    if (engine !== undefined && e !== engine) continue;
    if (run?.ok === true && (best === null || run.times.meanS < best.meanS)) best = run.times;
  }
  return best;
}

function cellText(cell: AiosCell | undefined): string {
  if (cell?.run === null || cell === undefined) return "not run";
  return cell.run.ok ? cell.run.times.meanS.toFixed(2) : "failed";
}

function renderTable(results: readonly ConfigResult[], o: BenchOptions): string {
  const plural = (w: number) => `${w} worker${w === 1 ? "" : "s"}`;
  const header = [
    "config",
    ...o.engines.flatMap((e) =>
      o.workers.map((w) => `aios ${ENGINE_NAME[e]} s/step (${plural(w)})`),
    ),
    "tokens/s",
    "GFLOP/s",
    "data wait %",
    `PyTorch s/step (${o.torchThreads} threads)`,
    ...o.engines.map((e) => `${ENGINE_NAME[e]}/PyTorch`),
  ];
  const rows = results.map((r) => {
    const best = bestOf(r.aios);
    const torch = r.torch?.ok === true ? r.torch.value : null;
    const gflop = stepFlops(r.config.model).total;
    return [
      r.config.name,
      ...o.engines.flatMap((e) =>
        o.workers.map((w) => cellText(r.aios.find((c) => c.engine === e && c.workers === w))),
      ),
      best === null ? "-" : best.tokensPerS.toFixed(0),
      best === null ? "-" : (gflop / best.meanS).toFixed(0),
      best === null ? "-" : (100 * best.dataWaitShare).toFixed(1),
      torch === null ? (r.torch === null ? "skipped" : "failed") : torch.s_per_step_mean.toFixed(2),
      ...o.engines.map((e) => {
        const b = bestOf(r.aios, e);
        return b === null || torch === null
          ? "-"
          : `${(b.meanS / torch.s_per_step_mean).toFixed(2)}x`;
      }),
    ];
  });
  const widths = header.map((h, i) =>
    Math.max(h.length, ...rows.map((row) => row[i]?.length ?? 0)),
  );
  const line = (cells: readonly string[]) =>
    `| ${cells.map((c, i) => (i === 0 ? c.padEnd(widths[i] ?? 0) : c.padStart(widths[i] ?? 0))).join(" | ")} |`;
  const rule = `|${widths.map((w, i) => (i === 0 ? "-".repeat(w + 2) : `${"-".repeat(w + 1)}:`)).join("|")}|`;
  return [line(header), rule, ...rows.map(line)].join("\n");
}

function firstLine(text: string): string {
  return text.split("\n")[0] ?? text;
}

function renderDetails(results: readonly ConfigResult[], o: BenchOptions): string {
  const out: string[] = [];
  for (const r of results) {
    const flops = stepFlops(r.config.model);
    out.push(
      `${r.config.name}: ${describeModel(r.config.model)}; ${flops.total.toFixed(1)} GFLOP of matrix products per step (${flops.head.toFixed(1)} in the LM head)`,
    );
    for (const { engine, workers: w, run } of r.aios) {
      const who = `  aios ${ENGINE_NAME[engine]} GEMM, ${w} worker(s)`;
      if (run === null) continue;
      out.push(
        run.ok
          ? `${who}: mean ${run.times.meanS.toFixed(3)} s, median ${run.times.medianS.toFixed(3)} s over ${run.times.steps} steps, ${run.times.tokensPerS.toFixed(0)} tokens/s, ${(flops.total / run.times.meanS).toFixed(0)} GFLOP/s, data wait ${(100 * run.times.dataWaitShare).toFixed(1)}%`
          : `${who} failed: ${firstLine(run.reason)} (full output above)`,
      );
    }
    if (r.torch === null) continue;
    out.push(
      r.torch.ok
        ? `  PyTorch ${r.torch.value.torch}, ${r.torch.value.threads} threads: mean ${r.torch.value.s_per_step_mean.toFixed(3)} s, median ${r.torch.value.s_per_step_median.toFixed(3)} s over ${r.torch.value.steps_timed} steps, ${r.torch.value.tokens_per_s.toFixed(0)} tokens/s, ${(flops.total / r.torch.value.s_per_step_mean).toFixed(0)} GFLOP/s, ${(r.torch.value.params / 1e6).toFixed(2)} M params, data ${r.torch.value.data}`
        : `  PyTorch failed: ${firstLine(r.torch.reason)} (full output above)`,
    );
  }
  out.push(
    `timing: first ${o.warmup} steps dropped; s/step is the mean; tokens/s, GFLOP/s and data wait are those of the fastest aios run; GFLOP/s counts matrix products only (bench/flops.ts)`,
  );
  return out.join("\n");
}

async function main(): Promise<number> {
  const root = findRoot();
  const o = parseOptions(process.argv.slice(2), root);
  if (o === null) return 0;
  const cli = findCli(root);
  const [load] = loadavg();
  if (load !== undefined && load > BUSY_LOAD) {
    log(
      `load average ${load.toFixed(2)} on ${availableParallelism()} cores: other processes are running, timings will be inflated`,
    );
  }
  const native = o.engines.includes("native") ? loadNativeGemm() : null;
  if (native !== null && !native.ok) {
    log(`aios native GEMM not run: ${native.reason}; ${native.hint}`);
  }
  if (!existsSync(o.datasetFile)) throw new Error(`dataset file not found: ${o.datasetFile}`);

  let python: Outcome<string> | null = null;
  if (o.skipTorch) {
    log("PyTorch baseline skipped: --skip-torch");
  } else {
    python = await ensureTorchPython(root, o.python, log);
    if (!python.ok) log(`PyTorch baseline skipped: ${python.reason}`);
  }

  const workDir = await mkdtemp(join(tmpdir(), "aios-bench-"));
  const results: ConfigResult[] = [];
  try {
    for (const config of o.configs) {
      const aios: AiosCell[] = [];
      for (const engine of o.engines) {
        for (const workers of o.workers) {
          if (engine === "native" && native?.ok !== true) {
            aios.push({ engine, workers, run: null });
            continue;
          }
          const what = `${config.name}: aios ${ENGINE_NAME[engine]} GEMM, ${workers} worker(s)`;
          log(`${what}, ${o.steps} steps`);
          const run = await runAios({
            root,
            cli,
            datasetFile: o.datasetFile,
            workDir,
            runName: `${config.name}-${engine}-w${workers}`,
            model: config.model,
            steps: o.steps,
            warmupSteps: o.warmup,
            workers,
            gemm: engine,
            log,
          });
          log(
            run.ok
              ? `${what}: ${run.times.meanS.toFixed(3)} s/step`
              : `${what} failed: ${run.reason}`,
          );
          aios.push({ engine, workers, run });
        }
      }
      let torch: Outcome<TorchResult> | null = null;
      if (python?.ok === true) {
        log(`${config.name}: PyTorch, ${o.torchThreads} threads, ${o.torchSteps} steps`);
        torch = await runTorch({
          root,
          python: python.value,
          model: config.model,
          steps: o.torchSteps,
          warmupSteps: o.warmup,
          threads: o.torchThreads,
        });
        log(
          torch.ok
            ? `${config.name}: PyTorch: ${torch.value.s_per_step_mean.toFixed(3)} s/step`
            : `${config.name}: PyTorch failed: ${torch.reason}`,
        );
      }
      results.push({ config, aios, torch });
    }
  } finally {
    if (o.keep) log(`kept ${workDir}`);
    else await rm(workDir, { recursive: true, force: true });
  }

  process.stdout.write(`\n${renderTable(results, o)}\n\n`);
  process.stdout.write(
    `goal: ≤ ${GOAL_RATIO.toFixed(1)}x PyTorch\n\n${renderDetails(results, o)}\n`,
  );
  const [loadAtEnd] = loadavg();
  process.stdout.write(
    `load average (1 min) at start ${load?.toFixed(2)}, at end ${loadAtEnd?.toFixed(2)}, on ${availableParallelism()} cores\n`,
  );
  if (native !== null && !native.ok) {
    process.stdout.write(`aios native GEMM not run: ${native.reason}; ${native.hint}\n`);
  }
  if (python !== null && !python.ok) {
    process.stdout.write(`PyTorch baseline skipped: ${python.reason}\n`);
  }
  const failed = results.some((r) => r.aios.some((c) => c.run !== null && !c.run.ok));
  return failed ? 1 : 0;
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    process.stderr.write(`bench:train: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exitCode = 2;
  },
);
