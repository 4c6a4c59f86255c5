import { describe, expect, it } from "vitest";
import { datasetFileOf } from "../../../src/data/formats/dataset-file.js";

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
