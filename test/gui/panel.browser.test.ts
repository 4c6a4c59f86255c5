import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { chromiumMissing, launchChromium } from "../helpers/chromium.js";
import { type RunningGui, startGui } from "../helpers/gui-server.js";
import { repoRoot, runCli } from "../helpers/run-cli.js";

/** Waits for the page's asynchronous work (saving, validating, training) to show, not for time. */
const WAIT = { timeout: 120_000, interval: 100 };

if (chromiumMissing !== null) {
  process.stderr.write(`skipping the GUI browser tests: ${chromiumMissing}\n`);
}

describe.skipIf(chromiumMissing !== null)("aios gui in headless Chromium", () => {
  let dir: string;
  let gui: RunningGui;
  let chromium: Browser;
  let page: Page;

  async function openPage(): Promise<void> {
    await page.goto(gui.url);
    await page.locator("body[data-ready=true]").waitFor();
  }

  async function saved(): Promise<void> {
    await expect.poll(() => page.locator("#save-status").textContent(), WAIT).toBe("Saved");
  }

  const visible = (label: string) => page.getByLabel(label, { exact: true }).isVisible();

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "aios-gui-"));
    [gui, chromium] = await Promise.all([startGui(dir), launchChromium()]);
    page = await chromium.newPage({ viewport: { width: 1400, height: 1000 } });
    await openPage();
  });

  afterAll(async () => {
    await chromium?.close();
    await gui?.stop();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it("shows the fields of the selected dataset backend and hides the others", async () => {
    const backend = page.getByLabel("Dataset backend");
    const hfFields = [
      "Name",
      "Config",
      "Split",
      "Revision",
      "Data dir",
      "Data files",
      "Row shuffle buffer",
      "Streaming",
      "Cache dir",
    ];
    const wdsFields = ["Pattern", "Resampled", "Shuffle buffer", "Decode", "Key"];

    await backend.selectOption("custom");
    for (const label of [...hfFields, ...wdsFields])
      expect(await visible(label), label).toBe(false);

    await backend.selectOption("hf");
    for (const label of hfFields) expect(await visible(label), label).toBe(true);
    for (const label of wdsFields) expect(await visible(label), label).toBe(false);

    await backend.selectOption("webdataset");
    for (const label of hfFields) expect(await visible(label), label).toBe(false);
    for (const label of wdsFields) expect(await visible(label), label).toBe(true);
    expect(await visible("Dataset file/dir or URI")).toBe(true);
  });

  it("fills the hf fields from a pasted hf:// URI, and keeps the URI in step with them", async () => {
    const dataset = page.getByLabel("Dataset file/dir or URI");
    await dataset.fill("hf://wikitext:wikitext-2-raw-v1:validation");
    expect(await page.getByLabel("Dataset backend").inputValue()).toBe("hf");
    expect(await page.getByLabel("Name", { exact: true }).inputValue()).toBe("wikitext");
    expect(await page.getByLabel("Config", { exact: true }).inputValue()).toBe("wikitext-2-raw-v1");
    expect(await page.getByLabel("Split", { exact: true }).inputValue()).toBe("validation");
    expect(await visible("Streaming")).toBe(true);

    await page.getByLabel("Split", { exact: true }).fill("test");
    expect(await dataset.inputValue()).toBe("hf://wikitext:wikitext-2-raw-v1:test");

    await dataset.fill("wds://shards/shard-{000..009}.tar");
    expect(await page.getByLabel("Dataset backend").inputValue()).toBe("webdataset");
    expect(await page.getByLabel("Pattern", { exact: true }).inputValue()).toBe(
      "shards/shard-{000..009}.tar",
    );
    await saved();
  });

  it("shows the missing-pattern error of the CLI's validation next to the Pattern field", async () => {
    await page.getByLabel("Dataset backend").selectOption("webdataset");
    await page.getByLabel("Pattern", { exact: true }).fill("");
    await page.getByRole("button", { name: "Validate" }).click();
    const error = page.locator("#error-wds_pattern");
    await expect
      .poll(() => error.textContent(), WAIT)
      .toContain("is required with --dataset-backend webdataset");
    // Next to its field: inside the Pattern field's own block, and announced as its description.
    expect(await page.locator(".field[data-key=wds_pattern] #error-wds_pattern").count()).toBe(1);
    const pattern = page.getByLabel("Pattern", { exact: true });
    expect(await pattern.getAttribute("aria-invalid")).toBe("true");
    expect(await pattern.getAttribute("aria-describedby")).toContain("error-wds_pattern");
  });

  it("keeps every field and the chosen backend across a server restart", async () => {
    await page.getByLabel("Dataset file/dir or URI").fill("hf://imdb:plain_text:train");
    await page.getByLabel("Streaming").uncheck();
    await page.getByLabel("Steps", { exact: true }).fill("7");
    await page.getByLabel("Learning rate").fill("0.0005");
    await saved();

    await gui.stop();
    gui = await startGui(dir);
    await openPage();

    expect(await page.getByLabel("Dataset backend").inputValue()).toBe("hf");
    expect(await page.getByLabel("Dataset file/dir or URI").inputValue()).toBe(
      "hf://imdb:plain_text:train",
    );
    expect(await page.getByLabel("Name", { exact: true }).inputValue()).toBe("imdb");
    expect(await page.getByLabel("Streaming").isChecked()).toBe(false);
    expect(await page.getByLabel("Steps", { exact: true }).inputValue()).toBe("7");
    expect(await page.getByLabel("Learning rate").inputValue()).toBe("0.0005");
    expect(await visible("Pattern")).toBe(false);
    const state = JSON.parse(await readFile(join(dir, "artifacts", "gui", "state.json"), "utf8"));
    expect(state.training.dataset_backend).toBe("hf");
  });

  it("edits a dataset mixture as rows of source + weight, validated and kept like every field", async () => {
    const add = page.getByRole("button", { name: "Sources and weights: add a source" });
    const sources = page.locator(".mix-row");
    await page.getByLabel("Dataset file/dir or URI").fill("");
    await add.click();
    await sources.nth(0).getByLabel("Source").fill("data/a.txt");
    await sources.nth(0).getByLabel("Weight").fill("0.7");
    await add.click();
    await sources.nth(1).getByLabel("Source").fill("wds://s-{0,1}.tar");
    await sources.nth(1).getByLabel("Weight").fill("-3");
    expect(await page.locator("#field-dataset_mix").inputValue()).toBe(
      "data/a.txt=0.7,wds://s-{0,1}.tar=-3",
    );
    await page.getByRole("button", { name: "Validate" }).click();
    await expect
      .poll(() => page.locator("#error-dataset_mix").textContent(), WAIT)
      .toContain('source 2 (wds://s-{0,1}.tar): weight "-3" is not a positive number');

    await sources.nth(1).getByLabel("Weight").fill("0.3");
    expect(await page.locator("#field-dataset_mix").inputValue()).toBe(
      "data/a.txt=0.7,wds://s-{0,1}.tar=0.3",
    );
    await page.getByLabel("Stopping strategy").selectOption("all_exhausted");
    await saved();
    await openPage();
    expect(await sources.count()).toBe(2);
    expect(await sources.nth(1).getByLabel("Source").inputValue()).toBe("wds://s-{0,1}.tar");
    expect(await sources.nth(1).getByLabel("Weight").inputValue()).toBe("0.3");
    expect(await page.getByLabel("Stopping strategy").inputValue()).toBe("all_exhausted");

    // Removing every row leaves no mixture: one dataset again.
    for (let n = await sources.count(); n > 0; n--)
      await sources.nth(0).getByRole("button", { name: "Remove" }).click();
    expect(await page.locator("#field-dataset_mix").inputValue()).toBe("");
    await page.getByLabel("Stopping strategy").selectOption("endless");
    await saved();
  });

  it("runs a 2-step training from the page: live metrics, and 2 records in the CLI's JSONL", async () => {
    const logFile = join(dir, "gui-run.jsonl");
    await page.getByLabel("Dataset backend").selectOption("custom");
    await page
      .getByLabel("Dataset file/dir or URI")
      .fill(join(repoRoot, "examples", "data", "sample.txt"));
    const set: [string, string][] = [
      ["Steps", "2"],
      ["Batch size", "2"],
      ["Max sequence length", "16"],
      ["Hidden size", "32"],
      ["Num heads", "2"],
      ["Log file", logFile],
      ["Brain name", "gui-test"],
    ];
    for (const [label, value] of set) await page.getByLabel(label, { exact: true }).fill(value);
    await saved();
    await page.getByRole("button", { name: "Start training" }).click();
    await expect
      .poll(() => page.locator("#run-status").textContent(), WAIT)
      .toMatch(/^(Finished|Failed)/);
    expect(await page.locator("#run-output").textContent()).toBe("");
    expect(await page.locator("#run-status").textContent()).toContain("Finished");
    expect(await page.locator("#metric-step").textContent()).toBe("2");
    expect(Number(await page.locator("#metric-loss").textContent())).toBeGreaterThan(0);
    expect(await page.locator("#metric-tokens-per-s").textContent()).not.toBe("–");
    expect(await page.locator("#metric-data-wait").textContent()).toMatch(/%$/);
    expect(await page.locator("#loss-chart").getAttribute("aria-label")).toContain("2 steps");

    const lines = (await readFile(logFile, "utf8")).trim().split("\n");
    const records = lines.map((line) => JSON.parse(line) as { event: string; step: number });
    expect(records.map((r) => [r.event, r.step])).toEqual([
      ["step", 1],
      ["step", 2],
    ]);
  });

  it("stops a run from the page: Stop ends it after the current step", async () => {
    await page.getByLabel("Steps", { exact: true }).fill("500");
    await page.getByLabel("Brain name", { exact: true }).fill("gui-stop");
    await page.getByRole("button", { name: "Start training" }).click();
    const stop = page.getByRole("button", { name: "Stop" });
    await expect.poll(() => page.locator("#run-status").textContent(), WAIT).toMatch(/^Running/);
    await expect.poll(() => page.locator("#metric-step").textContent(), WAIT).toMatch(/^\d+$/);
    expect(await stop.isEnabled()).toBe(true);
    await stop.click();
    await expect
      .poll(() => page.locator("#run-status").textContent(), WAIT)
      .toMatch(/^(Stopped|Finished|Failed)/);
    expect(await page.locator("#run-status").textContent()).toContain("Stopped");
    expect(await page.getByRole("button", { name: "Start training" }).isEnabled()).toBe(true);
  });

  it("shows the count of a collection filled through the CLI, and query latencies", async () => {
    const filled = await runCli(
      ["memory", "vs-upsert", "--random", "25", "--dim", "8", "--collection", "guitest"],
      { cwd: dir },
    );
    expect(filled.code, filled.stderr).toBe(0);
    await page.getByLabel("Vector store backend").selectOption("lancedb");
    await page.getByLabel("Collection", { exact: true }).fill("guitest");
    await page.getByRole("button", { name: "Refresh" }).click();
    await expect.poll(() => page.locator("#memory-count").textContent(), WAIT).toBe("25");
    expect(await page.locator("#memory-dimension").textContent()).toBe("8");
    expect(await page.locator("#memory-storage").textContent()).toMatch(/B$/);

    await page.getByLabel("Record id").fill("random-3");
    await page.getByRole("button", { name: "Query by id" }).click();
    await expect.poll(() => page.locator("#memory-results tr").count(), WAIT).toBe(5);
    expect(
      await page.locator("#memory-results tr").first().locator("td").nth(1).textContent(),
    ).toBe("random-3");
    await page.getByRole("button", { name: "Query random vector" }).click();
    await expect
      .poll(() => page.locator("#memory-p95").textContent(), WAIT)
      .toContain("(2 queries)");
    expect(await page.locator("#memory-p50").textContent()).toMatch(/ms$/);
  });

  it("can be driven from the keyboard: Tab to the backend dropdown, arrows change it, Enter validates", async () => {
    await page.getByLabel("Dataset file/dir or URI").focus();
    await page.keyboard.press("Tab");
    expect(await page.locator(":focus").getAttribute("id")).toBe("field-dataset_backend");
    await page.getByLabel("Dataset backend").selectOption("custom");
    await page.getByLabel("Dataset backend").focus();
    await page.keyboard.press("ArrowDown");
    expect(await page.getByLabel("Dataset backend").inputValue()).toBe("hf");
    expect(await visible("Name")).toBe(true);

    await page.getByLabel("Name", { exact: true }).fill("");
    await page.getByLabel("Name", { exact: true }).press("Enter");
    await expect
      .poll(() => page.locator("#error-hf_name").textContent(), WAIT)
      .toContain("is required with --dataset-backend hf");
  });
});
