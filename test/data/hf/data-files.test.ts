import { describe, expect, it } from "vitest";
import { AiosError } from "../../../src/core/errors.js";
import {
  cardMetadata,
  formatOf,
  parquetConversionConfigs,
  repoConfigs,
  splitOfPath,
} from "../../../src/data/hf/data-files.js";

const files = (...paths: string[]) => paths.map((path) => ({ path, size: 1 }));
const splitsOf = (configs: ReturnType<typeof repoConfigs>, config: string) =>
  Object.fromEntries(
    [...(configs.get(config) ?? new Map())].map(([split, list]) => [
      split,
      list.map((f: { path: string }) => f.path),
    ]),
  );

describe("hf data files", () => {
  it("knows the formats it reads, gzip included, and nothing else", () => {
    expect(formatOf("data/train-0.parquet")).toEqual({ format: "parquet", gzip: false });
    expect(formatOf("a/b.JSONL.gz")).toEqual({ format: "jsonl", gzip: true });
    expect(formatOf("x.csv")).toEqual({ format: "csv", gzip: false });
    expect(formatOf("notes.txt.gz")).toEqual({ format: "text", gzip: true });
    expect(formatOf("README.md")).toBeNull();
    expect(formatOf(".gitattributes")).toBeNull();
    expect(formatOf("x.parquet.gz")).toBeNull();
  });

  it("reads splits from file and directory names as the Hub does", () => {
    expect(splitOfPath("data/train-00000-of-00002.parquet")).toBe("train");
    expect(splitOfPath("wikitext-2-v1/validation-00000-of-00001.parquet")).toBe("validation");
    expect(splitOfPath("my_data.dev.jsonl")).toBe("validation");
    expect(splitOfPath("test/part-1.csv")).toBe("test");
    expect(splitOfPath("data/eval.txt")).toBe("test");
    expect(splitOfPath("corpus/contest-results.jsonl")).toBeNull();
    expect(splitOfPath("data/all.jsonl")).toBeNull();
  });

  it("maps the parquet conversion's {config}/{split}/NNNN.parquet, partial splits included", () => {
    const configs = parquetConversionConfigs(
      files(
        "plain_text/train/0000.parquet",
        "plain_text/train/0001.parquet",
        "plain_text/partial-test/0000.parquet",
        "other/validation/0000.parquet",
        ".gitattributes",
      ),
    );
    expect([...configs.keys()].sort()).toEqual(["other", "plain_text"]);
    expect(splitsOf(configs, "plain_text")).toEqual({
      train: ["plain_text/train/0000.parquet", "plain_text/train/0001.parquet"],
      test: ["plain_text/partial-test/0000.parquet"],
    });
  });

  it("refuses a card whose front matter is not YAML, naming the card", () => {
    for (const yaml of ["configs: [", ": : :\n\t- x"]) {
      const read = () => cardMetadata(`---\n${yaml}\n---\n# card\n`, "/data/repo/README.md");
      expect(read).toThrow(AiosError);
      expect(read).toThrow(
        /^the dataset card \/data\/repo\/README\.md has front matter that is not YAML: [^\n]+$/,
      );
    }
  });

  it("follows the card's configs: split lists, globs and a bare data_files string", () => {
    const card = cardMetadata(
      [
        "---",
        "configs:",
        "- config_name: small",
        "  data_files:",
        "  - split: train",
        "    path: small/train-*",
        "  - split: test",
        "    path: [small/test.jsonl]",
        "- config_name: everything",
        "  data_files: '**/*.jsonl'",
        "---",
        "# card",
      ].join("\n"),
      "README.md",
    );
    const configs = repoConfigs(
      files(
        "small/train-0.jsonl",
        "small/train-1.jsonl",
        "small/test.jsonl",
        "big/x.jsonl",
        "README.md",
      ),
      card,
    );
    expect(splitsOf(configs, "small")).toEqual({
      train: ["small/train-0.jsonl", "small/train-1.jsonl"],
      test: ["small/test.jsonl"],
    });
    expect(splitsOf(configs, "everything")).toEqual({
      train: ["big/x.jsonl", "small/test.jsonl", "small/train-0.jsonl", "small/train-1.jsonl"],
    });
  });

  it("without a card, names files by split, and calls a repo with no split names all train", () => {
    const named = repoConfigs(files("data/train.csv", "data/test.csv", "data/extra.csv"), null);
    expect(splitsOf(named, "default")).toEqual({
      train: ["data/train.csv"],
      test: ["data/test.csv"],
    });
    const unnamed = repoConfigs(files("a.jsonl", "b.jsonl.gz", "README.md"), null);
    expect(splitsOf(unnamed, "default")).toEqual({ train: ["a.jsonl", "b.jsonl.gz"] });
  });
});
