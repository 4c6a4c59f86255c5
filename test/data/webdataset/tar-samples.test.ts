import { spawnSync } from "node:child_process";
import { createReadStream } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import type { AiosError } from "../../../src/core/errors.js";
import { openShard } from "../../../src/data/webdataset/open-shard.js";
import { resolveShards } from "../../../src/data/webdataset/shard-list.js";
import {
  isMetaMember,
  type ShardSampleOptions,
  samplesOfShard,
  splitMemberName,
} from "../../../src/data/webdataset/tar-samples.js";
import { WebDatasetBackend } from "../../../src/data/webdataset/webdataset-backend.js";
import { collect, fixtureDir } from "../fixtures.js";

// The rules under test are those of the Python `webdataset` library, src/webdataset/tariterators.py
// (base_plus_ext, tar_file_iterator, group_by_keys); the shards are written by Python's tarfile.
const { root } = await fixtureDir();
const hasPython = spawnSync("python3", ["-c", "import tarfile, bz2"]).status === 0;
if (!hasPython)
  console.warn("skipping the webdataset convention tests: `python3` is not installed");

/**
 * Writes `name` with Python's tarfile: members are [name, text] (a regular file), [name, "DIR"]
 * or [name, "SYMLINK"]; `mode` is tarfile's ("w", "w:gz", "w:bz2"), `format` its format name.
 */
function pythonTar(
  name: string,
  members: readonly (readonly [string, string])[],
  options: { mode?: string; format?: "USTAR" | "GNU" | "PAX" } = {},
): string {
  const path = join(root, name);
  const script = `
import io, json, sys, tarfile
path, mode, fmt, members = sys.argv[1], sys.argv[2], sys.argv[3], json.loads(sys.argv[4])
with tarfile.open(path, mode, format=getattr(tarfile, fmt + "_FORMAT")) as t:
    for name, text in members:
        info = tarfile.TarInfo(name)
        if text == "DIR":
            info.type = tarfile.DIRTYPE
            t.addfile(info)
        elif text == "SYMLINK":
            info.type = tarfile.SYMTYPE
            info.linkname = "elsewhere.txt"
            t.addfile(info)
        else:
            data = text.encode()
            info.size = len(data)
            t.addfile(info, io.BytesIO(data))
`;
  const r = spawnSync(
    "python3",
    ["-c", script, path, options.mode ?? "w", options.format ?? "USTAR", JSON.stringify(members)],
    { encoding: "utf8" },
  );
  expect(r.status, r.stderr).toBe(0);
  return path;
}

/** Every sample of a shard as {key: {field: text}}, in order, with the members counted. */
async function samplesOf(
  path: string,
  onDuplicate: ShardSampleOptions["onDuplicate"] = "raise",
): Promise<{ samples: [string, Record<string, string>][]; counts: Record<string, number> }> {
  const counts: Record<string, number> = {};
  const samples: [string, Record<string, string>][] = [];
  const shard = samplesOfShard(createReadStream(path), path, {
    onDuplicate,
    count: (reason) => {
      counts[reason] = (counts[reason] ?? 0) + 1;
    },
  });
  for await (const sample of shard) {
    const fields = Object.fromEntries(
      [...sample.fields].map(([field, value]) => [field, value.toString("utf8")]),
    );
    samples.push([sample.key, fields]);
  }
  return { samples, counts };
}

function backend(pattern: string, key = "txt"): WebDatasetBackend {
  return new WebDatasetBackend({
    pattern,
    shards: resolveShards(pattern, "raise", () => {}),
    key,
    decode: "text",
    shuffle: 0,
    resampled: false,
    seed: 0,
    rank: 0,
    worldSize: 1,
    onError: "raise",
    warn: () => {},
  });
}

describe("member names (base_plus_ext)", () => {
  it("splits at the first dot of the file name, after the last slash; suffixes lower-cased", () => {
    expect(splitMemberName("dir/a.b/x.en.txt")).toEqual({ key: "dir/a.b/x", field: "en.txt" });
    expect(splitMemberName("s0001.TXT")).toEqual({ key: "s0001", field: "txt" });
    expect(splitMemberName("Key.En.JSON")).toEqual({ key: "Key", field: "en.json" });
    expect(splitMemberName("./a.txt")).toEqual({ key: "./a", field: "txt" });
  });

  it("has no key for a name without a dot, or with nothing before its first dot", () => {
    expect(splitMemberName("README")).toBeNull();
    expect(splitMemberName("dir.d/README")).toBeNull();
    expect(splitMemberName(".hidden")).toBeNull();
  });

  it("knows webdataset's metadata names: __name__ at the top, __dir__/ as first directory", () => {
    expect(isMetaMember("__index__")).toBe(true);
    expect(isMetaMember("__meta__/info.txt")).toBe(true);
    expect(isMetaMember("__a__.txt")).toBe(false);
    expect(isMetaMember("x/__meta__/y.txt")).toBe(false);
    expect(isMetaMember("__x.txt")).toBe(false);
  });
});

describe.skipIf(!hasPython)("shards written by Python tarfile, read by webdataset's rules", () => {
  it("reads upper-case suffixes as their lower-case field (s0001.TXT is a .txt)", async () => {
    const path = pythonTar("upper.tar", [
      ["s0001.TXT", "upper one"],
      ["s0002.TXT", "upper two"],
      ["s0003.txt", "lower three"],
    ]);
    const b = backend(path);
    expect(await collect(b.iterText())).toEqual(["upper one", "upper two", "lower three"]);
    expect(b.stats().skipped).toEqual({});
    // The key that picks the field is compared lower-cased too.
    expect(await collect(backend(path, "TXT").iterText())).toHaveLength(3);
  });

  for (const format of ["USTAR", "GNU", "PAX"] as const) {
    it(`groups consecutive members by key and skips what webdataset skips (${format})`, async () => {
      const path = pythonTar(
        `rules-${format}.tar`,
        [
          ["__index__", "metadata, not a sample"],
          ["__meta__", "DIR"],
          ["__meta__/info.txt", "metadata too"],
          ["d", "DIR"],
          ["d/s1.txt", "one"],
          ["NOTES", "a member without an extension"],
          ["d/s1.json", '{"text": "one as json"}'],
          ["link.txt", "SYMLINK"],
          ["dir.v2/s2.en.TXT", "two in english"],
          [".hidden", "nothing before the first dot"],
          ["__a__.txt", "not metadata: a sample keyed __a__"],
          ["x/__meta__/y.txt", "not metadata either"],
          ["d/s1.txt", "same key again, not adjacent: a new sample"],
        ],
        { format },
      );
      const { samples, counts } = await samplesOf(path);
      expect(samples).toEqual([
        // NOTES between two members of d/s1 neither joins nor splits the sample.
        ["d/s1", { txt: "one", json: '{"text": "one as json"}' }],
        ["dir.v2/s2", { "en.txt": "two in english" }],
        ["__a__", { txt: "not metadata: a sample keyed __a__" }],
        ["x/__meta__/y", { txt: "not metadata either" }],
        ["d/s1", { txt: "same key again, not adjacent: a new sample" }],
      ]);
      expect(counts).toEqual({ "tar member without an extension": 2 });
    });
  }

  it("refuses a second file with one field in a sample, or drops it under --wds-on-error skip", async () => {
    const path = pythonTar("duplicate.tar", [
      ["s1.txt", "first"],
      ["s1.TXT", "the same field, upper-case"],
      ["s2.txt", "second"],
    ]);
    const error = await samplesOf(path).catch((e: unknown) => e);
    expect((error as AiosError).code).toBe("SHARD_READ");
    expect((error as AiosError).message).toContain(
      `shard ${path}: s1.TXT: sample "s1" already has a .txt file`,
    );
    const skipping = await samplesOf(path, "skip");
    expect(skipping.samples).toEqual([
      ["s1", { txt: "first" }],
      ["s2", { txt: "second" }],
    ]);
    expect(skipping.counts).toEqual({ "duplicate field in a sample": 1 });
  });

  it("counts the members without an extension in the backend's stats", async () => {
    const path = pythonTar("stray.tar", [
      ["s1.txt", "one"],
      ["LICENSE", "stray"],
    ]);
    const b = backend(path);
    expect(await collect(b.iterText())).toEqual(["one"]);
    expect(b.stats().skipped).toEqual({ "tar member without an extension": 1 });
  });

  it("tells compression by the first bytes, as tarfile's r|* does, not by the name", async () => {
    const members = [["s1.txt", "compressed one"]] as const;
    const gzipNamedTar = pythonTar("gzip-inside.tar", members, { mode: "w:gz" });
    const plainNamedGz = pythonTar("plain-inside.tar.gz", members);
    for (const path of [gzipNamedTar, plainNamedGz]) {
      expect(await collect(backend(path).iterText())).toEqual(["compressed one"]);
    }
    const bzip2 = pythonTar("b.tar.bz2", members, { mode: "w:bz2" });
    const error = await openShard({ kind: "file", path: bzip2, url: bzip2 }).catch(
      (e: unknown) => e,
    );
    expect((error as AiosError).code).toBe("SHARD_READ");
    expect((error as AiosError).message).toBe(
      `shard ${bzip2}: bz2-compressed, which aios does not read`,
    );
    expect((error as AiosError).hint).toContain(`pipe:bzcat ${bzip2}`);
  });
});
