import { describe, expect, it } from "vitest";
import { nearestName } from "../../../src/data/custom/find-files.js";

describe("nearestName", () => {
  it("suggests a likely typo and nothing for unrelated names", () => {
    expect(nearestName("train.jsonl", ["train.json", "valid.jsonl", "README.md"])).toBe(
      "train.json",
    );
    expect(nearestName("train.txt", ["zzzzzzzzzz.csv"])).toBeNull();
  });
});
