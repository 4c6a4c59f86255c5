/**
 * The custom backend's shuffle by blocks and windows (issue 22): every format read block by
 * block gives the samples a whole-file read gives, each epoch is a permutation, resume is
 * exact, ranks split the data, and record-boundary indexes are cached and rebuilt on change.
 * Block and window sizes are made tiny so that small fixtures have many of each.
 */
import { mkdtemp, readdir, rm, stat, utimes, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import fc from "fast-check";
import { afterAll, describe, expect, it } from "vitest";
import { AiosError } from "../../../src/core/errors.js";
import { planBlocks } from "../../../src/data/custom/block-plan.js";
import {
  type CustomBackendOptions,
  openCustomBackend,
} from "../../../src/data/custom/custom-backend.js";
import { collect, fixtureDir } from "../fixtures.js";

const { root, write } = await fixtureDir();
const cacheDir = await mkdtemp(join(tmpdir(), "aios-index-cache-"));
afterAll(() => rm(cacheDir, { recursive: true, force: true }));

const small = { blockBytes: 64, windowBytes: 256, cacheDir } as const;

function open(path: string, options: Partial<CustomBackendOptions> = {}) {
  return openCustomBackend({ path, ...small, ...options });
}

/** All samples of one pass in file order, and one shuffled pass, with their stats. */
async function bothOrders(path: string, options: Partial<CustomBackendOptions> = {}) {
  const inOrder = await open(path, { ...options, shuffle: false });
  const plain = await collect(inOrder.iterText());
  const shuffledBackend = await open(path, { ...options, shuffle: true, seed: 5 });
  const shuffled = await collect(shuffledBackend.iterText());
  return { plain, shuffled, plainStats: inOrder.stats(), shuffledStats: shuffledBackend.stats() };
}

const sorted = (texts: readonly string[]) => [...texts].sort();

async function unitKinds(path: string): Promise<string[]> {
  const backend = await open(path);
  const plan = await planBlocks(backend.files, {
    blockBytes: small.blockBytes,
    read: {},
    cacheDir,
    log: () => {},
  });
  return plan.units.map((unit) => unit.kind);
}

describe("custom backend shuffle: blocks read as whole files are", () => {
  const lines = Array.from({ length: 300 }, (_, i) => `line ${i} ${"é".repeat(i % 7)}`);

  it("text: every sample once, the same as in file order, from many blocks", async () => {
    const path = await write("lines.txt", `\uFEFF${lines.join("\r\n")}\n\n  \n`);
    expect(new Set(await unitKinds(path))).toEqual(new Set(["lines"]));
    const { plain, shuffled } = await bothOrders(path);
    expect(plain).toEqual(lines);
    expect(shuffled).not.toEqual(plain);
    expect(sorted(shuffled)).toEqual(sorted(plain));
  });

  it("property: any lines, any block size, the same samples and bad-row counts", async () => {
    const line = fc.oneof(
      fc.string({ unit: "grapheme", maxLength: 40 }),
      fc.constantFrom("", " ", "{broken", '{"text": 5}', '{"text": "x"}', "\r"),
    );
    await fc.assert(
      fc.asyncProperty(
        fc.array(line, { minLength: 1, maxLength: 60 }),
        fc.integer({ min: 2, max: 90 }),
        fc.constantFrom("p.txt", "p.jsonl"),
        async (rows, blockBytes, name) => {
          const path = await write(`prop/${blockBytes}-${name}`, rows.join("\n"));
          const run = (shuffle: boolean) =>
            open(path, { blockBytes, windowBytes: 3 * blockBytes, shuffle, seed: 1 }).then(
              async (backend) => {
                const texts = await collect(backend.iterText()).catch((e: AiosError) => e.code);
                return { texts, stats: backend.stats() };
              },
            );
          const plain = await run(false);
          const shuffled = await run(true);
          if (typeof plain.texts === "string") {
            expect(shuffled.texts).toBe(plain.texts);
            return;
          }
          expect(sorted(shuffled.texts as string[])).toEqual(sorted(plain.texts));
          expect(shuffled.stats.badRows).toEqual(plain.stats.badRows);
          expect(shuffled.stats.skipped).toEqual(plain.stats.skipped);
        },
      ),
      { seed: 22, numRuns: 60 },
    );
  });

  it("CSV with quoted newlines, doubled quotes and a guessed column, through the index", async () => {
    const records = Array.from(
      { length: 120 },
      (_, i) => `${i};"review ${i}\nspans ""two"" lines";${i % 3}`,
    );
    const path = await write("quoted.csv", `id;review;label\n${records.join("\n")}\n`);
    const { plain, shuffled, shuffledStats } = await bothOrders(path);
    expect(plain).toHaveLength(120);
    expect(plain[1]).toBe('review 1\nspans "two" lines');
    expect(sorted(shuffled)).toEqual(sorted(plain));
    expect(shuffledStats.badRows).toEqual({});
    expect(new Set(await unitKinds(path))).toEqual(new Set(["csv"]));
    // The delimiter and column are settled once, from the file's start, and said once.
    const notices: string[] = [];
    const backend = await open(path, { shuffle: true, notice: (m) => notices.push(m) });
    expect(await collect(backend.iterText({ loop: true }), 300)).toHaveLength(300);
    expect(notices).toEqual([
      expect.stringMatching(/quoted\.csv: fields are separated by ";"/),
      expect.stringMatching(/quoted\.csv: training on column "review"/),
    ]);
  });

  it("property: random CSV fields (quotes, delimiters, newlines) read alike in both orders", async () => {
    const field = fc.string({
      unit: fc.constantFrom("a", "b", ",", '"', "\n", "é", " "),
      maxLength: 12,
    });
    const quoted = field.map((f) => `"${f.replaceAll('"', '""')}"`);
    const plainField = fc.string({
      unit: fc.constantFrom("a", "b", "x", " "),
      minLength: 1,
      maxLength: 8,
    });
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.tuple(plainField, fc.oneof(quoted, plainField)), {
          minLength: 1,
          maxLength: 40,
        }),
        fc.integer({ min: 8, max: 80 }),
        async (records, blockBytes) => {
          const body = records.map(([id, text]) => `${id},${text}`).join("\n");
          const path = await write(
            `propcsv/${blockBytes}-${records.length}.csv`,
            `id,text\n${body}\n`,
          );
          const run = async (shuffle: boolean) => {
            const backend = await open(path, { blockBytes, windowBytes: 2 * blockBytes, shuffle });
            const texts = await collect(backend.iterText()).catch((e: AiosError) => e.code);
            return { texts, bad: backend.stats().badRows };
          };
          const plain = await run(false);
          const shuffled = await run(true);
          if (typeof plain.texts === "string") return expect(shuffled.texts).toBe(plain.texts);
          expect(sorted(shuffled.texts as string[])).toEqual(sorted(plain.texts));
          expect(shuffled.bad).toEqual(plain.bad);
        },
      ),
      { seed: 7, numRuns: 40 },
    );
  });

  it("a JSON array, through the index, with commas and brackets inside strings", async () => {
    const rows = Array.from({ length: 150 }, (_, i) =>
      i % 2 === 0 ? { text: `item ${i}, [with] "brackets" {}` } : `plain ${i}\\`,
    );
    const path = await write("array.json", `\uFEFF  ${JSON.stringify(rows, null, 1)}\n`);
    const { plain, shuffled, shuffledStats } = await bothOrders(path);
    expect(plain).toHaveLength(150);
    expect(sorted(shuffled)).toEqual(sorted(plain));
    expect(shuffledStats.badRows).toEqual({});
    expect(new Set(await unitKinds(path))).toEqual(new Set(["json"]));
  });

  it("a broken JSON array is read whole, one bad row as in file order", async () => {
    const path = await write("broken.json", `[${'"x",'.repeat(100)}"y"`);
    expect(await unitKinds(path)).toEqual(["file"]);
    const backend = await open(path, { shuffle: true });
    await expect(collect(backend.iterText())).rejects.toMatchObject({ code: "DATASET_BAD_ROWS" });
  });

  it("JSON Lines in a .json file by seeking, like .jsonl", async () => {
    const rows = Array.from({ length: 100 }, (_, i) => JSON.stringify({ text: `r${i}` }));
    const path = await write("lines.json", `${rows.join("\n")}\n`);
    expect(new Set(await unitKinds(path))).toEqual(new Set(["lines"]));
    const { plain, shuffled } = await bothOrders(path);
    expect(plain).toHaveLength(100);
    expect(sorted(shuffled)).toEqual(sorted(plain));
  });

  it("gzip and UTF-16 files are streamed through a seeded buffer", async () => {
    const gz = await write("big.txt.gz", lines.join("\n"));
    expect(await unitKinds(gz)).toEqual(["stream"]);
    const utf16 = join(root, "utf16.txt");
    await writeFile(utf16, Buffer.from(`\uFEFF${lines.join("\n")}`, "utf16le"));
    expect(await unitKinds(utf16)).toEqual(["stream"]);
    for (const path of [gz, utf16]) {
      const { plain, shuffled } = await bothOrders(path);
      expect(plain).toEqual(lines);
      expect(shuffled).not.toEqual(plain);
      expect(sorted(shuffled)).toEqual(sorted(plain));
    }
  });

  it("a directory of many small files: blocks of all files mixed in each window", async () => {
    const files = 200;
    for (let f = 0; f < files; f++) {
      await write(`many/${String(f).padStart(3, "0")}.txt`, `file ${f} a\nfile ${f} b\n`);
    }
    const { plain, shuffled } = await bothOrders(join(root, "many"));
    expect(plain).toHaveLength(2 * files);
    expect(sorted(shuffled)).toEqual(sorted(plain));
    const firstWindowFiles = new Set(shuffled.slice(0, 20).map((text) => text.split(" ")[1]));
    expect(firstWindowFiles.size).toBeGreaterThan(5);
  });

  it("reports bad rows of blocks with the byte their block starts at, once per run", async () => {
    const rows = Array.from({ length: 60 }, (_, i) =>
      i === 45 ? "{broken" : JSON.stringify({ text: `ok ${i}` }),
    );
    const path = await write("onebad.jsonl", rows.join("\n"));
    const warnings: string[] = [];
    const backend = await open(path, { shuffle: true, warn: (m) => warnings.push(m) });
    expect(await collect(backend.iterText({ loop: true }), 150)).toHaveLength(150);
    expect(backend.stats().badRows).toEqual({ "malformed JSON": 1 });
    expect(warnings).toEqual([
      expect.stringMatching(/onebad\.jsonl \(block at byte \d+\) line \d+: malformed JSON/),
    ]);
  });
});

describe("custom backend shuffle: epochs, resume and ranks", () => {
  const lines = Array.from({ length: 200 }, (_, i) => `sample ${String(i).padStart(3, "0")}`);

  it("each epoch is a permutation, different across epochs and seeds, mixing the whole file", async () => {
    const path = await write("epochs.txt", lines.join("\n"));
    const backend = await open(path, { shuffle: true, seed: 3 });
    const three = await collect(backend.iterText({ loop: true }), 600);
    const epochs = [three.slice(0, 200), three.slice(200, 400), three.slice(400)];
    for (const epoch of epochs) expect(sorted(epoch)).toEqual(lines);
    expect(epochs[1]).not.toEqual(epochs[0]);
    const other = await collect((await open(path, { shuffle: true, seed: 4 })).iterText());
    expect(other).not.toEqual(epochs[0]);
    // Not file order in windows: the first 20 samples come from all over the file.
    const spread = epochs[0]?.slice(0, 20).map((text) => Number(text.split(" ")[1])) ?? [];
    expect(Math.max(...spread) - Math.min(...spread)).toBeGreaterThan(100);
  });

  it("resumes exactly, mid-window and across windows and epochs", async () => {
    const path = await write("resume.txt", lines.slice(0, 90).join("\n"));
    const backend = await open(path, { shuffle: true, seed: 9 });
    const whole = await collect(backend.iterText({ loop: true }), 250);
    for (const k of [1, 7, 33, 89, 90, 91, 150, 249]) {
      const first = await collect(backend.iterText({ loop: true }), k);
      const position = JSON.parse(JSON.stringify(backend.position()));
      expect(position).toHaveProperty("window");
      const resumed = await open(path, { shuffle: true, seed: 9 });
      const rest = await collect(resumed.iterText({ from: position, loop: true }), 250 - k);
      expect([...first, ...rest], `k ${k}`).toEqual(whole);
    }
  });

  it("resumes a streamed gzip file exactly, by replay", async () => {
    const path = await write("resume.txt.gz", lines.join("\n"));
    const backend = await open(path, { shuffle: true, seed: 2 });
    const whole = await collect(backend.iterText({ loop: true }), 300);
    for (const k of [5, 199, 200, 260]) {
      const first = await collect(backend.iterText({ loop: true }), k);
      const position = backend.position();
      const rest = await collect(backend.iterText({ from: position, loop: true }), 300 - k);
      expect([...first, ...rest], `k ${k}`).toEqual(whole);
    }
  });

  it("ranks read disjoint parts that together are the epoch, and resume within their part", async () => {
    const path = await write("ranks.txt", lines.join("\n"));
    const worldSize = 3;
    const parts: string[][] = [];
    for (let rank = 0; rank < worldSize; rank++) {
      const backend = await open(path, { shuffle: true, seed: 1, rank, worldSize });
      parts.push(await collect(backend.iterText()));
    }
    expect(sorted(parts.flat())).toEqual(lines);
    for (const part of parts) expect(Math.abs(part.length - 200 / worldSize)).toBeLessThan(4);
    const backend = await open(path, { shuffle: true, seed: 1, rank: 1, worldSize });
    const first = await collect(backend.iterText(), 10);
    const rest = await collect(backend.iterText({ from: backend.position() }));
    expect([...first, ...rest]).toEqual(parts[1]);
  });

  it("refuses a position written in file order or by the old in-memory shuffle, and the reverse", async () => {
    const path = await write("old.txt", lines.join("\n"));
    const shuffled = await open(path, { shuffle: true });
    const error = (() => {
      try {
        shuffled.iterText({ from: { epoch: 0, index: 12 } });
      } catch (e) {
        return e;
      }
    })();
    expect(error).toBeInstanceOf(AiosError);
    expect((error as AiosError).code).toBe("CHECKPOINT");
    expect((error as AiosError).message).toContain("before the custom backend shuffled by blocks");
    const inOrder = await open(path, { shuffle: false });
    expect(() => inOrder.iterText({ from: { epoch: 0, window: 1, index: 2 } })).toThrow(
      /written by a shuffled run/,
    );
  });
});

describe("custom backend shuffle: the record-boundary index cache", () => {
  it("is built once, reused while the file is unchanged, and rebuilt when it changes", async () => {
    const dir = await mkdtemp(join(tmpdir(), "aios-index-own-"));
    try {
      const records = Array.from({ length: 80 }, (_, i) => `${i},"text ${i}\nmore"`);
      const path = await write("cached/data.csv", `id,text\n${records.join("\n")}\n`);
      const read = async () => {
        const logs: string[] = [];
        const progress: number[] = [];
        const backend = await open(path, {
          shuffle: true,
          cacheDir: dir,
          log: (m) => logs.push(m),
          onIndexProgress: (_file, done) => progress.push(done),
        });
        const texts = await collect(backend.iterText());
        return { texts, logs, progress };
      };
      const first = await read();
      expect(first.logs).toEqual([
        expect.stringMatching(/indexed .*data\.csv .* blocks\) in [\d.]+ s; cached in/),
      ]);
      expect(first.progress.at(-1)).toBe((await stat(path)).size);
      expect(first.texts).toHaveLength(80);
      expect(await readdir(dir)).toHaveLength(1);
      // Nothing is written beside the data.
      expect(await readdir(dirname(path))).toEqual(["data.csv"]);

      const second = await read();
      expect(second.logs).toEqual([]);
      expect(sorted(second.texts)).toEqual(sorted(first.texts));

      await writeFile(path, `id,text\n${records.join("\n")}\n80,"added\nlater"\n`);
      const later = new Date(Date.now() + 5000);
      await utimes(path, later, later);
      const third = await read();
      expect(third.logs).toHaveLength(1);
      expect(third.texts).toContain("added\nlater");
      expect(third.texts).toHaveLength(81);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
