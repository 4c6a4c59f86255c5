import { describe, expect, it } from "vitest";
import { looksLikeShards, parseDatasetUri } from "../../src/config/dataset-uri.js";
import { AiosError } from "../../src/core/errors.js";

describe("dataset URIs", () => {
  it("maps file:// to the custom backend with the decoded path", () => {
    expect(parseDatasetUri("file:///data/my%20set.txt")).toEqual({
      backend: "custom",
      path: "/data/my set.txt",
    });
  });

  it("maps hf://name:config:split to the hf backend", () => {
    expect(parseDatasetUri("hf://wikitext:wikitext-2-v1:test")).toEqual({
      backend: "hf",
      name: "wikitext",
      config: "wikitext-2-v1",
      split: "test",
    });
  });

  it("allows org/name and missing config or split in hf://", () => {
    expect(parseDatasetUri("hf://org/corpus")).toEqual({
      backend: "hf",
      name: "org/corpus",
      config: null,
      split: null,
    });
    expect(parseDatasetUri("hf://corpus::validation")).toEqual({
      backend: "hf",
      name: "corpus",
      config: null,
      split: "validation",
    });
  });

  it("maps wds://pattern to the webdataset backend", () => {
    expect(parseDatasetUri("wds://shards/s-{000..009}.tar")).toEqual({
      backend: "webdataset",
      pattern: "shards/s-{000..009}.tar",
    });
  });

  it("treats a raw value as a local path", () => {
    expect(parseDatasetUri("data/train.jsonl")).toEqual({
      backend: "custom",
      path: "data/train.jsonl",
    });
  });

  it.each([
    ["hf://", /hf:\/\/NAME:CONFIG:SPLIT/],
    ["hf://a:b:c:d", /hf:\/\/NAME:CONFIG:SPLIT/],
    ["wds://", /wds:\/\/PATTERN/],
    ["file://", /file:\/\/ needs a path/],
    ["s3://bucket/key", /supported schemes/],
  ])("rejects %s with a fix", (value, hint) => {
    let caught: unknown;
    try {
      parseDatasetUri(value);
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(AiosError);
    expect((caught as AiosError).message).toContain(value);
    expect((caught as AiosError).hint).toMatch(hint);
  });

  it("recognises tar shard names", () => {
    expect(looksLikeShards("data/shard-{000..999}.tar")).toBe(true);
    expect(looksLikeShards("data/one.tar")).toBe(true);
    expect(looksLikeShards("data/one.tar.gz")).toBe(true);
    expect(looksLikeShards("data/notes.txt")).toBe(false);
    expect(looksLikeShards("data/{a,b}.txt")).toBe(false);
  });
});
