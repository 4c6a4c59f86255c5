import { fileURLToPath } from "node:url";
import type { Command } from "commander";
import { loadMemoryConfig } from "../../config/load-config.js";
import { AiosError } from "../../core/errors.js";
import { startGuiServer } from "../../gui/server.js";
import { DEFAULT_STATE_FILE } from "../../gui/state-store.js";

const DEFAULT_PORT = 8765;
const LOOPBACK = new Set(["127.0.0.1", "::1", "localhost"]);

interface GuiOptions {
  host: string;
  port: number;
  stateFile: string;
  config?: string;
}

export function registerGui(program: Command): void {
  program
    .command("gui")
    .description(
      "serve the web GUI: the HRM training panel (validate, estimate, start/stop training with live metrics) and the vector memory view; prints its URL",
    )
    .option(
      "--host <address>",
      "address to listen on; the default serves this machine only (anyone who can reach another address can start training)",
      "127.0.0.1",
    )
    .option("--port <n>", "TCP port; 0 picks a free one", parsePort, DEFAULT_PORT)
    .option(
      "--state-file <file>",
      "where the panel's fields and choices are kept across reloads and restarts",
      DEFAULT_STATE_FILE,
    )
    .option(
      "--config <file>",
      "YAML config file whose memory.vector_store section configures the memory view's drivers",
    )
    .action(async (options: GuiOptions) => {
      const port = options.port;
      const memory = await loadMemoryConfig(options.config ?? null);
      const server = await startGuiServer({
        host: options.host,
        port,
        stateFile: options.stateFile,
        cliPath: fileURLToPath(new URL("../main.js", import.meta.url)),
        vectorStore: memory.vector_store,
      });
      if (!LOOPBACK.has(options.host)) {
        process.stderr.write(
          `warning: listening on ${options.host}: anyone who can reach it can start training and read the memory store\n`,
        );
      }
      process.stdout.write(`aios gui: serving ${server.url} (Ctrl+C stops)\n`);
      await new Promise<void>((resolve) => {
        const stop = () => resolve();
        process.once("SIGINT", stop);
        process.once("SIGTERM", stop);
      });
      process.stdout.write("aios gui: stopping\n");
      await server.close();
    });
}

function parsePort(raw: string): number {
  const port = Number(raw);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new AiosError(
      "CONFIG_INVALID",
      `--port = ${JSON.stringify(raw)}: must be a whole number from 0 to 65535`,
      {
        hint: `e.g. --port ${DEFAULT_PORT}, or --port 0 for any free port`,
      },
    );
  }
  return port;
}
