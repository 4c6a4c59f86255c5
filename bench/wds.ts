/**
 * `npm run bench:wds`: WebDataset shard reading speed. Writes a few hundred MB of shards (small
 * and large samples), then reads them with the aios webdataset backend and, in the same run,
 * with `cat` (the disk / page-cache limit) and Python's tarfile in streaming mode (what the
 * Python webdataset library does under the hood). Prints a table; deletes its shards.
 */
import { spawnSync } from "node:child_process";
import { mkdtemp, readFile, rm, stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { resolveShards } from "../src/data/webdataset/shard-list.js";
import { WebDatasetBackend } from "../src/data/webdataset/webdataset-backend.js";
import { writeShards } from "../src/data/webdataset/write-shards.js";

const PYTHON_READER = `
import sys, tarfile, time
decode = sys.argv[1] == "text"
t0 = time.perf_counter(); n = 0; size = 0
for path in sys.argv[2:]:
    with tarfile.open(path, mode="r|") as tar:
        for member in tar:
            if member.isfile():
                data = tar.extractfile(member).read()
                if decode: data.decode("utf-8")
                n += 1; size += len(data)
print(n, size, time.perf_counter() - t0)
`;

interface Row {
  readonly name: string;
  readonly samples: number;
  readonly mb: number;
  readonly seconds: number;
}

function log(line: string): void {
  process.stderr.write(`[bench:wds] ${line}\n`);
}

async function corpus(): Promise<string> {
  const shared = join(import.meta.dirname, "..", "..", "..", "shared", "datasets");
  // A missing file fails the run: a silently smaller corpus would change what is measured.
  const parts = await Promise.all(
    ["wikitext-2-v1/test.txt", "wikitext-2-v1/valid.txt", "tinyshakespeare/input.txt"].map((p) =>
      readFile(join(shared, p), "utf8").catch((error: unknown) => {
        throw new Error(
          `bench:wds needs ${join(shared, p)} (../shared/datasets): ${String(error)}`,
        );
      }),
    ),
  );
  return parts.join("\n");
}

async function* samplesOf(
  text: string,
  sampleChars: number,
  totalBytes: number,
): AsyncGenerator<string> {
  let written = 0;
  for (let at = 0; written < totalBytes; at = (at + sampleChars) % (text.length - sampleChars)) {
    const sample = text.slice(at, at + sampleChars);
    written += Buffer.byteLength(sample);
    yield sample;
  }
}

async function readWithAios(pattern: string, decode: boolean): Promise<Row> {
  const backend = new WebDatasetBackend({
    pattern,
    shards: resolveShards(pattern, "raise", log),
    key: "txt",
    decode: "text",
    shuffle: 0,
    resampled: false,
    seed: 0,
    rank: 0,
    worldSize: 1,
    onError: "raise",
    warn: log,
  });
  const t0 = performance.now();
  let samples = 0;
  let bytes = 0;
  if (decode) {
    for await (const text of backend.iterText()) {
      samples += 1;
      bytes += Buffer.byteLength(text);
    }
  } else {
    for await (const field of backend.iterFields()) {
      samples += 1;
      bytes += field.value.length;
    }
  }
  const name = decode ? "aios, text (UTF-8 decoded)" : "aios, bytes";
  return { name, samples, mb: bytes / 1e6, seconds: (performance.now() - t0) / 1000 };
}

function timeCat(files: readonly string[], bytes: number): Row {
  const t0 = performance.now();
  // Through a pipe: `cat > /dev/null` may splice without reading the data at all.
  const r = spawnSync("sh", ["-c", `cat "$@" | wc -c > /dev/null`, "cat", ...files]);
  if (r.status !== 0) throw new Error(`cat failed: ${r.stderr}`);
  return {
    name: "cat (piped)",
    samples: 0,
    mb: bytes / 1e6,
    seconds: (performance.now() - t0) / 1000,
  };
}

function timePython(files: readonly string[], decode: boolean): Row | string {
  const r = spawnSync("python3", ["-c", PYTHON_READER, decode ? "text" : "bytes", ...files], {
    encoding: "utf8",
    maxBuffer: 1 << 20,
  });
  if (r.status !== 0)
    return `python3 tarfile skipped: ${(r.stderr || String(r.error)).trim().split("\n").at(-1)}`;
  const [n, size, seconds] = r.stdout.trim().split(" ").map(Number) as [number, number, number];
  const name = decode ? "Python tarfile r|, text (decoded)" : "Python tarfile r|, bytes";
  return { name, samples: n, mb: size / 1e6, seconds };
}

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { mb: { type: "string", default: "150" } } });
  const totalBytes = Number(values.mb) * 1e6;
  const text = await corpus();
  const dir = await mkdtemp(join(tmpdir(), "aios-bench-wds-"));
  const lines: string[] = [];
  try {
    for (const [label, sampleChars] of [
      ["small samples (1 KB)", 1000],
      ["large samples (100 KB)", 100_000],
    ] as const) {
      log(`${label}: writing ${values.mb} MB of shards`);
      const written = await writeShards(samplesOf(text, sampleChars, totalBytes), {
        dir: join(dir, String(sampleChars)),
        prefix: "shard",
        maxSamples: 1_000_000,
        maxBytes: 64 * 1024 * 1024,
        field: "txt",
      });
      const bytes = (await Promise.all(written.files.map((f) => stat(f)))).reduce(
        (a, s) => a + s.size,
        0,
      );
      timeCat(written.files, bytes); // warm the page cache: every reader then sees the same cache
      const cat = timeCat(written.files, bytes);
      log(`${label}: aios and Python, bytes then text (a first aios pass warms the JIT)`);
      await readWithAios(written.pattern, false);
      const rows: (Row | string)[] = [cat];
      for (const decode of [false, true]) {
        rows.push(await readWithAios(written.pattern, decode), timePython(written.files, decode));
      }
      lines.push(
        `\n${label}: ${written.files.length} shards, ${(bytes / 1e6).toFixed(0)} MB on disk, ${written.samples} samples`,
      );
      lines.push("| reader | samples/s | MB/s | time | vs cat | vs Python |");
      lines.push("|---|---:|---:|---:|---:|---:|");
      for (const [i, row] of rows.entries()) {
        if (typeof row === "string") {
          lines.push(`| ${row} | | | | | |`);
          continue;
        }
        const python = rows[i + 1];
        const isAios = row.name.startsWith("aios");
        const sps =
          row.samples === 0 ? "-" : Math.round(row.samples / row.seconds).toLocaleString("en-US");
        const vsCat = row === cat ? "1" : `${(row.seconds / cat.seconds).toFixed(1)}x time`;
        const vsPython =
          isAios && python !== undefined && typeof python !== "string"
            ? `${(python.seconds / row.seconds).toFixed(2)}x speed`
            : "";
        lines.push(
          `| ${row.name} | ${sps} | ${(row.mb / row.seconds).toFixed(0)} | ${row.seconds.toFixed(2)} s | ${vsCat} | ${vsPython} |`,
        );
      }
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
  process.stdout.write(`${lines.join("\n")}\n`);
}

await main();
