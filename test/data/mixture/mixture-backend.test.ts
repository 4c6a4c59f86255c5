/**
 * Mixtures of real backends (custom files, hf through the local Hub server, webdataset shards):
 * sampling by weight, interleave_datasets' stopping strategies, exact resume, and refusals.
 */
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  type RawTrainingConfig,
  resolveTrainingConfig,
} from "../../../src/config/training-config.js";
import type { AiosError } from "../../../src/core/errors.js";
import { buildBackend } from "../../../src/data/build-backend.js";
import type { BackendPosition, DatasetBackend } from "../../../src/data/types.js";
import { writeShards } from "../../../src/data/webdataset/write-shards.js";
import { put, textParquet } from "../../helpers/hub-fixtures.js";
import { type HubServer, startHubServer } from "../../helpers/hub-server.js";
import { collect, fixtureDir } from "../fixtures.js";

const { root, write } = await fixtureDir();
const quiet = { warn: () => {}, notice: () => {}, log: () => {} };

let server: HubServer;
let savedEndpoint: string | undefined;
let custom: string;
let wds: string;
const hf = "hf://someone/small";

const lines = (prefix: string, n: number) => Array.from({ length: n }, (_, i) => `${prefix}${i}`);

beforeAll(async () => {
  custom = await write("c.txt", `${lines("c", 7).join("\n")}\n`);
  const repo = join(root, "small");
  await put(join(repo, "data", "train-00000-of-00001.parquet"), textParquet(lines("h", 9), 4));
  server = await startHubServer({ "someone/small": { main: repo } });
  savedEndpoint = process.env.HF_ENDPOINT;
  process.env.HF_ENDPOINT = server.endpoint;
  async function* texts() {
    yield* lines("w", 11);
  }
  const written = await writeShards(texts(), {
    dir: join(root, "shards"),
    prefix: "shard",
    maxSamples: 4,
    maxBytes: 1 << 20,
    field: "txt",
    overwrite: false,
  });
  wds = `wds://${written.pattern}`;
});

afterAll(async () => {
  if (savedEndpoint === undefined) delete process.env.HF_ENDPOINT;
  else process.env.HF_ENDPOINT = savedEndpoint;
  await server?.close();
});

function open(raw: RawTrainingConfig): Promise<DatasetBackend> {
  return buildBackend(resolveTrainingConfig({ seed: 3, ...raw }), quiet);
}

/** Texts with the source each came from and the position after it. */
async function read(
  backend: DatasetBackend,
  n: number,
  options: { loop: boolean; from?: BackendPosition },
): Promise<{ texts: string[]; sources: (string | null)[]; positions: BackendPosition[] }> {
  const out = {
    texts: [] as string[],
    sources: [] as (string | null)[],
    positions: [] as BackendPosition[],
  };
  if (n <= 0) return out;
  for await (const text of backend.iterText(options)) {
    out.texts.push(text);
    out.sources.push(backend.lastSource?.() ?? null);
    out.positions.push(backend.position());
    if (out.texts.length >= n) break;
  }
  return out;
}

describe("MixtureBackend sampling", () => {
  it("draws each source in proportion to its weight: within ±2 % over 10,000 samples", async () => {
    const a = await write("pa.txt", `${lines("a", 13).join("\n")}\n`);
    const b = await write("pb.txt", `${lines("b", 5).join("\n")}\n`);
    const c = await write("pc.txt", `${lines("c", 29).join("\n")}\n`);
    const backend = await open({ dataset_mix: `${a}=7,${b}=2,${c}=1` });
    const { sources } = await read(backend, 10_000, { loop: true });
    const share = (name: string) => sources.filter((s) => s === name).length / sources.length;
    expect(sources).toHaveLength(10_000);
    expect(Math.abs(share(a) - 0.7)).toBeLessThanOrEqual(0.02);
    expect(Math.abs(share(b) - 0.2)).toBeLessThanOrEqual(0.02);
    expect(Math.abs(share(c) - 0.1)).toBeLessThanOrEqual(0.02);
  });

  it("is deterministic from --seed, and another seed draws another order", async () => {
    const mix = `${custom}=1,${wds}=1`;
    const first = await read(await open({ dataset_mix: mix }), 40, { loop: true });
    const again = await read(await open({ dataset_mix: mix }), 40, { loop: true });
    const other = await read(await open({ dataset_mix: mix, seed: 4 }), 40, { loop: true });
    expect(again.sources).toEqual(first.sources);
    expect(other.sources).not.toEqual(first.sources);
  });

  it("gives exactly datasets' round-robin sequence for each stopping strategy", async () => {
    const a = await write("rr-a.txt", "a0\na1\n");
    const b = await write("rr-b.txt", "b0\nb1\nb2\n");
    const run = async (strategy: string) =>
      collect(
        (
          await open({ dataset_mix: `${a},${b}`, mix_stopping_strategy: strategy, shuffle: false })
        ).iterText(),
      );
    // Worked by hand from datasets 5.0.1's CyclingMultiSourcesExamplesIterable.__iter__.
    expect(await run("first_exhausted")).toEqual(["a0", "b0", "a1"]);
    expect(await run("all_exhausted")).toEqual(["a0", "b0", "a1", "b1", "a0", "b2"]);
    expect(await run("all_exhausted_without_replacement")).toEqual(["a0", "b0", "a1", "b1", "b2"]);
  });

  it("endless: every source loops over its own epochs, and the mixture never ends", async () => {
    const a = await write("e-a.txt", "a0\na1\n");
    const b = await write("e-b.txt", "b0\nb1\nb2\n");
    const backend = await open({ dataset_mix: `${a},${b}`, shuffle: false });
    const { texts } = await read(backend, 10, { loop: false });
    expect(texts).toEqual(["a0", "b0", "a1", "b1", "a0", "b2", "a1", "b0", "a0", "b1"]);
  });

  it("a finite mixture read by training (loop) starts a new pass, every source from its start", async () => {
    const a = await write("p-a.txt", "a0\na1\n");
    const b = await write("p-b.txt", "b0\nb1\nb2\n");
    const backend = await open({
      dataset_mix: `${a},${b}`,
      mix_stopping_strategy: "first_exhausted",
      shuffle: false,
    });
    const { texts } = await read(backend, 7, { loop: true });
    // Each pass begins at source 0 again: the same as the first.
    expect(texts).toEqual(["a0", "b0", "a1", "a0", "b0", "a1", "a0"]);
  });

  it("counts the sources' bad rows together, and names each sample's source", async () => {
    const good = await write("good.jsonl", '{"text": "g0"}\n{"text": "g1"}\n');
    const bad = await write("bad.jsonl", '{"text": "x0"}\n{not json\n{"text": "x1"}\n');
    const backend = await open({
      dataset_mix: `[{"uri": "${good}", "name": "good"}, {"uri": "${bad}", "name": "bad"}]`,
      mix_stopping_strategy: "all_exhausted",
      shuffle: false,
    });
    const { texts, sources } = await read(backend, 100, { loop: false });
    expect(texts).toEqual(["g0", "x0", "g1", "x1"]);
    expect(sources).toEqual(["good", "bad", "good", "bad"]);
    const stats = backend.stats();
    expect(stats.samples).toBe(4);
    expect(Object.values(stats.badRows).reduce((x, y) => x + y, 0)).toBe(1);
  });
});

describe("MixtureBackend resume", () => {
  const cases: { label: string; raw: () => RawTrainingConfig; loop: boolean; n: number }[] = [
    {
      label: "weighted, endless (training's default)",
      raw: () => ({ dataset_mix: `${custom}=0.5,${hf}=0.3,${wds}=0.2` }),
      loop: true,
      n: 70,
    },
    {
      label: "round robin, first_exhausted, over several passes",
      raw: () => ({
        dataset_mix: `${custom},${hf},${wds}`,
        mix_stopping_strategy: "first_exhausted",
      }),
      loop: true,
      n: 60,
    },
    {
      label: "round robin, all_exhausted, to its end",
      raw: () => ({
        dataset_mix: `${custom},${hf},${wds}`,
        mix_stopping_strategy: "all_exhausted",
      }),
      loop: false,
      n: 1000,
    },
    {
      label: "weighted, all_exhausted_without_replacement, over several passes",
      raw: () => ({
        dataset_mix: `${custom}=2,${hf}=1,${wds}=1`,
        mix_stopping_strategy: "all_exhausted_without_replacement",
      }),
      loop: true,
      n: 70,
    },
  ];

  for (const c of cases) {
    it(`continues exactly as the uninterrupted run: ${c.label}`, async () => {
      const straight = await read(await open(c.raw()), c.n, { loop: c.loop });
      expect(new Set(straight.sources).size).toBe(3);
      for (const cut of [1, 5, 17, straight.texts.length - 2]) {
        const from = straight.positions[cut - 1] as BackendPosition;
        // Through JSON, as a checkpoint stores it, into a backend opened afresh.
        const resumed = await read(await open(c.raw()), straight.texts.length - cut, {
          loop: c.loop,
          from: JSON.parse(JSON.stringify(from)) as BackendPosition,
        });
        expect(resumed.texts, `resumed after sample ${cut}`).toEqual(straight.texts.slice(cut));
        expect(resumed.sources).toEqual(straight.sources.slice(cut));
        expect(resumed.positions).toEqual(straight.positions.slice(cut));
      }
    });
  }

  it("refuses the position of another mixture, naming both", async () => {
    const raw = { dataset_mix: `${custom}=0.5,${wds}=0.5` };
    const { positions } = await read(await open(raw), 5, { loop: true });
    const from = positions[4] as BackendPosition;
    for (const other of [
      { dataset_mix: `${custom}=0.6,${wds}=0.4` },
      { dataset_mix: `${wds}=0.5,${custom}=0.5` },
      { ...raw, mix_stopping_strategy: "all_exhausted" },
    ]) {
      const backend = await open(other);
      const error = (() => {
        try {
          backend.iterText({ from, loop: true });
        } catch (e) {
          return e as AiosError;
        }
        return null;
      })();
      expect(error?.code).toBe("CHECKPOINT");
      expect(error?.message).toContain(`${custom}=0.5, ${wds}=0.5] (endless)`);
      expect(error?.hint).toContain("--dataset-mix");
    }
  });

  it("refuses a single dataset's position, and a single dataset refuses a mixture's", async () => {
    const single = await open({ dataset_file: custom });
    const singleFrom = (await read(single, 2, { loop: true })).positions[1] as BackendPosition;
    const mixture = await open({ dataset_mix: `${custom}=1,${wds}=1` });
    expect(() => mixture.iterText({ from: singleFrom })).toThrow(/not a position of mixture/);
    const mixFrom = (await read(mixture, 2, { loop: true })).positions[1] as BackendPosition;
    // The custom backend words its own refusal; what matters here is that it refuses.
    expect(() => single.iterText({ from: mixFrom })).toThrow(
      /^the saved data position \{"mixture"/,
    );
  });
});

describe("opening a mixture", () => {
  it("names the source that cannot be opened (exit 2 code), after the ones before it", async () => {
    const error = (await open({ dataset_mix: `${custom}=1,${join(root, "missing.txt")}=1` }).catch(
      (e: unknown) => e,
    )) as AiosError;
    expect(error.code).toBe("DATASET_NOT_FOUND");
    expect(error.exitCode).toBe(2);
    expect(error.message).toMatch(/^mixture source 2 \(.*missing\.txt\): /);
  });

  it("gives each source its own options over the shared ones", async () => {
    const csv = await write("own.csv", "id,body\n1,first\n2,second\n");
    const backend = await open({
      dataset_mix: JSON.stringify([
        { uri: csv, text_column: "body", shuffle: false },
        { uri: custom, shuffle: false },
      ]),
      text_column: "text",
      mix_stopping_strategy: "first_exhausted",
    });
    expect(await collect(backend.iterText())).toEqual(["first", "c0", "second"]);
  });
});
