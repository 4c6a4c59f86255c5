/**
 * Issue 22's bound: reading a local file shuffled holds memory that does not grow with the
 * file. A ~1 GB and a 10 MB text file are generated; a child process (so that its peak resident
 * memory is its own) reads each shuffled — the small one whole, the large one for 1.5M samples,
 * over several windows — and reports its peak RSS. The old in-memory shuffle held the whole
 * 1 GB file's text before the first sample.
 */
import { spawn } from "node:child_process";
import { mkdtemp, open, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { repoRoot } from "../../helpers/run-cli.js";

const MB = 1e6;
const dir = await mkdtemp(join(tmpdir(), "aios-memory-"));
afterAll(() => rm(dir, { recursive: true, force: true }));

/** `bytes` of ~80-byte lines, each unique, written a 1 MB chunk at a time. */
async function writeLines(path: string, bytes: number): Promise<void> {
  const file = await open(path, "w");
  try {
    let line = 0;
    for (let written = 0; written < bytes; ) {
      const lines: string[] = [];
      for (let size = 0; size < MB; ) {
        const text = `sample ${line++} ${"lorem ipsum dolor sit amet ".repeat(3).slice(0, 40 + (line % 50))}`;
        lines.push(text);
        size += text.length + 1;
      }
      const chunk = Buffer.from(`${lines.join("\n")}\n`);
      await file.write(chunk);
      written += chunk.length;
    }
  } finally {
    await file.close();
  }
}

interface ReadReport {
  readonly samples: number;
  readonly peakRss: number;
}

function readInChild(path: string, samples: number): Promise<ReadReport> {
  return new Promise((resolve, reject) => {
    const child = spawn(
      process.execPath,
      [
        "--import",
        "tsx",
        "test/helpers/read-custom-backend.ts",
        path,
        "--samples",
        String(samples),
      ],
      { cwd: repoRoot, stdio: ["ignore", "pipe", "inherit"] },
    );
    let out = "";
    child.stdout.on("data", (chunk: Buffer) => {
      out += chunk.toString();
    });
    child.on("error", reject);
    child.on("close", (code) => {
      if (code !== 0) reject(new Error(`reader exited with ${code}`));
      else resolve(JSON.parse(out) as ReadReport);
    });
  });
}

describe("custom backend shuffle: memory", () => {
  it("stays within a bound independent of the file's size", { timeout: 120_000 }, async () => {
    const smallPath = join(dir, "small.txt");
    const largePath = join(dir, "large.txt");
    await writeLines(smallPath, 10 * MB);
    const small = await readInChild(smallPath, 0);
    await rm(smallPath);
    await writeLines(largePath, 1000 * MB);
    const large = await readInChild(largePath, 1_500_000);
    await rm(largePath);
    expect(small.samples).toBeGreaterThan(100_000);
    expect(large.samples).toBe(1_500_000);
    // Printed for the record: the bound is what is asserted.
    process.stderr.write(
      `peak RSS: 10 MB file ${(small.peakRss / MB).toFixed(0)} MB, 1 GB file ${(large.peakRss / MB).toFixed(0)} MB\n`,
    );
    expect(large.peakRss - small.peakRss).toBeLessThan(250 * MB);
    expect(large.peakRss).toBeLessThan(500 * MB);
  });
});
