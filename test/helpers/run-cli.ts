import { spawn } from "node:child_process";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

export const repoRoot = fileURLToPath(new URL("../../", import.meta.url));
/** The compiled CLI, as `npx aios` runs it (`npm test` builds it first). */
export const cliPath = fileURLToPath(new URL("../../dist/src/cli/main.js", import.meta.url));

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
  /** Killed after `timeoutMs` (then `code` is null). */
  timedOut?: boolean;
}

/**
 * Runs the built CLI; `input`, when given, is written to its stdin (else stdin is closed). With
 * `timeoutMs`, a run still going then is killed and marked `timedOut`.
 */
export function runCli(
  args: readonly string[],
  options: { cwd?: string; env?: NodeJS.ProcessEnv; input?: string; timeoutMs?: number } = {},
): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [cliPath, ...args], {
      cwd: options.cwd ?? repoRoot,
      env: { ...process.env, ...options.env },
      stdio: ["pipe", "pipe", "pipe"],
    });
    child.stdin.end(options.input ?? "");
    let timedOut = false;
    const timer =
      options.timeoutMs === undefined
        ? undefined
        : setTimeout(() => {
            timedOut = true;
            child.kill("SIGKILL");
          }, options.timeoutMs);
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (chunk: Buffer) => {
      stdout += chunk.toString();
    });
    child.stderr.on("data", (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    child.on("error", reject);
    child.on("close", (code) => {
      clearTimeout(timer);
      resolve(timedOut ? { code, stdout, stderr, timedOut } : { code, stdout, stderr });
    });
  });
}

/** A Node stack frame line: user-facing errors must not show one. */
export const STACK_FRAME = /^\s+at .+\(.+:\d+:\d+\)$/m;

/** `hrm-hf train-actv1` writing brain `name` and its metrics `name.jsonl` under `dir`. */
export function trainArgs(dir: string, name: string, extra: readonly string[]): string[] {
  return [
    "hrm-hf",
    "train-actv1",
    "--bundle-dir",
    join(dir, "brains"),
    "--brain-name",
    name,
    "--log-file",
    join(dir, `${name}.jsonl`),
    ...extra,
  ];
}

/** The records of a metrics JSONL file written by `trainArgs(dir, name, …)`. */
export async function metricsOf(dir: string, name: string): Promise<Record<string, unknown>[]> {
  const text = await readFile(join(dir, `${name}.jsonl`), "utf8");
  return text
    .trim()
    .split("\n")
    .map((line) => JSON.parse(line) as Record<string, unknown>);
}

/** The `"step"` records of such a file (a resumed run also writes a `"resume"` record). */
export async function stepRecordsOf(dir: string, name: string): Promise<Record<string, unknown>[]> {
  return (await metricsOf(dir, name)).filter((record) => record.event === "step");
}
