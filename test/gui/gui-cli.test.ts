import { mkdtemp, rm } from "node:fs/promises";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startGui } from "../helpers/gui-server.js";
import { runCli, STACK_FRAME } from "../helpers/run-cli.js";

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "aios-gui-cli-"));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe("aios gui", () => {
  it("describes every option in --help", async () => {
    const r = await runCli(["gui", "--help"]);
    expect(r.code).toBe(0);
    for (const option of ["--host", "--port", "--state-file", "--config"]) {
      expect(r.stdout).toMatch(new RegExp(`${option} <\\w+>\\s+\\S`));
    }
    expect(r.stdout).toContain('default: "127.0.0.1"');
  });

  it("prints its URL, on loopback unless told otherwise, and stops on Ctrl+C", async () => {
    const gui = await startGui(dir);
    expect(new URL(gui.url).hostname).toBe("127.0.0.1");
    expect((await fetch(gui.url)).status).toBe(200);
    expect(await gui.stop()).toBe(0);
    expect(gui.output()).toContain("stopping");
  });

  it("refuses a port in use with a clear message and no stack trace", async () => {
    const blocker = createServer();
    await new Promise<void>((resolve) => blocker.listen(0, "127.0.0.1", resolve));
    const address = blocker.address();
    if (address === null || typeof address === "string") throw new Error("no port");
    try {
      const r = await runCli(["gui", "--port", String(address.port)], { cwd: dir });
      expect(r.code).toBe(2);
      expect(r.stderr).toContain(`aios: port ${address.port} on 127.0.0.1 is already in use`);
      expect(r.stderr).toContain("hint:");
      expect(r.stderr).not.toMatch(STACK_FRAME);
    } finally {
      await new Promise<void>((resolve) => blocker.close(() => resolve()));
    }
  });

  it("rejects a port that is not a port", async () => {
    const r = await runCli(["gui", "--port", "http"], { cwd: dir });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('--port = "http": must be a whole number from 0 to 65535');
  });
});
