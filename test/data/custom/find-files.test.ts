import { describe, expect, it } from "vitest";
import { datasetFileOf, nearestName } from "../../../src/data/custom/find-files.js";

describe("datasetFileOf", () => {
  it("maps extensions (any case, with .gz) to formats and refuses others", () => {
    expect(datasetFileOf("a/b.JSONL.gz")).toEqual({
      path: "a/b.JSONL.gz",
      format: "jsonl",
      gzip: true,
    });
    expect(datasetFileOf("notes.md")?.format).toBe("text");
    expect(datasetFileOf("x.csv")?.format).toBe("csv");
    expect(datasetFileOf("x.json")?.gzip).toBe(false);
    expect(datasetFileOf("x.parquet")).toBeNull();
    expect(datasetFileOf("x.gz")).toBeNull();
  });
});

describe("nearestName", () => {
  it("suggests a likely typo and nothing for unrelated names", () => {
    expect(nearestName("train.jsonl", ["train.json", "valid.jsonl", "README.md"])).toBe(
      "train.json",
    );
    expect(nearestName("train.txt", ["zzzzzzzzzz.csv"])).toBeNull();
  });
});
