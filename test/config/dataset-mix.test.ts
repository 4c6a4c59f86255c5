import { describe, expect, it } from "vitest";
import { parseConfigText } from "../../src/config/load-config.js";
import { inertMixWarnings } from "../../src/config/mix-source-options.js";
import { formatMixFlag, type MixEntry, parseMixEntries } from "../../src/config/mix-syntax.js";
import {
  ConfigError,
  type RawTrainingConfig,
  resolveMixSource,
  resolveTrainingConfig,
} from "../../src/config/training-config.js";

function problemOf(raw: RawTrainingConfig): string {
  try {
    resolveTrainingConfig(raw);
  } catch (error) {
    if (error instanceof ConfigError) return error.message;
    throw error;
  }
  throw new Error("expected a ConfigError");
}

describe("--dataset-mix syntax", () => {
  it("reads URI=WEIGHT entries; commas inside {…} and = before the weight belong to the URI", () => {
    expect(
      parseMixEntries("hf://a/b:c:train=0.7, wds://s-{0,1}-{000..009}.tar=0.2,data/x=y.txt=0.1"),
    ).toEqual([
      { uri: "hf://a/b:c:train", weight: 0.7 },
      { uri: "wds://s-{0,1}-{000..009}.tar", weight: 0.2 },
      { uri: "data/x=y.txt", weight: 0.1 },
    ]);
  });

  it("reads entries without weights as round robin, and the JSON form with options and names", () => {
    expect(parseMixEntries("a.txt,b.txt")).toEqual([
      { uri: "a.txt", weight: null },
      { uri: "b.txt", weight: null },
    ]);
    expect(
      parseMixEntries('[{"uri": "a.csv", "weight": 2, "name": "web", "text_column": "body"}]'),
    ).toEqual([{ uri: "a.csv", weight: 2, name: "web", text_column: "body" }]);
  });

  it("says what is wrong, naming the source", () => {
    expect(parseMixEntries("a.txt=0,b.txt=1")).toBe(
      'source 1 (a.txt): weight "0" is not a positive number',
    );
    expect(parseMixEntries("a.txt=1,b.txt=-2")).toContain("source 2 (b.txt): weight");
    expect(parseMixEntries("a.txt=1,b.txt=inf")).toContain("source 2 (b.txt)");
    expect(parseMixEntries("a.txt=1,b.txt=NaN")).toContain("source 2 (b.txt)");
    expect(parseMixEntries("a.txt=1,b.txt=")).toContain("source 2 (b.txt)");
    expect(parseMixEntries([{ uri: "a.txt", weight: Number.POSITIVE_INFINITY }])).toContain(
      "source 1 (a.txt)",
    );
    expect(parseMixEntries("a.txt=1,b.txt")).toContain("source 2 (b.txt) has no weight");
    expect(parseMixEntries("")).toContain("names no source");
    expect(parseMixEntries([])).toContain("names no source");
    expect(parseMixEntries("a.txt=1,,b.txt=1")).toContain("entry 2 is empty");
    expect(parseMixEntries("a.txt=1,a.txt=2")).toContain("same name as source 1");
    expect(parseMixEntries("[{")).toContain("not valid JSON");
    expect(parseMixEntries([{ weight: 1 }])).toContain("source 1 has no uri");
  });

  it("formats entries back into flag text that parses to the same entries", () => {
    const lists: MixEntry[][] = [
      [
        { uri: "hf://a:b:train", weight: 0.7 },
        { uri: "wds://s-{0,1}.tar", weight: 0.3 },
      ],
      [
        { uri: "x=y.txt", weight: 1 },
        { uri: "b.txt", weight: 2 },
      ],
      [
        { uri: "x=y.txt", weight: null },
        { uri: "b.txt", weight: null },
      ],
      [
        { uri: "a,b.txt", weight: 1 },
        { uri: "c.txt", weight: 1, name: "c", hf: { split: "test" } },
      ],
    ];
    for (const entries of lists) expect(parseMixEntries(formatMixFlag(entries))).toEqual(entries);
    expect(formatMixFlag(lists[0] as MixEntry[])).toBe("hf://a:b:train=0.7,wds://s-{0,1}.tar=0.3");
  });
});

describe("a mixture in the training config", () => {
  it("takes the YAML list under memory.dataset.mix, per-source options included", () => {
    const { training } = parseConfigText(
      [
        "memory:",
        "  dataset:",
        "    mix_stopping_strategy: all_exhausted",
        "    mix:",
        "      - uri: hf://wikitext:wikitext-2-raw-v1:train",
        "        weight: 0.7",
        "        hf: {shuffle: 0}",
        "      - uri: data/code.csv",
        "        weight: 0.3",
        "        name: code",
        "        text_column: content",
      ].join("\n"),
      "mix.yaml",
    );
    const config = resolveTrainingConfig(training);
    expect(config.mix_stopping_strategy).toBe("all_exhausted");
    const [hf, code] = config.dataset_mix ?? [];
    const hfConfig = resolveMixSource(config, hf as MixEntry, 0);
    expect(hfConfig).toMatchObject({
      dataset_backend: "hf",
      hf_name: "wikitext",
      hf_config: "wikitext-2-raw-v1",
      hf_split: "train",
      hf_shuffle: 0,
      dataset_mix: null,
    });
    const codeConfig = resolveMixSource(config, code as MixEntry, 1);
    expect(codeConfig).toMatchObject({
      dataset_backend: "custom",
      dataset_file: "data/code.csv",
      text_column: "content",
    });
  });

  it("lets shared dataset options apply to every source that does not set its own", () => {
    const config = resolveTrainingConfig({
      dataset_mix: '[{"uri": "a.csv"}, {"uri": "b.csv", "text_column": "own"}, {"uri": "hf://x"}]',
      text_column: "shared",
      hf_split: "validation",
    });
    const [a, b, x] = (config.dataset_mix ?? []).map((e, i) => resolveMixSource(config, e, i));
    expect(a?.text_column).toBe("shared");
    expect(b?.text_column).toBe("own");
    expect(x?.hf_split).toBe("validation");
  });

  it("refuses a mixture beside a single dataset's settings", () => {
    expect(problemOf({ dataset_mix: "a.txt=1", dataset_file: "b.txt" })).toContain(
      '--dataset-file (memory.dataset.file) = "b.txt": cannot be combined with --dataset-mix',
    );
    expect(problemOf({ dataset_mix: "a.txt=1", hf_name: "wikitext" })).toContain(
      "--hf-name (memory.dataset.hf.name)",
    );
    expect(problemOf({ dataset_mix: "a.txt=1", dataset_backend: "webdataset" })).toContain(
      "--dataset-backend (memory.dataset.backend)",
    );
  });

  it("refuses a source whose URI or options cannot be, naming it", () => {
    expect(problemOf({ dataset_mix: "a.txt=1,hf://x:y:z:w=1" })).toContain(
      'source 2 (hf://x:y:z:w): --dataset-file "hf://x:y:z:w" is not a valid dataset URI',
    );
    expect(problemOf({ dataset_mix: "a.txt=1,shards/s-{0..9}.tar=1" })).toContain(
      "source 2 (shards/s-{0..9}.tar)",
    );
    expect(problemOf({ dataset_mix: '[{"uri": "a.txt", "hf": {"shuffle": "lots"}}]' })).toContain(
      "source 1 (a.txt): --hf-shuffle (memory.dataset.hf.shuffle)",
    );
    expect(problemOf({ dataset_mix: '[{"uri": "a.txt", "rank": 1}]' })).toContain(
      "source 1 (a.txt): rank is not a dataset option a source can set",
    );
  });

  it("says that a stopping strategy without a mixture has no effect", () => {
    expect(
      inertMixWarnings(
        resolveTrainingConfig({ dataset_file: "a.txt", mix_stopping_strategy: "all_exhausted" }),
      ),
    ).toEqual([
      "--mix-stopping-strategy (memory.dataset.mix_stopping_strategy) = all_exhausted has no effect without --dataset-mix",
    ]);
    expect(inertMixWarnings(resolveTrainingConfig({ dataset_file: "a.txt" }))).toEqual([]);
    expect(
      inertMixWarnings(
        resolveTrainingConfig({ dataset_mix: "a.txt", mix_stopping_strategy: "all_exhausted" }),
      ),
    ).toEqual([]);
  });

  it("needs no --dataset-file when a mixture is given", () => {
    expect(resolveTrainingConfig({ dataset_mix: "a.txt=1" }).dataset_file).toBeNull();
  });
});
