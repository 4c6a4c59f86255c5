/**
 * A child process for memory measurements (test/data/custom/memory.test.ts, bench/custom.ts):
 * opens the custom backend on a path, reads `--samples N` samples (0: one epoch) shuffled or
 * not, and prints one JSON line: time to the first sample and to the end (ms), samples read,
 * and the process's peak resident memory (bytes, from getrusage). Runs as
 * `node --import tsx test/helpers/read-custom-backend.ts PATH [--samples N] [--no-shuffle]`.
 */
import { parseArgs } from "node:util";
import { openCustomBackend } from "../../src/data/custom/custom-backend.js";

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    samples: { type: "string", default: "0" },
    "no-shuffle": { type: "boolean", default: false },
    "cache-dir": { type: "string" },
  },
});
const path = positionals[0];
if (path === undefined) throw new Error("usage: read-custom-backend.ts PATH [--samples N]");
const limit = Number(values.samples);
const started = performance.now();
const backend = await openCustomBackend({
  path,
  shuffle: !values["no-shuffle"],
  seed: 1,
  cacheDir: values["cache-dir"],
});
let firstMs: number | null = null;
let samples = 0;
for await (const _text of backend.iterText()) {
  firstMs ??= performance.now() - started;
  if (++samples === limit) break;
}
process.stdout.write(
  `${JSON.stringify({
    firstMs,
    totalMs: performance.now() - started,
    samples,
    peakRss: process.resourceUsage().maxRSS * 1024,
  })}\n`,
);
