import { type ChildProcess, spawn } from "node:child_process";
import { cliPath } from "./run-cli.js";

export interface RunningGui {
  readonly url: string;
  readonly child: ChildProcess;
  /** Everything the server printed so far. */
  output(): string;
  /** Ctrl+C, as a user would stop it; resolves with the exit code. */
  stop(): Promise<number | null>;
}

/** `aios gui --port 0 ...` in `cwd`, resolved once it prints its URL. */
export function startGui(cwd: string, extra: readonly string[] = []): Promise<RunningGui> {
  const child = spawn(process.execPath, [cliPath, "gui", "--port", "0", ...extra], {
    cwd,
    stdio: ["ignore", "pipe", "pipe"],
  });
  let text = "";
  const exited = new Promise<number | null>((resolve) => child.on("close", resolve));
  return new Promise((resolve, reject) => {
    const onData = (chunk: Buffer) => {
      text += chunk.toString();
      const match = /serving (http:\/\/\S+)/.exec(text);
      if (match?.[1] !== undefined) {
        resolve({
          url: match[1],
          child,
          output: () => text,
          stop: async () => {
            if (child.exitCode === null) child.kill("SIGINT");
            return exited;
          },
        });
      }
    };
    child.stdout?.on("data", onData);
    child.stderr?.on("data", (chunk: Buffer) => {
      text += chunk.toString();
    });
    void exited.then((code) =>
      reject(new Error(`aios gui exited (${code}) before serving:\n${text}`)),
    );
  });
}
