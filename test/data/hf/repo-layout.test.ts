/**
 * The rules `datasets` 5.0 resolves a repo's files by, one at a time (the conformance suite
 * checks them against the real client as a whole).
 */
import { describe, expect, it } from "vitest";
import { AiosError } from "../../../src/core/errors.js";
import { inferModule, moduleKeeps } from "../../../src/data/hf/builder-module.js";
import { cardData, cardMetadata } from "../../../src/data/hf/card-configs.js";
import { getDataPatterns, sanitizePatterns } from "../../../src/data/hf/data-patterns.js";
import { globRegExp, matchPattern } from "../../../src/data/hf/hub-glob.js";
import {
  type LayoutRequest,
  repoLayout,
  UnreadableRepoError,
} from "../../../src/data/hf/repo-layout.js";

const request = (overrides: Partial<LayoutRequest> = {}): LayoutRequest => ({
  config: null,
  split: "train",
  dataFiles: null,
  dataDir: null,
  ...overrides,
});
const cardOf = (...yaml: string[]) =>
  cardData(cardMetadata(["---", ...yaml, "---", ""].join("\n")));
const noCard = cardData(null);

function failure(run: () => unknown): AiosError {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(AiosError);
    return error as AiosError;
  }
  throw new Error("expected an error");
}

describe("globs as fsspec translates them", () => {
  it("matches * within a segment, ** across segments, classes and their negation", () => {
    expect(globRegExp("data/*.jsonl").test("data/a.jsonl")).toBe(true);
    expect(globRegExp("data/*.jsonl").test("data/x/a.jsonl")).toBe(false);
    expect(globRegExp("**/train[-._ 0-9]*").test("train.csv")).toBe(true);
    expect(globRegExp("**/train[-._ 0-9]*").test("a/b/train-0.csv")).toBe(true);
    expect(globRegExp("**/train[-._ 0-9]*").test("a/trainer.csv")).toBe(false);
    expect(globRegExp("part-[!a]/*").test("part-b/x")).toBe(true);
    expect(globRegExp("part-[!a]/*").test("part-a/x")).toBe(false);
    expect(globRegExp("data/**").test("data/a/b/c.txt")).toBe(true);
    expect(() => globRegExp("data/a**")).toThrow(/entire path component/);
  });

  it("leaves out the card, hidden files and __special__ directories unless asked for", () => {
    const paths = ["README.md", ".hidden.jsonl", "a.jsonl", "__x__/b.jsonl", ".git/c.jsonl"];
    expect(matchPattern(paths, "**")).toEqual(["a.jsonl"]);
    expect(matchPattern(paths, ".*")).toEqual([".hidden.jsonl"]);
    expect(matchPattern(paths, "__*/*")).toEqual(["__x__/b.jsonl"]);
    expect(matchPattern(paths, "README.md")).toEqual(["README.md"]);
  });
});

describe("split patterns of a repo without data_files", () => {
  it("prefers the sharded data/{split}-NNNNN-of-NNNNN layout, any split name", () => {
    const patterns = getDataPatterns(
      ["data/train-00000-of-00001.jsonl", "data/extra-00000-of-00002.jsonl", "test.csv"],
      "",
    );
    expect([...patterns.keys()]).toEqual(["train", "extra"]);
  });

  it("then split directories, then split words in file names, then everything as train", () => {
    expect([...getDataPatterns(["a/train/x.csv", "test.csv"], "").keys()]).toEqual(["train"]);
    expect([...getDataPatterns(["train.csv", "my.dev.csv"], "").keys()]).toEqual([
      "train",
      "validation",
    ]);
    expect([...getDataPatterns(["one.csv", "two.csv"], "").keys()]).toEqual(["train"]);
  });

  it("reads data_files in every shape datasets takes, and refuses the others", () => {
    expect(sanitizePatterns("*.csv", "x")).toEqual(new Map([["train", ["*.csv"]]]));
    expect(sanitizePatterns({ test: "t.csv" }, "x")).toEqual(new Map([["test", ["t.csv"]]]));
    expect(sanitizePatterns([{ split: "dev", path: ["a", "b"] }], "x")).toEqual(
      new Map([["dev", ["a", "b"]]]),
    );
    expect(failure(() => sanitizePatterns([{ split: "a", path: "x", extra: 1 }], "x")).code).toBe(
      "DATASET_CARD",
    );
    expect(
      failure(() =>
        sanitizePatterns(
          [
            { split: "a", path: "x" },
            { split: "a", path: "y" },
          ],
          "x",
        ),
      ).message,
    ).toMatch(/names split "a" twice/);
  });
});

describe("the builder datasets chooses", () => {
  it("by the most frequent extension, parquet first on a tie, then jsonl, json, csv", () => {
    expect(inferModule(["a.csv", "b.csv", "c.jsonl"])?.module).toBe("csv");
    expect(inferModule(["a.csv", "c.jsonl"])?.module).toBe("json");
    expect(inferModule(["a.csv", "c.parquet"])?.module).toBe("parquet");
    expect(inferModule(["a.tsv"])).toEqual({ module: "csv", kwargs: { sep: "\t" } });
    expect(inferModule(["a.png", "b.png", "c.txt"])?.module).toBe("imagefolder");
    expect(inferModule(["notes.md"])).toBeNull();
  });

  it("keeps a builder's files by their extension, compressed ones too", () => {
    expect(moduleKeeps("json", "data/a.jsonl.gz")).toBe(true);
    expect(moduleKeeps("json", "data/a.csv")).toBe(false);
    expect(moduleKeeps("csv", "a.tsv")).toBe(true);
  });
});

describe("the card's YAML", () => {
  it("refuses front matter that is not YAML, naming the card", () => {
    for (const yaml of ["configs: [", ": : :\n\t- x"]) {
      const read = () => cardMetadata(`---\n${yaml}\n---\n# card\n`, null, "/data/repo/README.md");
      expect(read).toThrow(AiosError);
      expect(read).toThrow(
        /^the dataset card \/data\/repo\/README\.md has front matter that is not YAML: [^\n]+$/,
      );
    }
  });

  it("reads it as PyYAML does (YAML 1.1), .huggingface.yaml over the card", () => {
    const data = cardMetadata("---\nkeep: no\nsame: 1\nsame: 2\n---\n", "same: 3\n");
    expect(data).toEqual({ keep: false, same: 3 });
  });
});

describe("configs from the card", () => {
  const paths = ["a/x.jsonl", "b/y.jsonl", "b/z.jsonl"];

  it("takes the one marked default: true, or named default, or the only one", () => {
    const card = cardOf(
      "configs:",
      "- config_name: first",
      "  data_files: a/*.jsonl",
      "- config_name: second",
      "  default: true",
      "  data_files: b/*.jsonl",
    );
    const layout = repoLayout("r", paths, card, request());
    expect(layout.config).toBe("second");
    expect(layout.paths).toEqual(["b/y.jsonl", "b/z.jsonl"]);
    const named = cardOf(
      "configs:",
      "- config_name: other",
      "  data_files: a/*.jsonl",
      "- config_name: default",
      "  data_files: b/*.jsonl",
    );
    expect(repoLayout("r", paths, named, request()).config).toBe("default");
  });

  it("asks for --hf-config among several, and refuses two defaults as datasets does", () => {
    const several = cardOf(
      "configs:",
      "- config_name: one",
      "  data_files: a/*.jsonl",
      "- config_name: two",
      "  data_files: b/*.jsonl",
    );
    const error = failure(() => repoLayout("r", paths, several, request()));
    expect(error.code).toBe("CONFIG_INVALID");
    expect(error.message).toBe(
      'dataset "r" has several configs; choose one with --hf-config: one, two',
    );
    // With data_files of its own, datasets builds a config on the fly instead.
    const user = repoLayout("r", paths, several, request({ dataFiles: "a/*.jsonl" }));
    expect(user.paths).toEqual(["a/x.jsonl"]);
    const twice = cardOf(
      "configs:",
      "- config_name: one",
      "  default: true",
      "- config_name: two",
      "  default: true",
    );
    expect(failure(() => repoLayout("r", paths, twice, request())).message).toMatch(
      /several default configs: "one" and "two"/,
    );
  });

  it("resolves data_files relative to the config's data_dir, and a user's data_dir over it", () => {
    const card = cardOf(
      "configs:",
      "- config_name: default",
      "  data_dir: b",
      "  data_files: z.jsonl",
    );
    expect(repoLayout("r", paths, card, request()).paths).toEqual(["b/z.jsonl"]);
    expect(repoLayout("r", paths, card, request({ dataDir: "a" })).paths).toEqual(["a/x.jsonl"]);
  });

  it("applies the builder parameters and refuses the ones that would change rows unapplied", () => {
    const csvPaths = ["t.csv"];
    const card = cardOf(
      "configs:",
      "- config_name: default",
      "  data_files: t.csv",
      '  delimiter: "|"',
      "  column_names: [a, b]",
    );
    const layout = repoLayout("r", csvPaths, card, request());
    expect(layout.params).toMatchObject({ sep: "|", names: ["a", "b"], header: "infer" });
    const refused = cardOf(
      "configs:",
      "- config_name: default",
      "  data_files: t.csv",
      "  skiprows: 2",
    );
    const error = failure(() => repoLayout("r", csvPaths, refused, request()));
    expect(error.code).toBe("DATASET_CARD");
    expect(error.message).toMatch(/sets the csv builder's skiprows \(2\), which changes the rows/);
    // A parameter of another builder is ignored, as datasets ignores it.
    const other = cardOf(
      "configs:",
      "- config_name: default",
      "  data_files: t.csv",
      "  sample_by: paragraph",
    );
    expect(repoLayout("r", csvPaths, other, request()).params.sep).toBeNull();
  });

  it("names a missing literal data file, and a split that is not there", () => {
    const card = cardOf("configs:", "- config_name: default", "  data_files: a/missing.jsonl");
    expect(failure(() => repoLayout("r", paths, card, request())).message).toMatch(
      /data file a\/missing\.jsonl is not in the dataset/,
    );
    const split = failure(() => repoLayout("r", paths, noCard, request({ split: "test" })));
    expect(split.code).toBe("DATASET_NOT_FOUND");
  });

  it("calls a repo of files it cannot read unreadable, so that the conversion may be read", () => {
    expect(() => repoLayout("r", ["x.png", "y.png"], noCard, request())).toThrow(
      UnreadableRepoError,
    );
    expect(() => repoLayout("r", ["script.py"], noCard, request())).toThrow(UnreadableRepoError);
  });
});
