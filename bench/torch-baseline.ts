import { access } from "node:fs/promises";
import { join } from "node:path";
import { z } from "zod";
import { runChild } from "./aios-run.js";
import { type BenchModelConfig, modelFlags } from "./configs.js";

/** The JSON line `bench/hrm_actv1_torch.py` prints. */
const torchResult = z.object({
  s_per_step_mean: z.number(),
  s_per_step_median: z.number(),
  tokens_per_s: z.number(),
  steps_timed: z.number(),
  threads: z.number(),
  torch: z.string(),
  params: z.number(),
  data: z.string(),
});
export type TorchResult = z.infer<typeof torchResult>;

export type Outcome<T> =
  | { readonly ok: true; readonly value: T }
  | { readonly ok: false; readonly reason: string };

/** Kept under node_modules/.cache so that `git clean` and a fresh `npm ci` leave the repo tidy. */
export const VENV_DIR = join("node_modules", ".cache", "aios-bench-venv");

/**
 * The PyTorch the baseline is measured with. Pinned to the CPU build: an unpinned `torch`
 * resolves to a CUDA build from this machine's index (measured.md), a different program.
 */
export const TORCH_REQUIREMENT = "torch==2.13.0+cpu";
const TORCH_VERSION = "2.13.0+cpu";

async function canImportTorch(python: string, root: string): Promise<boolean> {
  const r = await runChild(python, ["-c", "import torch, numpy"], root);
  return r.code === 0;
}

async function hasPinnedTorch(python: string, root: string): Promise<boolean> {
  const r = await runChild(
    python,
    ["-c", `import torch, numpy; assert torch.__version__ == "${TORCH_VERSION}"`],
    root,
  );
  return r.code === 0;
}

/**
 * Returns a Python interpreter that can import torch: `override` if given (any version), else the
 * bench venv with `TORCH_REQUIREMENT`, created with `python3 -m venv` and pip the first time
 * (several minutes).
 */
export async function ensureTorchPython(
  root: string,
  override: string | undefined,
  log: (line: string) => void,
): Promise<Outcome<string>> {
  if (override !== undefined) {
    return (await canImportTorch(override, root))
      ? { ok: true, value: override }
      : { ok: false, reason: `${override} cannot import torch and numpy` };
  }
  const venv = join(root, VENV_DIR);
  const python = join(venv, "bin", "python");
  const exists = await access(python).then(
    () => true,
    () => false,
  );
  if (exists && (await hasPinnedTorch(python, root))) return { ok: true, value: python };
  if (!exists) {
    log(`creating Python venv ${VENV_DIR}`);
    const made = await runChild("python3", ["-m", "venv", venv], root);
    if (made.code !== 0) return { ok: false, reason: `python3 -m venv failed: ${made.tail}` };
  }
  log(`pip install ${TORCH_REQUIREMENT} numpy into the venv (several minutes the first time)`);
  const pip = await runChild(
    join(venv, "bin", "pip"),
    ["install", "--progress-bar", "off", TORCH_REQUIREMENT, "numpy"],
    root,
    (line) => {
      if (/^(Collecting|Installing|Successfully)/.test(line)) log(`  pip: ${line}`);
    },
  );
  if (pip.code !== 0) {
    return { ok: false, reason: `pip install ${TORCH_REQUIREMENT} numpy failed: ${pip.tail}` };
  }
  return (await hasPinnedTorch(python, root))
    ? { ok: true, value: python }
    : { ok: false, reason: `${TORCH_REQUIREMENT} installed but cannot be imported` };
}

export interface TorchRunParams {
  readonly root: string;
  readonly python: string;
  readonly model: BenchModelConfig;
  readonly steps: number;
  readonly warmupSteps: number;
  readonly threads: number;
}

/** Runs the PyTorch mirror of the model with the same sizes and returns its timing line. */
export async function runTorch(p: TorchRunParams): Promise<Outcome<TorchResult>> {
  const args = [
    join(p.root, "bench", "hrm_actv1_torch.py"),
    ...modelFlags(p.model),
    "--steps",
    String(p.steps),
    "--warmup-steps-to-skip",
    String(p.warmupSteps),
    "--threads",
    String(p.threads),
  ];
  const r = await runChild(p.python, args, p.root);
  if (r.code !== 0) return { ok: false, reason: `exit ${r.code ?? r.signal}: ${r.tail}` };
  const last = r.stdout.trim().split("\n").at(-1) ?? "";
  let value: unknown;
  try {
    value = JSON.parse(last);
  } catch {
    return { ok: false, reason: `no JSON result line in its output: ${r.tail}` };
  }
  const parsed = torchResult.safeParse(value);
  return parsed.success
    ? { ok: true, value: parsed.data }
    : { ok: false, reason: `unexpected result line: ${last}` };
}
