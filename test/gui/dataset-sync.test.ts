import { describe, expect, it } from "vitest";
import { fieldsFromInline, inlineFromFields } from "../../src/gui/page/dataset-sync.js";

describe("the inline dataset field and the backend fields stay in step", () => {
  it("a pasted hf:// URI selects hf and fills name, config and split", () => {
    expect(fieldsFromInline("hf://wikitext:wikitext-2-raw-v1:validation")).toEqual({
      dataset_backend: "hf",
      hf_name: "wikitext",
      hf_config: "wikitext-2-raw-v1",
      hf_split: "validation",
    });
    // No split in the URI: the split field keeps its value (the default, train).
    expect(fieldsFromInline("hf://org/data")).toEqual({
      dataset_backend: "hf",
      hf_name: "org/data",
      hf_config: "",
    });
  });

  it("a pasted wds:// URI selects webdataset and fills the pattern", () => {
    expect(fieldsFromInline(" wds://shards/shard-{000..009}.tar ")).toEqual({
      dataset_backend: "webdataset",
      wds_pattern: "shards/shard-{000..009}.tar",
    });
  });

  it("a plain path selects custom; empty or malformed text changes nothing", () => {
    expect(fieldsFromInline("data/train.txt")).toEqual({ dataset_backend: "custom" });
    expect(fieldsFromInline("")).toBeNull();
    expect(fieldsFromInline("hf://")).toBeNull();
    expect(fieldsFromInline("s3://bucket/key")).toBeNull();
  });

  it("editing hf or webdataset fields rewrites the inline URI", () => {
    expect(
      inlineFromFields({
        dataset_backend: "hf",
        hf_name: "wikitext",
        hf_config: "",
        hf_split: "test",
        dataset_file: "",
      }),
    ).toBe("hf://wikitext::test");
    expect(
      inlineFromFields({
        dataset_backend: "hf",
        hf_name: "imdb",
        hf_config: "plain_text",
        hf_split: "train",
      }),
    ).toBe("hf://imdb:plain_text:train");
    expect(inlineFromFields({ dataset_backend: "hf", hf_name: "", hf_split: "train" })).toBe("");
    expect(inlineFromFields({ dataset_backend: "webdataset", wds_pattern: "s/{0..3}.tar" })).toBe(
      "wds://s/{0..3}.tar",
    );
  });

  it("switching to custom keeps a typed path but drops a URI of another backend", () => {
    expect(inlineFromFields({ dataset_backend: "custom", dataset_file: "data/a.txt" })).toBeNull();
    expect(inlineFromFields({ dataset_backend: "custom", dataset_file: "hf://imdb" })).toBe("");
    expect(inlineFromFields({ dataset_backend: "custom", dataset_file: "wds://x.tar" })).toBe("");
  });

  it("round-trips: fields from a URI give back the same URI", () => {
    for (const uri of ["hf://a:b:c", "hf://org/name:cfg:validation", "wds://d/s-{000..099}.tar"]) {
      const fields = fieldsFromInline(uri);
      expect(inlineFromFields({ hf_split: "train", ...fields, dataset_file: uri })).toBe(uri);
    }
  });
});
