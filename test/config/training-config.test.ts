import { describe, expect, it } from "vitest";
import { trainingFields } from "../../src/config/fields.js";
import { parseHfDataFiles } from "../../src/config/hf-data-files.js";
import {
  ConfigError,
  type RawTrainingConfig,
  resolveTrainingConfig,
} from "../../src/config/training-config.js";

function problemsOf(raw: RawTrainingConfig): ConfigError {
  try {
    resolveTrainingConfig(raw);
  } catch (error) {
    if (error instanceof ConfigError) return error;
    throw error;
  }
  throw new Error("expected a ConfigError");
}

describe("TrainingConfig", () => {
  it("fills every default from the schema", () => {
    const config = resolveTrainingConfig({ dataset_file: "data.txt" });
    for (const [key, spec] of Object.entries(trainingFields)) {
      if (key === "dataset_file") continue;
      expect(config[key as keyof typeof config], key).toEqual(spec.schema.parse(undefined));
    }
    expect(config.dataset_backend).toBe("custom");
    expect(config.hf_split).toBe("train");
    expect(config.hf_token_env).toBe("HUGGING_FACE_HUB_TOKEN");
    expect(config.wds_shuffle).toBe(1000);
    expect(config.pos_encodings).toBe("rope");
  });

  it("requires a dataset file for the custom backend", () => {
    const error = problemsOf({});
    expect(error.problems.map((p) => p.key)).toEqual(["dataset_file"]);
    expect(error.message).toContain("--dataset-file (memory.dataset.file)");
    expect(error.exitCode).toBe(2);
  });

  it("requires --hf-name with the hf backend and --wds-pattern with webdataset", () => {
    expect(problemsOf({ dataset_backend: "hf" }).problems.map((p) => p.key)).toEqual(["hf_name"]);
    const wds = problemsOf({ dataset_backend: "webdataset" });
    expect(wds.problems.map((p) => p.key)).toEqual(["wds_pattern"]);
    expect(wds.message).toContain("memory.dataset.webdataset.pattern");
  });

  it("names the flag, the value and the fix for an out-of-range number", () => {
    const error = problemsOf({ dataset_file: "d.txt", batch_size: 0 });
    expect(error.message).toContain("--batch-size (train.batch_size) = 0");
    expect(error.message).toMatch(/>=\s*1/);
    expect(error.problems[0]?.fix).toBe("pass a value >= 1, e.g. --batch-size 8");
  });

  it("says what to change in each fix, not the flag's description again", () => {
    const error = problemsOf({
      dataset_file: "d.txt",
      steps: 1.5,
      lr: "fast",
      pos_encodings: "alibi",
      ascii_only: "yes",
    });
    const fixes = Object.fromEntries(error.problems.map((p) => [p.key, p.fix]));
    expect(fixes).toEqual({
      steps: "pass a whole number, e.g. --steps 100",
      lr: "pass a number, e.g. --lr 0.001",
      pos_encodings: "pass one of rope, sinusoidal, learned",
      ascii_only: "use --ascii-only or --no-ascii-only",
    });
  });

  it("rejects a non-numeric value for a number flag", () => {
    const error = problemsOf({ dataset_file: "d.txt", steps: "ten" });
    expect(error.message).toContain('--steps (train.steps) = "ten"');
  });

  it("rejects unknown enum values and lists the choices", () => {
    const error = problemsOf({ dataset_file: "d.txt", pos_encodings: "alibi" });
    expect(error.message).toContain("--pos-encodings");
    expect(error.message).toMatch(/rope.*sinusoidal.*learned/);
  });

  it("collects every problem in one error", () => {
    const error = problemsOf({ dataset_file: "d.txt", lr: 0, seed: -1, wds_decode: "json" });
    expect(error.problems.map((p) => p.key).sort()).toEqual(["lr", "seed", "wds_decode"]);
  });

  it("checks that heads divide the hidden size and give RoPE an even head size", () => {
    expect(problemsOf({ dataset_file: "d.txt", hidden_size: 128, num_heads: 5 }).message).toContain(
      "must divide --hidden-size 128",
    );
    expect(problemsOf({ dataset_file: "d.txt", hidden_size: 12, num_heads: 4 }).message).toContain(
      "odd head size 3",
    );
    expect(
      resolveTrainingConfig({
        dataset_file: "d.txt",
        hidden_size: 12,
        num_heads: 4,
        pos_encodings: "learned",
      }).num_heads,
    ).toBe(4);
  });

  it("needs at least one sequence per worker", () => {
    expect(problemsOf({ dataset_file: "d.txt", batch_size: 1, workers: 2 }).problems[0]?.key).toBe(
      "workers",
    );
  });

  it("validates the token env var name and the brain name", () => {
    expect(problemsOf({ dataset_file: "d.txt", hf_token_env: "MY-TOKEN" }).message).toContain(
      "--hf-token-env",
    );
    expect(problemsOf({ dataset_file: "d.txt", brain_name: "../escape" }).message).toContain(
      "--brain-name",
    );
  });

  it("switches to the hf backend for an hf:// dataset file", () => {
    const config = resolveTrainingConfig({
      dataset_file: "hf://wikitext:wikitext-2-v1:validation",
    });
    expect(config).toMatchObject({
      dataset_backend: "hf",
      dataset_file: null,
      hf_name: "wikitext",
      hf_config: "wikitext-2-v1",
      hf_split: "validation",
    });
  });

  it("keeps the default split when hf:// gives none", () => {
    expect(resolveTrainingConfig({ dataset_file: "hf://wikitext" }).hf_split).toBe("train");
  });

  it("switches to webdataset for wds:// and strips file://", () => {
    expect(resolveTrainingConfig({ dataset_file: "wds://s/{0..3}.tar" })).toMatchObject({
      dataset_backend: "webdataset",
      wds_pattern: "s/{0..3}.tar",
    });
    expect(resolveTrainingConfig({ dataset_file: "file:///tmp/a.txt" }).dataset_file).toBe(
      "/tmp/a.txt",
    );
  });

  it("suggests webdataset for a raw shard path", () => {
    const error = problemsOf({ dataset_file: "shards/shard-{000..009}.tar" });
    expect(error.message).toContain("names tar shards");
    expect(error.message).toContain(
      '--dataset-backend webdataset --wds-pattern "shards/shard-{000..009}.tar"',
    );
  });

  it("rejects a URI that contradicts an explicit backend or field", () => {
    expect(
      problemsOf({ dataset_file: "hf://a:b:c", dataset_backend: "webdataset" }).message,
    ).toContain("conflicts with --dataset-file hf://a:b:c");
    expect(problemsOf({ dataset_file: "hf://a:b:c", hf_name: "other" }).problems[0]?.key).toBe(
      "hf_name",
    );
    expect(resolveTrainingConfig({ dataset_file: "hf://a:b:c", hf_name: "a" }).hf_name).toBe("a");
  });

  it("reads --hf-data-files as load_dataset's data_files, and names what is wrong in it", () => {
    const config = resolveTrainingConfig({
      dataset_backend: "hf",
      hf_name: "x/y",
      hf_data_files: "train=a/*.jsonl, b.jsonl;test=t.jsonl",
      hf_data_dir: "data",
      hf_revision: "v1.0",
      hf_shuffle: 0,
    });
    expect(config.hf_data_files).toBe("train=a/*.jsonl, b.jsonl;test=t.jsonl");
    expect(parseHfDataFiles(config.hf_data_files ?? "")).toEqual({
      train: ["a/*.jsonl", "b.jsonl"],
      test: ["t.jsonl"],
    });
    expect(parseHfDataFiles("a.csv,b.csv")).toEqual(["a.csv", "b.csv"]);
    expect(parseHfDataFiles('{"train": "x.csv", "dev": ["y.csv"]}')).toEqual({
      train: ["x.csv"],
      dev: ["y.csv"],
    });
    for (const [value, problem] of [
      ["train=a;train=b", 'names split "train" twice'],
      ["train=", '"train=" is not SPLIT=GLOB'],
      ["[1, 2]", "must be a non-empty list of globs"],
    ]) {
      expect(() =>
        resolveTrainingConfig({ dataset_backend: "hf", hf_name: "x/y", hf_data_files: value }),
      ).toThrow(problem);
    }
  });
});
