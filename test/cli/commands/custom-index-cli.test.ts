import { mkdir, mkdtemp, readdir, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { runCli, STACK_FRAME } from "../../helpers/run-cli.js";

// Issue 22 through the built CLI: a CSV larger than a block is indexed once, with its cost on
// stderr, into the cache directory (never beside the data), and reused by the next run.
const dir = await mkdtemp(join(tmpdir(), "aios-index-cli-"));
afterAll(() => rm(dir, { recursive: true, force: true }));

describe("aios data preview --shuffle of a large CSV", () => {
  it("builds the record-boundary index once, says what it cost, and reuses it", async () => {
    const data = join(dir, "data");
    const cache = join(dir, "cache");
    const records = Array.from(
      { length: 30_000 },
      (_, i) => `${i},"review ${i}, which spans\ntwo lines"`,
    );
    await mkdir(data, { recursive: true });
    const path = join(data, "reviews.csv");
    await writeFile(path, `id,text\n${records.join("\n")}\n`);
    const run = () =>
      runCli(["data", "preview", "--dataset-file", path, "--shuffle", "--samples", "3"], {
        env: { AIOS_CACHE_DIR: cache },
      });
    const first = await run();
    expect(first.code, first.stderr).toBe(0);
    expect(first.stderr).toMatch(
      /custom: indexed .*reviews\.csv \(1\.\d MiB, \d+ blocks\) in [\d.]+ s; cached in .*cache/,
    );
    expect(first.stderr).not.toMatch(STACK_FRAME);
    expect(first.stdout).toMatch(/which spans\\ntwo lines/);
    expect(await readdir(data)).toEqual(["reviews.csv"]);
    expect(await readdir(join(cache, "custom-index"))).toHaveLength(1);
    const second = await run();
    expect(second.code, second.stderr).toBe(0);
    expect(second.stderr).not.toMatch(/indexed/);
    expect(second.stdout).toBe(first.stdout);
  });
});
