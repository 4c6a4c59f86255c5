import { describe, expect, it } from "vitest";
import { guessTextColumn, usesWholeRow } from "../../../src/data/formats/pick-text.js";

describe("guessTextColumn", () => {
  it("prefers the column with the longest text to the first one that is not a number", () => {
    const header = ["sentiment", "review"];
    const rows = [
      ["positive", "I loved the pacing, the score, and the final act"],
      ["negative", "Two hours I will never get back"],
    ];
    expect(guessTextColumn(header, rows)).toEqual({ index: 1, by: "longest text" });
  });

  it("compares average lengths among columns of words, and among columns without spaces", () => {
    const header = ["title", "review"];
    const rows = [
      ["Great film", "I loved the pacing, the score, and the final act"],
      ["Not good", "Two hours I will never get back"],
    ];
    expect(guessTextColumn(header, rows)).toEqual({ index: 1, by: "longest text" });
    const chinese = [
      ["正面", "我非常喜欢这部电影的节奏和配乐"],
      ["负面", "两个小时白白浪费了"],
    ];
    expect(guessTextColumn(["类别", "评论"], chinese)?.index).toBe(1);
  });

  it("lets a well-known name win over longer text", () => {
    const rows = [["a much longer value in the first column than the second", "short"]];
    expect(guessTextColumn(["notes", "Content"], rows)).toEqual({ index: 1, by: "name" });
    expect(guessTextColumn(["notes", "Content"], [])).toEqual({ index: 1, by: "name" });
  });

  it("prefers words to longer ids and URLs, and skips numeric columns", () => {
    const header = ["id", "url", "score", "comment"];
    const rows = [
      [
        "0f8fad5b-d9cb-469f-a165-70867728950e",
        "https://example.com/a/very/long/path",
        "0.5",
        "ok then",
      ],
      [
        "7c9e6679-7425-40de-944b-e07fc1f90ae7",
        "https://example.com/another/long/path",
        "12",
        "not bad",
      ],
    ];
    expect(guessTextColumn(header, rows)?.index).toBe(3);
    expect(guessTextColumn(["id", "score"], [["1", "0.5"]])).toBeNull();
  });

  it("averages over the sample rows, a missing value counting as empty, leftmost on a tie", () => {
    const header = ["a", "b"];
    // b averages 9.7 over the three rows (14.5 over the two that have it); a averages 11.
    const rows = [
      ["one two three four five six"],
      ["x y", "eleven letters here"],
      ["x y", "more words"],
    ];
    expect(guessTextColumn(header, rows)?.index).toBe(0);
    expect(guessTextColumn(header, [["same size", "size same"]])?.index).toBe(0);
  });
});

describe("usesWholeRow", () => {
  it("is true only for rows trained on as their whole JSON", () => {
    expect(usesWholeRow({ review: "x" }, null)).toBe(true);
    expect(usesWholeRow([1, 2], null)).toBe(true);
    expect(usesWholeRow({ content: "x" }, null)).toBe(false);
    expect(usesWholeRow("plain", null)).toBe(false);
    expect(usesWholeRow({ review: "x" }, "review")).toBe(false);
  });
});
