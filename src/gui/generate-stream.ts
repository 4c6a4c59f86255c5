import { spawn } from "node:child_process";
import type { ServerResponse } from "node:http";
import type { GenerateLine } from "./api-types.js";

/** What the "Try the brain" box asks for; the flags of `aios hrm-hf generate`. */
export interface GenerateRequest {
  readonly brainName: string;
  readonly bundleDir: string;
  readonly prompt: string;
  readonly maxNewTokens: string;
  readonly temperature: string;
  readonly topK: string;
  readonly topP: string;
  readonly seed: string;
  /** One stop string, or empty for none. */
  readonly stop: string;
}

/**
 * Runs `aios hrm-hf generate` as a child process (generation is synchronous TF work that would
 * stall the server) and relays its stdout to `res` as NDJSON as it arrives; the CLI's own
 * validation and exit-2 messages become the `error` line. The child dies with the request.
 */
export function streamGeneration(
  cliPath: string,
  cwd: string,
  request: GenerateRequest,
  res: ServerResponse,
): void {
  const flags: string[] = [
    "hrm-hf",
    "generate",
    "--brain-name",
    request.brainName,
    "--bundle-dir",
    request.bundleDir,
    `--prompt=${request.prompt}`,
    "--max-new-tokens",
    request.maxNewTokens,
    "--temperature",
    request.temperature,
    "--top-k",
    request.topK,
    "--top-p",
    request.topP,
    "--seed",
    request.seed,
  ];
  if (request.stop !== "") flags.push(`--stop=${request.stop}`);
  const child = spawn(process.execPath, [cliPath, ...flags], {
    cwd,
    stdio: ["ignore", "pipe", "pipe"],
  });
  res.writeHead(200, {
    "content-type": "application/x-ndjson; charset=utf-8",
    "cache-control": "no-cache",
  });
  const send = (line: GenerateLine) => res.write(`${JSON.stringify(line)}\n`);
  let stderr = "";
  // The CLI ends the streamed text with one newline of its own.
  let held = "";
  child.stdout.setEncoding("utf8");
  child.stdout.on("data", (chunk: string) => {
    const text = held + chunk;
    held = text.endsWith("\n") ? "\n" : "";
    const out = held === "" ? text : text.slice(0, -1);
    if (out !== "") send({ text: out });
  });
  child.stderr.setEncoding("utf8");
  child.stderr.on("data", (chunk: string) => {
    stderr += chunk;
  });
  res.on("close", () => {
    if (child.exitCode === null) child.kill();
  });
  child.on("close", (code) => {
    const lines = stderr.trim().split("\n");
    if (code === 0) send({ done: { summary: lines.at(-1) ?? "" } });
    else {
      const message = lines.find((l) => l.startsWith("aios: "))?.slice(6) ?? stderr.trim();
      const hint = lines.find((l) => l.startsWith("hint: "))?.slice(6) ?? null;
      send({ error: { message: message || `generation exited with ${code}`, hint } });
    }
    res.end();
  });
}
