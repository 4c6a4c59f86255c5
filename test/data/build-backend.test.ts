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
});
