/**
 * `npm run bench:generate`: greedy generation speed (tokens/s) of `aios hrm-hf generate` beside
 * the PyTorch package `python/aios_hrm` on the same weights in the same run, for the default
 * model and a larger one. Both run ACT at inference (docs/MODEL.md, Inference); aios keeps a key/value cache per segment, the PyTorch package runs the whole window per token;
 * the timing covers generation only (not loading). Also says whether both chose the same tokens.
 * Prints a table; writes nothing else.
 */
import { existsSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { runChild } from "./aios-run.js";
import { benchConfigs, describeModel, modelFlags } from "./configs.js";
import { ensureTorchPython } from "./torch-baseline.js";

const USAGE = `usage: npm run bench:generate -- [options]
  --tokens N           tokens to generate (default 32)
  --configs LIST       comma-separated: default,large (default both)
  --torch-threads N    torch.set_num_threads (default 1: aios's WASM backend uses one core)
  --python PATH        a Python with torch, safetensors and numpy (default: the bench venv)
  --prompt TEXT        (default "The king said")`;

/** Greedy generation with the package; prints {"tokens_per_s", "ids", "segments"}. */
const TORCH_GENERATE = `
import json, sys, time, torch
from aios_hrm import load_bundle, generate_greedy
bundle, prompt, n, threads = sys.argv[1], json.loads(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
torch.set_num_threads(threads)
model = load_bundle(bundle)
generate_greedy(model, prompt, 2)  # warm-up
t0 = time.perf_counter()
ids, segments = generate_greedy(model, prompt, n, eot_id=50256)
dt = time.perf_counter() - t0
print(json.dumps({"tokens_per_s": len(ids) / dt, "ids": ids, "segments": segments, "torch": torch.__version__}))
`;

function findRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, "package.json"))) dir = dirname(dir);
  return dir;
}

function log(line: string): void {
  process.stderr.write(`[bench] ${line}\n`);
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      tokens: { type: "string", default: "32" },
      configs: { type: "string", default: "default,large" },
      "torch-threads": { type: "string", default: "1" },
      python: { type: "string" },
      prompt: { type: "string", default: "The king said" },
      help: { type: "boolean", default: false },
    },
  });
  if (values.help) {
    process.stdout.write(`${USAGE}\n`);
    return;
  }
  const root = findRoot();
  const cli = join(root, "dist", "src", "cli", "main.js");
  const n = Number(values.tokens);
  const all = benchConfigs();
  const python = await ensureTorchPython(root, values.python, log);
  let torchPython: string | null = null;
  if (python.ok) {
    const st = await runChild(python.value, ["-c", "import safetensors"], root);
    if (st.code !== 0) {
      log("pip install safetensors into the venv");
      await runChild(join(dirname(python.value), "pip"), ["install", "safetensors"], root);
    }
    torchPython = python.value;
  } else log(`PyTorch skipped: ${python.reason}`);
  const rows: string[] = [];
  for (const name of (values.configs ?? "").split(",")) {
    const config = all[name];
    if (config === undefined) throw new Error(`unknown config ${name}`);
    const dir = await mkdtemp(join(tmpdir(), "aios-bench-gen-"));
    try {
      log(`${name}: training 1 step for a bundle (${describeModel(config.model)})`);
      const trained = await runChild(
        process.execPath,
        [
          cli,
          "hrm-hf",
          "train-actv1",
          "--dataset-file",
          join(root, "examples", "data", "sample.txt"),
          "--steps",
          "1",
          ...modelFlags(config.model),
          "--bundle-dir",
          dir,
          "--log-file",
          join(dir, "m.jsonl"),
          "--no-keep-checkpoint",
        ],
        root,
      );
      if (trained.code !== 0) throw new Error(`training failed: ${trained.tail}`);
      log(`${name}: aios generate ${n} tokens`);
      const ours = await runChild(
        process.execPath,
        [
          cli,
          "hrm-hf",
          "generate",
          "--bundle-dir",
          dir,
          "--prompt",
          values.prompt ?? "",
          "--temperature",
          "0",
          "--max-new-tokens",
          String(n),
          "--json",
        ],
        root,
      );
      if (ours.code !== 0) throw new Error(`aios generate failed: ${ours.tail}`);
      const a = JSON.parse(ours.stdout) as {
        tokens_per_s: number;
        ids: number[];
        prompt_ids: number[];
        segments: number[];
      };
      let torchCell = "skipped";
      let same = "–";
      if (torchPython !== null) {
        log(`${name}: PyTorch generate ${n} tokens`);
        const py = await runChild(
          torchPython,
          [
            "-c",
            TORCH_GENERATE,
            join(dir, "default"),
            JSON.stringify(a.prompt_ids),
            String(n),
            values["torch-threads"] ?? "1",
          ],
          join(root, "python"),
        );
        if (py.code === 0) {
          const t = JSON.parse(py.stdout.trim().split("\n").at(-1) ?? "{}") as {
            tokens_per_s: number;
            ids: number[];
            torch: string;
          };
          torchCell = `${t.tokens_per_s.toFixed(1)} (torch ${t.torch}, ${values["torch-threads"]} thread)`;
          same = JSON.stringify(t.ids) === JSON.stringify(a.ids) ? "yes" : "no";
        } else torchCell = `failed: ${py.tail}`;
      }
      const segs = a.segments.reduce((s, x) => s + x, 0) / Math.max(1, a.segments.length);
      rows.push(
        `| ${name} | ${a.ids.length} | ${segs.toFixed(2)} | ${a.tokens_per_s.toFixed(1)} | ${torchCell} | ${same} |`,
      );
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }
  process.stdout.write(
    `| config | tokens | segments/token | aios tokens/s | PyTorch tokens/s | same tokens |\n|---|---|---|---|---|---|\n${rows.join("\n")}\n`,
  );
}

main().catch((error: unknown) => {
  process.stderr.write(
    `bench:generate failed: ${error instanceof Error ? error.message : String(error)}\n`,
  );
  process.exit(2);
});
