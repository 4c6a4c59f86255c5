import { describe, expect, it } from "vitest";
import { formatOf, parquetConversionConfigs } from "../../../src/data/hf/data-files.js";

const files = (...paths: string[]) => paths.map((path) => ({ path, size: 1 }));

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

  it("maps the parquet conversion's {config}/{split}/NNNN.parquet, partial splits marked", () => {
    const configs = parquetConversionConfigs(
      files(
        "plain_text/train/0001.parquet",
        "plain_text/train/0000.parquet",
        "plain_text/partial-test/0000.parquet",
        "other/validation/0000.parquet",
        ".gitattributes",
      ),
    );
    expect([...configs.keys()].sort()).toEqual(["other", "plain_text"]);
    const plain = configs.get("plain_text");
    expect(plain?.get("train")?.files.map((f) => f.path)).toEqual([
      "plain_text/train/0000.parquet",
      "plain_text/train/0001.parquet",
    ]);
    expect(plain?.get("train")?.partial).toBe(false);
    expect(plain?.get("test")).toEqual({
      files: files("plain_text/partial-test/0000.parquet"),
      partial: true,
    });
  });
});
