import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { chromiumMissing, launchChromium } from "../helpers/chromium.js";
import { type RunningGui, startGui } from "../helpers/gui-server.js";
import { repoRoot, runCli } from "../helpers/run-cli.js";
import { TINY_MODEL_FLAGS } from "../helpers/tiny-model.js";

const WAIT = { timeout: 120_000, interval: 100 };

if (chromiumMissing !== null) {
  process.stderr.write(`skipping the "Try the brain" browser test: ${chromiumMissing}\n`);
}

describe.skipIf(chromiumMissing !== null)("Try the brain, in headless Chromium", () => {
  let dir: string;
  let gui: RunningGui;
  let chromium: Browser;
  let page: Page;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "aios-gui-brain-"));
    const trained = await runCli(
      [
        "hrm-hf",
        "train-actv1",
        "--dataset-file",
        join(repoRoot, "examples/data/sample.txt"),
        "--steps",
        "2",
        "--batch-size",
        "2",
        "--bundle-dir",
        "bundles",
        "--brain-name",
        "tiny",
        "--log-file",
        "m.jsonl",
        ...TINY_MODEL_FLAGS,
      ],
      { cwd: dir },
    );
    expect(trained.code, trained.stderr).toBe(0);
    [gui, chromium] = await Promise.all([startGui(dir), launchChromium()]);
    page = await chromium.newPage({ viewport: { width: 1400, height: 1200 } });
    await page.goto(gui.url);
    await page.locator("body[data-ready=true]").waitFor();
  });

  afterAll(async () => {
    await chromium?.close();
    await gui?.stop();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it("streams the text the CLI generates for the same prompt and seed", async () => {
    const cli = await runCli(
      [
        "hrm-hf",
        "generate",
        "--bundle-dir",
        "bundles",
        "--brain-name",
        "tiny",
        "--prompt",
        "The river",
        "--max-new-tokens",
        "8",
        "--seed",
        "5",
        "--json",
      ],
      { cwd: dir },
    );
    expect(cli.code, cli.stderr).toBe(0);
    const expected = (JSON.parse(cli.stdout) as { text: string }).text;

    await page.getByLabel("Brain to try").fill("tiny");
    await page.getByLabel("Its bundle dir").fill("bundles");
    await page.getByLabel("Prompt", { exact: true }).fill("The river");
    await page.getByLabel("Max new tokens", { exact: true }).fill("8");
    await page.getByLabel("Sampling seed").fill("5");
    // Count the separate pieces of text the page appends: more than one means it streamed.
    // A string: the test's type check has no DOM library.
    await page.evaluate(`
      window.pieces = 0;
      new MutationObserver((records) => {
        window.pieces += records.filter((r) => r.addedNodes.length > 0).length;
      }).observe(document.getElementById("brain-output"), { childList: true });
    `);
    await page.getByRole("button", { name: "Generate" }).click();
    await expect
      .poll(() => page.locator("#brain-status").textContent(), WAIT)
      .toMatch(/^Done: 8 tokens/);
    expect(await page.locator("#brain-output").textContent()).toBe(expected);
    expect(await page.evaluate("window.pieces")).toBeGreaterThan(1);
  });

  it("shows the CLI's message for a brain that does not exist", async () => {
    await page.getByLabel("Brain to try").fill("missing");
    await page.getByRole("button", { name: "Generate" }).click();
    await expect
      .poll(() => page.locator("#brain-status").textContent(), WAIT)
      .toMatch(/no brain "missing"/);
    expect(await page.locator("#brain-output").textContent()).toBe("");
  });
});
