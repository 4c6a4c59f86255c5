import { readFile } from "node:fs/promises";
import { describe, expect, it } from "vitest";
import { trainingFields } from "../../src/config/fields.js";
import { parseConfigText, resolveConfig } from "../../src/config/load-config.js";
import { memoryConfigSchema } from "../../src/config/memory-config.js";
import { AiosError } from "../../src/core/errors.js";
import { fixtureDir } from "../data/fixtures.js";

const defaultYamlPath = new URL("../../config/default.yaml", import.meta.url);

const fixtures = await fixtureDir();
let written = 0;

async function writeYaml(text: string): Promise<string> {
  return fixtures.write(`config-${written++}.yaml`, text);
}

async function rejection(promise: Promise<unknown>): Promise<AiosError> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof AiosError) return error;
    throw error;
  }
  throw new Error("expected an AiosError");
}

describe("config/default.yaml", () => {
  it("holds every training field with exactly the schema's default", async () => {
    const values = parseConfigText(await readFile(defaultYamlPath, "utf8"), "config/default.yaml");
    for (const [key, spec] of Object.entries(trainingFields)) {
      expect(values.training[key as keyof typeof values.training], spec.yaml).toEqual(
        spec.schema.parse(undefined),
      );
    }
  });

  it("holds the memory namespace with exactly the schema's defaults", async () => {
    const values = parseConfigText(await readFile(defaultYamlPath, "utf8"), "config/default.yaml");
    expect(values.memory).toEqual(memoryConfigSchema.parse({}));
    expect(memoryConfigSchema.parse({}).vector_store.backend).toBe("lancedb");
  });
});

describe("resolveConfig", () => {
  it("applies defaults < YAML < flags", async () => {
    const file = await writeYaml(
      "train:\n  steps: 7\n  batch_size: 4\nmemory:\n  dataset:\n    file: from-yaml.txt\n",
    );
    const { training } = await resolveConfig({ file, flags: { batch_size: 2 } });
    expect(training.steps).toBe(7);
    expect(training.batch_size).toBe(2);
    expect(training.dataset_file).toBe("from-yaml.txt");
    expect(training.max_seq_len).toBe(trainingFields.max_seq_len.schema.parse(undefined));
  });

  it("maps memory.dataset.hf to the hf fields", async () => {
    const file = await writeYaml(
      "memory:\n  dataset:\n    backend: hf\n    hf:\n      name: wikitext\n      split: test\n      streaming: false\n",
    );
    const { training } = await resolveConfig({ file, flags: {} });
    expect(training).toMatchObject({
      dataset_backend: "hf",
      hf_name: "wikitext",
      hf_split: "test",
      hf_streaming: false,
    });
  });

  it("enforces the four memory rules", async () => {
    const hf = await writeYaml("memory:\n  dataset:\n    backend: hf\n");
    expect((await rejection(resolveConfig({ file: hf, flags: {} }))).message).toContain(
      "memory.dataset.hf.name",
    );
    const wds = await writeYaml("memory:\n  dataset:\n    backend: webdataset\n");
    expect((await rejection(resolveConfig({ file: wds, flags: {} }))).message).toContain(
      "memory.dataset.webdataset.pattern",
    );
    const traces = await writeYaml(
      "memory:\n  dataset: {file: a.txt}\n  vector_store: {backend: disabled}\n  persistent_traces: {persist_to_vector_store: true}\n",
    );
    const tracesError = await rejection(resolveConfig({ file: traces, flags: {} }));
    expect(tracesError.message).toContain(
      "memory.persistent_traces.persist_to_vector_store = true",
    );
    expect(tracesError.message).toContain('"disabled"');
    const motifs = await writeYaml(
      "memory:\n  dataset: {file: a.txt}\n  vector_store: {backend: disabled}\n  semantic_crystallization: {persist_motifs: true}\n",
    );
    expect((await rejection(resolveConfig({ file: motifs, flags: {} }))).message).toContain(
      "memory.semantic_crystallization.persist_motifs",
    );
    const warm = await writeYaml(
      "memory:\n  dataset: {file: a.txt}\n  vector_store: {backend: disabled}\n  persistent_traces: {warm_start: true}\n",
    );
    expect((await rejection(resolveConfig({ file: warm, flags: {} }))).message).toContain(
      'memory.persistent_traces.warm_start = true: needs a vector store, but memory.vector_store.backend is "disabled"',
    );
  });

  it("accepts persistence with an enabled store", async () => {
    const file = await writeYaml(
      "memory:\n  dataset: {file: a.txt}\n  persistent_traces: {persist_to_vector_store: true}\n",
    );
    const { memory } = await resolveConfig({ file, flags: {} });
    expect(memory.persistent_traces.persist_to_vector_store).toBe(true);
  });

  it("names unknown and misspelt keys", async () => {
    const file = await writeYaml(
      "train:\n  stepz: 3\nmemory:\n  dataset:\n    hf:\n      nmae: x\n",
    );
    const error = await rejection(resolveConfig({ file, flags: {} }));
    expect(error.code).toBe("CONFIG_FILE");
    expect(error.message).toContain("train.stepz");
    expect(error.message).toContain("memory.dataset.hf.nmae");
    const memory = await writeYaml(
      "memory:\n  dataset: {file: a.txt}\n  vector_store: {qdrant: {hots: x}}\n",
    );
    expect((await rejection(resolveConfig({ file: memory, flags: {} }))).message).toContain("hots");
  });

  it("reports a missing file and broken YAML with the path", async () => {
    const missing = await rejection(resolveConfig({ file: "/nonexistent/aios.yaml", flags: {} }));
    expect(missing.message).toContain("/nonexistent/aios.yaml does not exist");
    const broken = await writeYaml("train:\n  steps: [1,\n");
    const syntax = await rejection(resolveConfig({ file: broken, flags: {} }));
    expect(syntax.message).toContain("is not valid YAML");
  });

  it("reports a wrong type in YAML with its key", async () => {
    const file = await writeYaml("train:\n  steps: many\nmemory:\n  dataset: {file: a.txt}\n");
    expect((await rejection(resolveConfig({ file, flags: {} }))).message).toContain(
      "--steps (train.steps)",
    );
  });
});
