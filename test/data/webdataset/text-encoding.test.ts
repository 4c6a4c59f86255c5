import { createWriteStream } from "node:fs";
import { join } from "node:path";
import { pipeline } from "node:stream/promises";
import tar from "tar-stream";
import { beforeAll, describe, expect, it } from "vitest";
import { AiosError } from "../../../src/core/errors.js";
import type { EncodingErrors } from "../../../src/data/formats/encoding-errors.js";
import { resolveShards } from "../../../src/data/webdataset/shard-list.js";
import { WebDatasetBackend } from "../../../src/data/webdataset/webdataset-backend.js";
import { collect, fixtureDir } from "../fixtures.js";

const { root } = await fixtureDir();
let shard: string;

/** A shard of `.txt` members holding the given bytes, written with tar-stream. */
async function writeShard(path: string, members: readonly [string, Buffer][]): Promise<void> {
  const pack = tar.pack();
  const done = pipeline(pack, createWriteStream(path));
  for (const [name, bytes] of members) pack.entry({ name }, bytes);
  pack.finalize();
  await done;
}

beforeAll(async () => {
  shard = join(root, "encodings.tar");
  await writeShard(shard, [
    ["s1.txt", Buffer.from("plain text")],
    ["s2.txt", Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from("first line", "utf16le")])],
    [
      "s3.txt",
      Buffer.concat([Buffer.from([0xfe, 0xff]), Buffer.from("second", "utf16le").swap16()]),
    ],
    ["s4.txt", Buffer.from("café", "latin1")],
    ["s5.txt", Buffer.from("\uFEFFwith a mark")],
  ]);
});

function backend(encodingErrors: EncodingErrors): WebDatasetBackend {
  return new WebDatasetBackend({
    pattern: shard,
    shards: resolveShards(shard, "raise", () => {}),
    key: "txt",
    decode: "text",
    shuffle: 0,
    resampled: false,
    seed: 0,
    rank: 0,
    worldSize: 1,
    onError: "raise",
    encodingErrors,
    warn: () => {},
  });
}

describe("webdataset: text encodings of members", () => {
  it("decodes UTF-16 by its mark, drops a UTF-8 mark, and counts invalid UTF-8 as a bad row", async () => {
    const wds = backend("skip");
    expect(await collect(wds.iterText())).toEqual([
      "plain text",
      "first line",
      "second",
      "with a mark",
    ]);
    expect(wds.stats().badRows).toEqual({ "invalid UTF-8": 1 });
  });

  it("keeps it with U+FFFD under replace, counted as repaired", async () => {
    const wds = backend("replace");
    expect(await collect(wds.iterText())).toContain("caf\uFFFD");
    expect(wds.stats().repaired).toEqual({ "invalid UTF-8": 1 });
  });

  it("refuses it under strict, naming the shard and member", async () => {
    const error = await collect(backend("strict").iterText()).then(
      () => null,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(AiosError);
    expect((error as AiosError).code).toBe("DATASET_ENCODING");
    expect((error as AiosError).message).toContain("encodings.tar s4.txt line 1");
  });
});
