/**
 * Conformance with the real peer: Python's `datasets.interleave_datasets` (pip, throwaway venv)
 * and an aios mixture interleave the same small sources, round robin (`probabilities=None`),
 * under each of datasets' stopping strategies, and must give exactly the same sequence.
 */
import { spawnSync } from "node:child_process";
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { resolveTrainingConfig } from "../../../src/config/training-config.js";
import { Prng } from "../../../src/core/prng.js";
import { buildBackend } from "../../../src/data/build-backend.js";
import { pythonWith } from "../../helpers/python-venv.js";
import { collect, fixtureDir } from "../fixtures.js";

const python = pythonWith("datasets", ["datasets"], "datasets");
if (!python.ok) console.warn(`skipping the interleave_datasets conformance test: ${python.reason}`);

const STRATEGIES = ["first_exhausted", "all_exhausted", "all_exhausted_without_replacement"];

const INTERLEAVE = `
import json, logging, sys
logging.disable(logging.WARNING)
from datasets import Dataset, interleave_datasets
from datasets.utils.logging import disable_progress_bar
disable_progress_bar()
spec = json.load(open(sys.argv[1]))
out = []
for case in spec["cases"]:
    got = {}
    for strategy in spec["strategies"]:
        sources = [Dataset.from_dict({"text": rows}).to_iterable_dataset() for rows in case]
        mixed = interleave_datasets(sources, stopping_strategy=strategy)
        got[strategy] = [row["text"] for row in mixed]
    out.append(got)
print(json.dumps(out))
`;

/** Source lists of 1 to 6 rows, 2 to 4 sources each, drawn from a fixed seed. */
function cases(): string[][][] {
  const prng = new Prng(21);
  return Array.from({ length: 10 }, (_, c) =>
    Array.from({ length: prng.intInclusive(2, 4) }, (_, s) =>
      Array.from({ length: prng.intInclusive(1, 6) }, (_, r) => `case${c}-s${s}-r${r}`),
    ),
  );
}

describe.skipIf(!python.ok)("round robin against datasets.interleave_datasets", () => {
  it("gives exactly datasets' sequence for every stopping strategy", async () => {
    const { root, write } = await fixtureDir();
    const all = cases();
    const specPath = join(root, "spec.json");
    await writeFile(specPath, JSON.stringify({ cases: all, strategies: STRATEGIES }));
    const run = spawnSync((python as { python: string }).python, ["-c", INTERLEAVE, specPath], {
      encoding: "utf8",
      timeout: 300_000,
    });
    expect(run.status, run.stderr).toBe(0);
    const expected = JSON.parse(run.stdout) as Record<string, string[]>[];

    for (const [c, sources] of all.entries()) {
      const files = await Promise.all(
        sources.map((rows, s) => write(`c${c}/s${s}.txt`, `${rows.join("\n")}\n`)),
      );
      for (const strategy of STRATEGIES) {
        const backend = await buildBackend(
          resolveTrainingConfig({
            dataset_mix: files.join(","),
            mix_stopping_strategy: strategy,
            shuffle: false,
          }),
        );
        const got = await collect(backend.iterText());
        expect(
          got,
          `case ${c} ${JSON.stringify(sources.map((r) => r.length))} ${strategy}`,
        ).toEqual(expected[c]?.[strategy]);
      }
    }
  });
});
