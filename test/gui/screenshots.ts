/**
 * Takes the README's screenshots of the GUI (`docs/gui-*.png`), one per dataset backend, from a
 * real server and a real headless Chromium: `npm run screenshots:gui` (builds first).
 * Not a test: the pictures are looked at by people, so nothing here asserts.
 */
import { copyFile, mkdir, mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Page } from "playwright-core";
import { chromiumMissing, launchChromium } from "../helpers/chromium.js";
import { startGui } from "../helpers/gui-server.js";
import { repoRoot, runCli } from "../helpers/run-cli.js";

const WAIT_MS = 120_000;

async function fill(page: Page, values: readonly [string, string][]): Promise<void> {
  for (const [label, value] of values) await page.getByLabel(label, { exact: true }).fill(value);
}

async function waitForText(page: Page, selector: string, pattern: RegExp): Promise<void> {
  await page.locator(selector, { hasText: pattern }).waitFor({ timeout: WAIT_MS });
}

async function main(): Promise<void> {
  if (chromiumMissing !== null) throw new Error(chromiumMissing);
  const dir = await mkdtemp(join(tmpdir(), "aios-screens-"));
  await mkdir(join(dir, "data"));
  await copyFile(join(repoRoot, "examples", "data", "sample.txt"), join(dir, "data", "sample.txt"));
  const shards = await runCli(
    [
      "data",
      "make-shards",
      "--dataset-file",
      "data/sample.txt",
      "--out",
      "shards",
      "--max-samples",
      "20",
    ],
    { cwd: dir },
  );
  const pattern = /--wds-pattern "([^"]+)"/.exec(shards.stdout)?.[1];
  if (pattern === undefined) throw new Error(`make-shards failed:\n${shards.stderr}`);
  await runCli(
    ["memory", "vs-upsert", "--random", "1000", "--dim", "64", "--collection", "traces"],
    {
      cwd: dir,
    },
  );

  const gui = await startGui(dir);
  const browser = await launchChromium();
  try {
    const page = await browser.newPage({ viewport: { width: 1400, height: 940 } });
    await page.goto(gui.url);
    await page.locator("body[data-ready=true]").waitFor();
    const out = (name: string) => join(repoRoot, "docs", `gui-${name}.png`);

    // custom: a short run of a small model, with both estimators and the memory view filled.
    await page.getByLabel("Dataset file/dir or URI").fill("data/sample.txt");
    await fill(page, [
      ["Steps", "30"],
      ["Batch size", "4"],
      ["Max sequence length", "32"],
      ["Learning rate", "0.003"],
      ["Hidden size", "64"],
      ["Num heads", "4"],
    ]);
    await page.getByRole("button", { name: "Estimate dataset" }).click();
    await waitForText(page, "#dataset-estimate", /tokens per sample/);
    await page.getByRole("button", { name: "Estimate memory" }).click();
    await waitForText(page, "#memory-estimate", /Parameters/);
    await page.getByLabel("Collection", { exact: true }).fill("traces");
    await page.getByRole("button", { name: "Refresh" }).click();
    await waitForText(page, "#memory-count", /1,000/);
    for (let seed = 0; seed < 5; seed++) {
      await page.getByRole("button", { name: "Query random vector" }).click();
      await waitForText(page, "#memory-p95", new RegExp(`\\(${seed + 1} queries\\)`));
    }
    await page.getByRole("button", { name: "Start training" }).click();
    await waitForText(page, "#run-status", /^(Finished|Failed)/);
    await page.screenshot({ path: out("custom"), fullPage: true });

    // hf: the fields a pasted hf:// URI fills in, validated.
    await page
      .getByLabel("Dataset file/dir or URI")
      .fill("hf://wikitext:wikitext-103-raw-v1:train");
    await page.getByRole("button", { name: "Validate" }).click();
    await waitForText(page, "#validate-result", /Valid/);
    await page.getByRole("button", { name: "Estimate memory" }).click();
    await waitForText(page, "#memory-estimate", /Parameters/);
    await page.screenshot({ path: out("hf"), fullPage: true });

    // webdataset: shards written by `aios data make-shards`, previewed.
    await page.getByLabel("Dataset backend").selectOption("webdataset");
    await page.getByLabel("Pattern", { exact: true }).fill(pattern);
    await page.getByRole("button", { name: "Estimate dataset" }).click();
    await waitForText(page, "#dataset-estimate", /tokens per sample/);
    await page.getByRole("button", { name: "Estimate memory" }).click();
    await waitForText(page, "#memory-estimate", /Parameters/);
    await page.screenshot({ path: out("webdataset"), fullPage: true });
    process.stdout.write(`wrote ${["custom", "hf", "webdataset"].map(out).join(", ")}\n`);
  } finally {
    await browser.close();
    await gui.stop();
    await rm(dir, { recursive: true, force: true });
  }
}

await main();
