import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { defaultFormValues } from "../../src/gui/form-values.js";
import { GuiStateStore } from "../../src/gui/state-store.js";

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "aios-gui-state-"));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe("the panel's state file (get_state / set_state)", () => {
  it("starts from the schema defaults when there is no file", async () => {
    const store = new GuiStateStore(join(dir, "none", "state.json"), "lancedb");
    expect(await store.get()).toEqual({
      version: 1,
      training: defaultFormValues(),
      memory: { backend: "lancedb", collection: "default" },
    });
  });

  it("writes what it is given, creating the directory, and reads it back", async () => {
    const path = join(dir, "nested", "state.json");
    const store = new GuiStateStore(path, "lancedb");
    const saved = await store.set({
      training: { dataset_backend: "webdataset", wds_pattern: "s/{0..3}.tar", wds_resampled: true },
      memory: { backend: "pgvector", collection: "motifs" },
    });
    expect(saved.training.wds_resampled).toBe(true);
    expect(await new GuiStateStore(path, "lancedb").get()).toEqual(saved);
    expect(JSON.parse(await readFile(path, "utf8")).memory.collection).toBe("motifs");
  });

  it("keeps the last of several quick saves", async () => {
    const store = new GuiStateStore(join(dir, "quick.json"), "lancedb");
    await Promise.all(["1", "2", "3", "4"].map((steps) => store.set({ training: { steps } })));
    expect((await store.get()).training.steps).toBe("4");
  });

  it("starts again from the defaults when the file is damaged", async () => {
    const path = join(dir, "damaged.json");
    await writeFile(path, "{ not json");
    expect((await new GuiStateStore(path, "qdrant").get()).memory.backend).toBe("qdrant");
  });
});
