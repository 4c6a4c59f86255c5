/**
 * The order of an hf stream: the shuffle (`--hf-shuffle`, as `IterableDataset.shuffle`), the
 * ranks (`--rank` / `--world-size`, as `split_dataset_by_node`) and exact resumption of both.
 */
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { AiosError } from "../../../src/core/errors.js";
import { type HfBackendOptions, openHfBackend } from "../../../src/data/hf/hf-backend.js";
import type { BackendPosition } from "../../../src/data/types.js";
import { put, textParquet } from "../../helpers/hub-fixtures.js";
import { collect, fixtureDir } from "../fixtures.js";

const { root } = await fixtureDir();
/** Rows of each file of the line-format repo; every 11th row has no text (still a row). */
const files = [40, 55, 30, 65].map((n, f) =>
  Array.from({ length: n }, (_, i) => (i % 11 === 3 ? "" : `file ${f} row ${i}`)),
);
const texts = files.flat().filter((t) => t !== "");
const lines = join(root, "lines");
const parquet = join(root, "parquet");

beforeAll(async () => {
  for (const [f, rows] of files.entries()) {
    const body = `${rows.map((text) => JSON.stringify({ text })).join("\n")}\n`;
    await put(join(lines, "data", `train-0000${f}-of-00004.jsonl`), body);
  }
  // Three files (not a multiple of 2): ranks then take every other row.
  for (const [f, rows] of files.slice(0, 3).entries())
    await put(join(parquet, "data", `train-0000${f}-of-00003.parquet`), textParquet(rows, 16));
});

const open = (name: string, overrides: Partial<HfBackendOptions> = {}) =>
  openHfBackend({
    name,
    config: null,
    split: "train",
    streaming: true,
    cacheDir: null,
    textField: null,
    tokenEnv: "AIOS_TEST_HF_TOKEN",
    warn: () => {},
    env: {},
    ...overrides,
  });

/** The first `n` samples of a looping stream, and the position after each. */
async function run(
  name: string,
  options: Partial<HfBackendOptions>,
  n: number,
  from?: BackendPosition,
): Promise<{ texts: string[]; positions: BackendPosition[] }> {
  const backend = await open(name, options);
  const out: string[] = [];
  const positions: BackendPosition[] = [];
  for await (const text of backend.iterText({ loop: true, ...(from ? { from } : {}) })) {
    out.push(text);
    positions.push(backend.position());
    if (out.length === n) break;
  }
  return { texts: out, positions };
}

const sorted = (items: readonly string[]) => [...items].sort();

describe("hf shuffle", () => {
  it("is the same for the same seed, another for another, and each epoch a permutation", async () => {
    const shuffled = { shuffle: 50, seed: 3 };
    const a = await run(lines, shuffled, 2 * texts.length);
    const b = await run(lines, shuffled, 2 * texts.length);
    const c = await run(lines, { shuffle: 50, seed: 4 }, texts.length);
    expect(a.texts).toEqual(b.texts);
    expect(c.texts).not.toEqual(a.texts.slice(0, texts.length));
    const first = a.texts.slice(0, texts.length);
    const second = a.texts.slice(texts.length);
    expect(sorted(first)).toEqual(sorted(texts));
    expect(sorted(second)).toEqual(sorted(texts));
    expect(first).not.toEqual(texts);
    expect(second).not.toEqual(first);
  });

  it("visits the files in a new order each epoch", async () => {
    // A buffer of one row shuffles nothing but the file order.
    const { texts: out } = await run(lines, { shuffle: 1, seed: 1 }, 2 * texts.length);
    const fileOrder = (epoch: string[]) => [...new Set(epoch.map((t) => t.split(" row")[0]))];
    const orders = [fileOrder(out.slice(0, texts.length)), fileOrder(out.slice(texts.length))];
    expect(orders[0]).toHaveLength(4);
    expect(orders).not.toEqual([orders[0], orders[0]]);
  });

  it("resumes mid-buffer exactly as the straight run goes on, from a position of a few numbers", async () => {
    for (const name of [lines, parquet]) {
      const options = { shuffle: 1000, seed: 9 };
      const total = name === lines ? texts.length : files.slice(0, 3).flat().filter(Boolean).length;
      const straight = await run(name, options, 2 * total + 10);
      // Mid-file in the fill phase is impossible with a buffer of 1000 on ~190 rows: every cut
      // lies in the drain, or in the next epoch; a buffer of 25 cuts mid-file too.
      for (const [size, cuts] of [
        [1000, [1, 57, total - 1, total + 3]],
        [25, [1, 30, 61, 100, total + 7]],
      ] as const) {
        const sized = { ...options, shuffle: size };
        const reference = size === 1000 ? straight : await run(name, sized, 2 * total + 10);
        for (const cut of cuts) {
          const head = await run(name, sized, cut);
          const position = head.positions.at(-1) as BackendPosition;
          expect(JSON.stringify(position).length, `position size at ${cut}`).toBeLessThan(400);
          const tail = await run(name, sized, reference.texts.length - cut, position);
          expect([...head.texts, ...tail.texts], `${name} buffer ${size} cut ${cut}`).toEqual(
            reference.texts,
          );
        }
      }
    }
  });

  it("refuses to resume a position written with another buffer size", async () => {
    const { positions } = await run(lines, { shuffle: 10 }, 5);
    const backend = await open(lines, { shuffle: 20 });
    const error = await collect(backend.iterText({ from: positions.at(-1) })).catch((e) => e);
    expect(error).toBeInstanceOf(AiosError);
    expect((error as AiosError).code).toBe("CHECKPOINT");
    expect((error as AiosError).message).toMatch(/written with --hf-shuffle 10 .* not 20/);
  });

  it("still resumes a position written before shuffling existed, without a buffer", async () => {
    const all = await collect((await open(lines)).iterText());
    const backend = await open(lines);
    const tail = await collect(backend.iterText({ from: { epoch: 0, file: 1, row: 10 } }));
    expect(tail).toEqual(all.slice(all.indexOf("file 1 row 10")));
  });
});

describe("hf ranks", () => {
  async function ranks(name: string, worldSize: number, options: Partial<HfBackendOptions> = {}) {
    const out: string[][] = [];
    for (let rank = 0; rank < worldSize; rank++) {
      out.push(await collect((await open(name, { ...options, rank, worldSize })).iterText()));
    }
    return out;
  }

  it("give each rank whole files when the files divide evenly: disjoint, complete", async () => {
    const [zero, one] = (await ranks(lines, 2)) as [string[], string[]];
    expect(sorted([...zero, ...one])).toEqual(sorted(texts));
    expect(zero.filter((t) => one.includes(t))).toEqual([]);
    const filesOf = (rank: string[]) => new Set(rank.map((t) => t.split(" row")[0]));
    expect(filesOf(zero)).toEqual(new Set(["file 0", "file 2"]));
    expect(filesOf(one)).toEqual(new Set(["file 1", "file 3"]));
  });

  it("give each rank every world-size-th row otherwise, rows without text counted", async () => {
    const rows = files.slice(0, 3).flat();
    const [zero, one] = (await ranks(parquet, 2)) as [string[], string[]];
    expect(zero).toEqual(rows.filter((t, i) => i % 2 === 0 && t !== ""));
    expect(one).toEqual(rows.filter((t, i) => i % 2 === 1 && t !== ""));
  });

  it("stay disjoint and complete through the shuffle, and resume exactly", async () => {
    for (const name of [lines, parquet]) {
      const shuffled = { shuffle: 30, seed: 5 };
      const parts = await ranks(name, 3, shuffled);
      const all = name === lines ? texts : files.slice(0, 3).flat().filter(Boolean);
      expect(sorted(parts.flat())).toEqual(sorted(all));
      const straight = await run(name, { ...shuffled, rank: 1, worldSize: 3 }, 60);
      const head = await run(name, { ...shuffled, rank: 1, worldSize: 3 }, 23);
      const tail = await run(
        name,
        { ...shuffled, rank: 1, worldSize: 3 },
        37,
        head.positions.at(-1),
      );
      expect([...head.texts, ...tail.texts]).toEqual(straight.texts);
    }
  });

  it("refuse a rank that is not below the world size", async () => {
    await expect(open(lines, { rank: 2, worldSize: 2 })).rejects.toThrow(
      /--rank 2 is not below --world-size 2/,
    );
  });
});
