import { describe, expect, it } from "vitest";
import { AiosError } from "../../../src/core/errors.js";
import { matchesFilter, parseFilter } from "../../../src/memory/vector-store/filter.js";
import { filterToSql } from "../../../src/memory/vector-store/lancedb/filter-sql.js";

describe("parseFilter", () => {
  it("turns equality, $eq and $in into one kind of condition and ranges into another", () => {
    expect(
      parseFilter({ a: "x", b: { $eq: 2 }, c: { $in: [true, "y"] }, d: { $gte: 1, $lt: 5 } }),
    ).toEqual([
      { op: "in", key: "a", values: ["x"] },
      { op: "in", key: "b", values: [2] },
      { op: "in", key: "c", values: [true, "y"] },
      { op: "range", key: "d", gte: 1, lt: 5 },
    ]);
    expect(parseFilter(undefined)).toEqual([]);
    expect(parseFilter({})).toEqual([]);
  });

  it("names the key and the fix when it refuses", () => {
    const attempt = (filter: unknown) => {
      try {
        parseFilter(filter);
      } catch (error) {
        if (error instanceof AiosError) return error;
      }
      throw new Error("expected an AiosError");
    };
    expect(attempt({ age: { $between: [1, 2] } }).message).toMatch(
      /age: unknown operator \$between/,
    );
    expect(attempt({ "1st": 1 }).message).toMatch(/key "1st" is not filterable/);
    expect(attempt({ n: Number.NaN }).message).toMatch(/n: NaN is neither/);
    expect(attempt({ n: { $lt: Number.POSITIVE_INFINITY } }).message).toMatch(/finite number/);
  });
});

describe("matchesFilter (the reference semantics)", () => {
  const metadata = { tags: ["QA", 3], n: 4, s: "4", flag: false };
  it.each([
    [{ tags: "QA" }, true],
    [{ tags: 3 }, true],
    [{ tags: "3" }, false],
    [{ n: 4 }, true],
    [{ n: "4" }, false],
    [{ s: { $gte: 1 } }, false],
    [{ n: { $gt: 3, $lte: 4 } }, true],
    [{ tags: { $gte: 0 } }, false],
    [{ flag: false }, true],
    [{ flag: 0 }, false],
    [{ n: 4, flag: true }, false],
  ])("%j -> %s", (filter, expected) => {
    expect(matchesFilter(metadata, parseFilter(filter))).toBe(expected);
  });
});

describe("filterToSql (LanceDB)", () => {
  it("escapes quotes inside values", () => {
    const sql = filterToSql(parseFilter({ name: "it's" }));
    expect(sql).toBe(`array_has_any(facets, ['name\u001f"it''s"'])`);
  });
});
