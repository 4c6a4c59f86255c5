import { createServer, type Server } from "node:http";
import { fileURLToPath } from "node:url";
import type { VectorStoreConfig } from "../config/memory-config.js";
import { AiosError, errnoCode } from "../core/errors.js";
import { MemoryView } from "./memory-view.js";
import { handleRequest } from "./routes.js";
import { GuiStateStore } from "./state-store.js";
import { TrainingRunner } from "./training-runner.js";

export interface GuiServerOptions {
  readonly host: string;
  /** 0 picks a free port. */
  readonly port: number;
  readonly stateFile: string;
  /** The CLI entry that training runs execute (`dist/src/cli/main.js`). */
  readonly cliPath: string;
  /** The vector store settings (`memory.vector_store`) of the memory view. */
  readonly vectorStore: VectorStoreConfig;
  /** Where relative paths of runs resolve (default: the process's cwd). */
  readonly cwd?: string;
  /** The page's compiled modules (default: `dist/page` next to this module's `dist/src`). */
  readonly assetDir?: string;
}

export interface GuiServer {
  readonly url: string;
  /** Stops a training run in progress (gracefully), then the server. */
  close(): Promise<void>;
}

const LOOPBACK_NAMES = new Set(["127.0.0.1", "localhost", "::1"]);

const DEFAULT_ASSETS = fileURLToPath(new URL("../../page/", import.meta.url));

/** `aios gui`: the training panel and memory view, served on `host:port`. */
export async function startGuiServer(options: GuiServerOptions): Promise<GuiServer> {
  const cwd = options.cwd ?? process.cwd();
  const runner = new TrainingRunner({ cliPath: options.cliPath, cwd });
  const memory = new MemoryView(options.vectorStore);
  const ctx = {
    state: new GuiStateStore(
      options.stateFile,
      options.vectorStore.backend === "disabled" ? "lancedb" : options.vectorStore.backend,
    ),
    runner,
    memory,
    assetDir: options.assetDir ?? DEFAULT_ASSETS,
    allowedHosts: LOOPBACK_NAMES.has(options.host) ? new Set<string>() : null,
    cliPath: options.cliPath,
    cwd,
  };
  const server = createServer((req, res) => void handleRequest(ctx, req, res));
  await listen(server, options.host, options.port);
  const address = server.address();
  if (address === null || typeof address === "string") throw new Error("server has no address");
  const host = address.family === "IPv6" ? `[${address.address}]` : address.address;
  for (const name of ["127.0.0.1", "localhost", "[::1]"])
    ctx.allowedHosts?.add(`${name}:${address.port}`);
  return {
    url: `http://${host}:${address.port}/`,
    async close() {
      await runner.close();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await memory.close();
    },
  };
}

function listen(server: Server, host: string, port: number): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once("error", (error) => {
      const code = errnoCode(error);
      if (code === "EADDRINUSE") {
        reject(
          new AiosError("IO", `port ${port} on ${host} is already in use`, {
            hint: "stop the program using it, or pass --port with another port (--port 0 picks a free one)",
          }),
        );
      } else if (code === "EADDRNOTAVAIL" || code === "ENOTFOUND") {
        reject(
          new AiosError("IO", `cannot listen on ${host}: no such local address`, {
            hint: "pass --host 127.0.0.1 (this machine only) or an address of this machine",
          }),
        );
      } else reject(error);
    });
    server.listen(port, host, () => resolve());
  });
}
