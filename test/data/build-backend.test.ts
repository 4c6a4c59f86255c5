import { describe, expect, it } from "vitest";
import { resolveTrainingConfig } from "../../src/config/training-config.js";
import type { AiosError } from "../../src/core/errors.js";
import { buildBackend } from "../../src/data/build-backend.js";
import { collect, fixtureDir } from "./fixtures.js";

const { write } = await fixtureDir();

describe("buildBackend", () => {
  it("builds the custom backend from --dataset-file, with shuffle and seed", async () => {
    const path = await write("data.txt", "a\nb\nc\n");
    const backend = await buildBackend(
      resolveTrainingConfig({ dataset_file: path, shuffle: false }),
    );
    expect(backend.kind).toBe("custom");
    expect(backend.description).toContain(path);
    expect(await collect(backend.iterText())).toEqual(["a", "b", "c"]);
  });

  it("accepts a file:// URI, resolved by the config", async () => {
    const path = await write("uri.txt", "x\n");
    const backend = await buildBackend(resolveTrainingConfig({ dataset_file: `file://${path}` }));
    expect(await collect(backend.iterText())).toEqual(["x"]);
  });

  it("builds the webdataset backend from wds://, checking local shards at once", async () => {
    const error = await buildBackend(
      resolveTrainingConfig({ dataset_file: "wds://no-such/s-{0..1}.tar" }),
    ).catch((e: unknown) => e);
    expect((error as AiosError).code).toBe("DATASET_NOT_FOUND");
    expect((error as AiosError).message).toContain("no-such/s-0.tar, no-such/s-1.tar");
  });

  it("gives every backend one --rank / --world-size pair: disjoint parts that make the whole", async () => {
    const path = await write(
      "ranks.txt",
      `${Array.from({ length: 25 }, (_, i) => `s${i}`).join("\n")}\n`,
    );
    for (const shuffle of [false, true]) {
      const parts: string[][] = [];
      for (let rank = 0; rank < 3; rank++) {
        const config = resolveTrainingConfig({ dataset_file: path, shuffle, rank, world_size: 3 });
        parts.push(await collect((await buildBackend(config)).iterText()));
      }
      expect(parts.map((p) => p.length)).toEqual([9, 8, 8]);
      expect(parts.flat().sort()).toEqual(Array.from({ length: 25 }, (_, i) => `s${i}`).sort());
    }
  });

  it("takes --wds-rank / --wds-world-size as the older names of the pair, and $RANK / $WORLD_SIZE last", async () => {
    const path = await write("alias.txt", "a\nb\nc\nd\n");
    const old = resolveTrainingConfig({
      dataset_file: path,
      shuffle: false,
      wds_rank: 1,
      wds_world_size: 2,
    });
    expect(await collect((await buildBackend(old)).iterText())).toEqual(["b", "d"]);
    const conflict = (() => {
      try {
        resolveTrainingConfig({ dataset_file: path, rank: 0, wds_rank: 1 });
      } catch (error) {
        return error as AiosError;
      }
      return null;
    })();
    expect(conflict?.message).toContain(
      "--wds-rank (memory.dataset.webdataset.rank) = 1: conflicts with --rank (memory.dataset.rank) = 0",
    );
    const saved = { rank: process.env.RANK, world: process.env.WORLD_SIZE };
    process.env.RANK = "0";
    process.env.WORLD_SIZE = "2";
    try {
      const fromEnv = resolveTrainingConfig({ dataset_file: path, shuffle: false });
      expect(await collect((await buildBackend(fromEnv)).iterText())).toEqual(["a", "c"]);
      process.env.RANK = "2";
      const error = await buildBackend(fromEnv).catch((e: unknown) => e);
      expect((error as AiosError).message).toBe("--rank 2 is not below --world-size 2");
    } finally {
      for (const [key, value] of [
        ["RANK", saved.rank],
        ["WORLD_SIZE", saved.world],
      ] as const) {
        if (value === undefined) delete process.env[key];
        else process.env[key] = value;
      }
    }
  });
});
