import { spawn } from "node:child_process";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { z } from "zod";
import type { GemmEngine } from "../src/train/gemm-kernel.js";
import { type BenchModelConfig, modelFlags } from "./configs.js";
import { type StepTimes, summarizeSteps } from "./stats.js";

/** The fields of a metrics JSONL step record the benchmark reads; other records are skipped. */
const stepRecord = z.object({
  event: z.literal("step"),
  step_time_s: z.number(),
  data_wait_s: z.number(),
  tokens: z.number(),
  gemm: z.string(),
});
type StepRecord = z.infer<typeof stepRecord>;

export interface AiosRunParams {
  readonly root: string;
  /** Path of the compiled CLI entry point (main.js). */
  readonly cli: string;
  readonly datasetFile: string;
  readonly workDir: string;
  readonly runName: string;
  readonly model: BenchModelConfig;
  readonly steps: number;
  readonly warmupSteps: number;
  readonly workers: number;
  /** `--gemm`: the run fails unless its records say this engine ran. */
  readonly gemm: GemmEngine;
  readonly log: (line: string) => void;
}

export type AiosRunResult =
  | { readonly ok: true; readonly times: StepTimes }
  | { readonly ok: false; readonly reason: string };

const OUTPUT_TAIL_LINES = 30;
const POLL_MS = 1000;

/** Runs `aios hrm-hf train-actv1` once and summarises its step records after the warm-up. */
export async function runAios(p: AiosRunParams): Promise<AiosRunResult> {
  const logFile = join(p.workDir, `${p.runName}.metrics.jsonl`);
  const args = [
    p.cli,
    "hrm-hf",
    "train-actv1",
    "--dataset-file",
    p.datasetFile,
    "--steps",
    String(p.steps),
    "--log-file",
    logFile,
    "--brain-name",
    `bench-${p.runName}`,
    "--bundle-dir",
    p.workDir,
    "--checkpoint-every",
    "0",
    "--workers",
    String(p.workers),
    "--gemm",
    p.gemm,
    ...modelFlags(p.model),
  ];
  const started = Date.now();
  let reported = 0;
  const poll = setInterval(() => {
    void readSteps(logFile).then((records) => {
      for (const r of records.slice(reported)) {
        reported += 1;
        const tag = reported <= p.warmupSteps ? " (warm-up)" : "";
        p.log(`    step ${reported}/${p.steps}  ${r.step_time_s.toFixed(2)} s${tag}`);
      }
    });
  }, POLL_MS);
  const exit = await runChild(process.execPath, args, p.root);
  clearInterval(poll);
  const records = await readSteps(logFile);
  const wall = (Date.now() - started) / 1000;
  if (exit.code !== 0) {
    return {
      ok: false,
      reason: `exit ${exit.code ?? exit.signal} after ${wall.toFixed(0)} s:\n${exit.tail}`,
    };
  }
  const other = records.find((r) => r.gemm !== p.gemm);
  if (other !== undefined) {
    return { ok: false, reason: `asked for --gemm ${p.gemm}, the records say ${other.gemm}` };
  }
  const timed = records.slice(p.warmupSteps);
  if (timed.length === 0) {
    return {
      ok: false,
      reason: `${records.length} step records in ${logFile}, none after the ${p.warmupSteps} warm-up steps`,
    };
  }
  return { ok: true, times: summarizeSteps(timed) };
}

async function readSteps(file: string): Promise<StepRecord[]> {
  let text: string;
  try {
    text = await readFile(file, "utf8");
  } catch {
    return [];
  }
  const records: StepRecord[] = [];
  for (const line of text.split("\n")) {
    if (line.trim() === "") continue;
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch {
      continue; // a line still being written
    }
    const parsed = stepRecord.safeParse(value);
    if (parsed.success) records.push(parsed.data);
  }
  return records;
}

export interface ChildExit {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly stdout: string;
  /** The last lines of stdout and stderr together, for error messages. */
  readonly tail: string;
}

/** Runs a child to completion, keeping its stdout and the tail of its combined output. */
export function runChild(
  command: string,
  args: readonly string[],
  cwd: string,
  onLine?: (line: string) => void,
): Promise<ChildExit> {
  return new Promise((resolve) => {
    const child = spawn(command, args, { cwd, stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    const tail: string[] = [];
    const keep = (chunk: Buffer, isStdout: boolean) => {
      const text = chunk.toString("utf8");
      if (isStdout) stdout += text;
      for (const line of text.split(/\r|\n/)) {
        if (line.trim() === "") continue;
        tail.push(line);
        if (tail.length > OUTPUT_TAIL_LINES) tail.shift();
        onLine?.(line);
      }
    };
    child.stdout.on("data", (c: Buffer) => keep(c, true));
    child.stderr.on("data", (c: Buffer) => keep(c, false));
    const forward = () => child.kill("SIGINT");
    process.once("SIGINT", forward);
    child.on("error", (err) => {
      process.off("SIGINT", forward);
      resolve({ code: -1, signal: null, stdout, tail: `${command}: ${err.message}` });
    });
    child.on("close", (code, signal) => {
      process.off("SIGINT", forward);
      resolve({ code, signal, stdout, tail: tail.join("\n") });
    });
  });
}
