/**
 * `npm run bench:train`: aios training speed (s/step, tokens/s, data-wait share) for the default
 * model and a larger one, with 1 and 2 workers, beside the same model and training step in
 * PyTorch (bench/hrm_actv1_torch.py) on the same machine. Prints a table; writes nothing else.
 */
import { existsSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { availableParallelism, loadavg, tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { type AiosRunResult, runAios } from "./aios-run.js";
import { benchConfigs, describeModel, type NamedConfig } from "./configs.js";
import type { StepTimes } from "./stats.js";
import { ensureTorchPython, type Outcome, runTorch, type TorchResult } from "./torch-baseline.js";

const GOAL_RATIO = 1.5;
/** A 1-minute load average above this means someone else is using the cores we time. */
const BUSY_LOAD = 0.5;

const USAGE = `usage: npm run bench:train -- [options]
  --steps N            aios optimizer steps per run (default 8)
  --warmup N           first steps left out of the timing (default 2)
  --configs LIST       comma-separated: default,large (default both)
  --workers LIST       aios worker counts (default 1,2)
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
  readonly skipTorch: boolean;
  readonly torchSteps: number;
  readonly torchThreads: number;
  readonly python: string | undefined;
  readonly datasetFile: string;
  readonly keep: boolean;
}

interface ConfigResult {
  readonly config: NamedConfig;
  readonly aios: ReadonlyMap<number, AiosRunResult>;
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
      workers: { type: "string", default: "1,2" },
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

function bestAios(aios: ReadonlyMap<number, AiosRunResult>): StepTimes | null {
  let best: StepTimes | null = null;
  for (const r of aios.values()) {
    if (r.ok && (best === null || r.times.meanS < best.meanS)) best = r.times;
  }
  return best;
}

function renderTable(results: readonly ConfigResult[], o: BenchOptions): string {
  const header = [
    "config",
    ...o.workers.map((w) => `aios s/step (${w} worker${w === 1 ? "" : "s"})`),
    "tokens/s",
    "data wait %",
    `PyTorch s/step (${o.torchThreads} threads)`,
    "ratio aios-best/PyTorch",
  ];
  const rows = results.map((r) => {
    const best = bestAios(r.aios);
    const torch = r.torch?.ok === true ? r.torch.value : null;
    return [
      r.config.name,
      ...o.workers.map((w) => {
        const run = r.aios.get(w);
        return run?.ok === true ? run.times.meanS.toFixed(2) : "failed";
      }),
      best === null ? "-" : best.tokensPerS.toFixed(0),
      best === null ? "-" : (100 * best.dataWaitShare).toFixed(1),
      torch === null ? (r.torch === null ? "skipped" : "failed") : torch.s_per_step_mean.toFixed(2),
      best === null || torch === null ? "-" : `${(best.meanS / torch.s_per_step_mean).toFixed(2)}x`,
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
    out.push(`${r.config.name}: ${describeModel(r.config.model)}`);
    for (const [w, run] of r.aios) {
      out.push(
        run.ok
          ? `  aios ${w} worker(s): mean ${run.times.meanS.toFixed(3)} s, median ${run.times.medianS.toFixed(3)} s over ${run.times.steps} steps, ${run.times.tokensPerS.toFixed(0)} tokens/s, data wait ${(100 * run.times.dataWaitShare).toFixed(1)}%`
          : `  aios ${w} worker(s) failed: ${firstLine(run.reason)} (full output above)`,
      );
    }
    if (r.torch === null) continue;
    out.push(
      r.torch.ok
        ? `  PyTorch ${r.torch.value.torch}, ${r.torch.value.threads} threads: mean ${r.torch.value.s_per_step_mean.toFixed(3)} s, median ${r.torch.value.s_per_step_median.toFixed(3)} s over ${r.torch.value.steps_timed} steps, ${r.torch.value.tokens_per_s.toFixed(0)} tokens/s, ${(r.torch.value.params / 1e6).toFixed(2)} M params, data ${r.torch.value.data}`
        : `  PyTorch failed: ${firstLine(r.torch.reason)} (full output above)`,
    );
  }
  out.push(
    `timing: first ${o.warmup} steps dropped; s/step is the mean; tokens/s and data wait are those of the fastest worker count`,
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
      const aios = new Map<number, AiosRunResult>();
      for (const workers of o.workers) {
        log(`${config.name}: aios, ${workers} worker(s), ${o.steps} steps`);
        const run = await runAios({
          root,
          cli,
          datasetFile: o.datasetFile,
          workDir,
          runName: `${config.name}-w${workers}`,
          model: config.model,
          steps: o.steps,
          warmupSteps: o.warmup,
          workers,
          log,
        });
        log(
          run.ok
            ? `${config.name}: aios ${workers} worker(s): ${run.times.meanS.toFixed(3)} s/step`
            : `${config.name}: aios ${workers} worker(s) failed: ${run.reason}`,
        );
        aios.set(workers, run);
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
  process.stdout.write(`goal: ≤ ${GOAL_RATIO}x PyTorch\n\n${renderDetails(results, o)}\n`);
  if (python !== null && !python.ok) {
    process.stdout.write(`PyTorch baseline skipped: ${python.reason}\n`);
  }
  const failed = results.some((r) => [...r.aios.values()].some((run) => !run.ok));
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
