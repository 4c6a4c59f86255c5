import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdir, readdir, readFile, symlink, writeFile } from "node:fs/promises";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { AiosError } from "../../../src/core/errors.js";
import type { BackendPosition } from "../../../src/data/types.js";
import { expandShardPattern, resolveShards } from "../../../src/data/webdataset/shard-list.js";
import {
  WebDatasetBackend,
  type WebDatasetOptions,
} from "../../../src/data/webdataset/webdataset-backend.js";
import { writeShards } from "../../../src/data/webdataset/write-shards.js";
import { collect, fixtureDir } from "../fixtures.js";

const { root, write } = await fixtureDir();
const hasTar = spawnSync("tar", ["--version"]).status === 0;
const hasPython = spawnSync("python3", ["-c", "import tarfile"]).status === 0;
if (!hasTar) console.warn("skipping the GNU tar interop tests: `tar` is not installed");
if (!hasPython)
  console.warn("skipping the Python tarfile interop tests: `python3` is not installed");

function backend(pattern: string, overrides: Partial<WebDatasetOptions> = {}): WebDatasetBackend {
  const warnings: string[] = [];
  const onError = overrides.onError ?? "raise";
  return new WebDatasetBackend({
    pattern,
    shards: resolveShards(pattern, onError, (m) => warnings.push(m)),
    key: "txt",
    decode: "text",
    shuffle: 0,
    resampled: false,
    seed: 0,
    rank: 0,
    worldSize: 1,
    onError,
    warn: (m) => warnings.push(m),
    ...overrides,
  });
}

/** Ten shards of ten samples each: "s<shard>-<i>". */
let tenShards: string;

beforeAll(async () => {
  async function* texts() {
    for (let i = 0; i < 100; i++) yield `s${Math.floor(i / 10)}-${i % 10}`;
  }
  const written = await writeShards(texts(), {
    dir: join(root, "ten"),
    prefix: "part",
    maxSamples: 10,
    maxBytes: 1 << 20,
    field: "txt",
  });
  expect(written.files).toHaveLength(10);
  tenShards = written.pattern;
});

describe("shard patterns", () => {
  it("expands brace ranges with their zero padding, lists, and ::-joined patterns", () => {
    expect(expandShardPattern("a/shard-{000000..000002}.tar")).toEqual([
      "a/shard-000000.tar",
      "a/shard-000001.tar",
      "a/shard-000002.tar",
    ]);
    expect(expandShardPattern("{x,y}.tar::https://h/s-{8..10}.tgz")).toEqual([
      "x.tar",
      "y.tar",
      "https://h/s-8.tgz",
      "https://h/s-9.tgz",
      "https://h/s-10.tgz",
    ]);
  });

  it("fails at once, showing the expanded names, when no local shard exists", () => {
    expect(() => resolveShards(join(root, "none-{0..2}.tar"), "raise", () => {})).toThrow(
      /no shard of --wds-pattern .* exists; it expands to .*none-0\.tar, .*none-1\.tar, .*none-2\.tar/,
    );
  });

  it("names missing shards, or skips them with --wds-on-error skip", () => {
    const pattern = `${tenShards}::${join(root, "ten", "gone.tar")}`;
    expect(() => resolveShards(pattern, "raise", () => {})).toThrow(
      /1 of 11 shards .* are missing: .*gone\.tar/,
    );
    const warnings: string[] = [];
    expect(resolveShards(pattern, "skip", (m) => warnings.push(m))).toHaveLength(10);
    expect(warnings[0]).toContain("gone.tar");
  });
});

describe("writing shards", () => {
  it("leaves no shard of a failed run, and the earlier shards as they were", async () => {
    const dir = join(root, "half");
    async function* texts(n: number, fail: boolean) {
      for (let i = 0; i < n; i++) yield `${fail ? "second" : "first"} run, text ${i}`;
      if (fail) throw new Error("the source broke");
    }
    const options = { dir, prefix: "part", maxSamples: 10, maxBytes: 1 << 20, field: "txt" };
    const earlier = await writeShards(texts(12, false), options);
    expect(earlier.files).toHaveLength(2);
    const before = await readFile(join(dir, "part-000000.tar"));
    await expect(writeShards(texts(25, true), { ...options, overwrite: true })).rejects.toThrow(
      "the source broke",
    );
    expect((await readdir(dir)).sort()).toEqual(["part-000000.tar", "part-000001.tar"]);
    expect(await readFile(join(dir, "part-000000.tar"))).toEqual(before);
  });

  it.skipIf(!existsSync("/dev/full"))(
    "names the output directory and the file's error when a write fails",
    async () => {
      const dir = join(root, "full");
      async function* texts() {
        // The shard file is opened after its first text is read: make it the full device.
        await symlink("/dev/full", join(dir, "part-000000.tar.partial"));
        for (let i = 0; i < 20; i++) yield "x".repeat(100_000);
      }
      await mkdir(dir);
      const error = await writeShards(texts(), {
        dir,
        prefix: "part",
        maxSamples: 10,
        maxBytes: 1 << 30,
        field: "txt",
      }).catch((e: unknown) => e);
      expect((error as AiosError).code).toBe("IO");
      expect((error as AiosError).message).toBe(
        `cannot write shards into --out ${dir}: ENOSPC: no space left on device, write`,
      );
      expect(await readdir(dir)).toEqual([]);
    },
  );

  it("clears a crashed run's .partial files under overwrite, and counts them as shards without", async () => {
    const dir = join(root, "crashed");
    await write("crashed/part-000003.tar.partial", "half a shard");
    async function* one() {
      yield "only";
    }
    const options = { dir, prefix: "part", maxSamples: 10, maxBytes: 1 << 20, field: "txt" };
    await expect(writeShards(one(), options)).rejects.toThrow(
      /already holds 1 file of shard prefix "part": part-000003\.tar\.partial/,
    );
    await writeShards(one(), { ...options, overwrite: true });
    expect(await readdir(dir)).toEqual(["part-000000.tar"]);
  });
});

describe("reading shards", () => {
  it("reads this project's shards in order", async () => {
    const texts = await collect(backend(tenShards).iterText());
    expect(texts).toHaveLength(100);
    expect(texts.slice(0, 3)).toEqual(["s0-0", "s0-1", "s0-2"]);
    expect(texts.at(-1)).toBe("s9-9");
  });

  it.skipIf(!hasTar)(
    "reads GNU tar shards with long names (gnu) and pax headers, plain and gzip'd",
    async () => {
      const longDir = `${"d".repeat(60)}/${"e".repeat(60)}`;
      await write(`gnu/${longDir}/k1.txt`, "first");
      await write(`gnu/${longDir}/k1.json`, JSON.stringify({ text: "first as json" }));
      await write(`gnu/${longDir}/k2.txt`, "second é");
      for (const [format, name] of [
        ["gnu", "gnu.tar"],
        ["pax", "pax.tar"],
        ["pax", "pax.tar.gz"],
      ]) {
        const args = [
          "-C",
          join(root, "gnu"),
          `--format=${format}`,
          "--sort=name",
          "-cf",
          join(root, name as string),
          ".",
        ];
        if ((name as string).endsWith(".gz")) args.splice(4, 0, "-z");
        const r = spawnSync("tar", args, { encoding: "utf8" });
        expect(r.status, r.stderr).toBe(0);
        expect(await collect(backend(join(root, name as string)).iterText())).toEqual([
          "first",
          "second é",
        ]);
      }
      expect(await collect(backend(join(root, "pax.tar"), { key: "json" }).iterText())).toEqual([
        "first as json",
      ]);
      const b = backend(join(root, "gnu.tar"), { key: "json" });
      await collect(b.iterText());
      expect(b.stats().skipped).toEqual({ "no .json field": 1 });
    },
  );

  it.skipIf(!hasPython)("reads Python tarfile shards, plain and gzip'd", async () => {
    const script = `
import io, sys, tarfile
for name, mode in [("py.tar", "w"), ("py.tgz", "w:gz")]:
    with tarfile.open(sys.argv[1] + "/" + name, mode) as tar:
        for i in range(3):
            data = f"python sample {i}".encode()
            info = tarfile.TarInfo(f"py{i:03d}.txt")
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
`;
    const r = spawnSync("python3", ["-c", script, root], { encoding: "utf8" });
    expect(r.status, r.stderr).toBe(0);
    const expected = ["python sample 0", "python sample 1", "python sample 2"];
    expect(await collect(backend(join(root, "py.tar")).iterText())).toEqual(expected);
    expect(await collect(backend(join(root, "py.tgz")).iterText())).toEqual(expected);
  });

  it("reads shards from a command's stdout (pipe:)", async () => {
    const shard = join(root, "ten", "part-000003.tar");
    const texts = await collect(backend(`pipe:cat ${shard}`).iterText());
    expect(texts[0]).toBe("s3-0");
    expect(texts).toHaveLength(10);
    const failing = backend("pipe:echo oops >&2; exit 3");
    await expect(collect(failing.iterText())).rejects.toThrow(
      /shard pipe:echo oops.*exited with code 3: oops/,
    );
  });

  it("reports a truncated tar naming the shard, and counts it under --wds-on-error skip", async () => {
    const whole = await readFile(join(root, "ten", "part-000000.tar"));
    const cut = await write("cut/truncated.tar", "");
    await writeFile(cut, whole.subarray(0, 2048 + 100));
    await expect(collect(backend(cut).iterText())).rejects.toThrow(
      /shard .*truncated\.tar: truncated or not a tar file/,
    );
    const skipping = backend(`${cut}::${join(root, "ten", "part-000001.tar")}`, {
      onError: "skip",
    });
    const texts = await collect(skipping.iterText());
    expect(texts.at(-1)).toBe("s1-9");
    expect(skipping.stats().skipped["unreadable shard"]).toBe(1);
  });

  it("says so when the shards hold no sample", async () => {
    const empty = await write("empty/empty.tar", "");
    const error = await collect(backend(empty).iterText()).catch((e: unknown) => e);
    expect((error as AiosError).code).toBe("DATASET_EMPTY");
    expect((error as AiosError).message).toContain("gave no text sample");
  });
});

describe("over HTTP", () => {
  let server: Server;
  let base: string;
  const hits = new Map<string, number>();

  beforeAll(async () => {
    server = createServer(async (req, res) => {
      const path = req.url ?? "/";
      hits.set(path, (hits.get(path) ?? 0) + 1);
      if (path.startsWith("/hang/")) return; // never answers
      if (path.startsWith("/flaky/") && (hits.get(path) ?? 0) < 3) {
        res.writeHead(503, { "Retry-After": "0" }).end();
        return;
      }
      const name = path.split("/").at(-1) ?? "";
      try {
        const body = await readFile(join(root, "ten", name));
        res
          .writeHead(200, { "Content-Length": body.length })
          .end(path.endsWith(".gz") ? gzipSync(body) : body);
      } catch {
        res.writeHead(404).end();
      }
    });
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => {
    server.closeAllConnections();
    return new Promise<void>((r) => server.close(() => r()));
  });

  it("gives up on a shard that does not answer, naming it and the wait", async () => {
    const slow = backend(`${base}/hang/part-000000.tar`, { open: { timeoutMs: 200, attempts: 2 } });
    await expect(collect(slow.iterText())).rejects.toThrow(
      /shard http:.*\/hang\/part-000000\.tar: request failed after 2 attempts: no response in 200 ms/,
    );
  });

  it("streams shards from URLs, retrying transient 5xx answers", async () => {
    const texts = await collect(
      backend(`${base}/a/part-{000000..000001}.tar::${base}/flaky/part-000002.tar`).iterText(),
    );
    expect(texts).toHaveLength(30);
    expect(texts[25]).toBe("s2-5");
    expect(hits.get("/flaky/part-000002.tar")).toBe(3);
  });

  it("names the URL of a missing shard (late binding)", async () => {
    await expect(collect(backend(`${base}/a/part-000099.tar`).iterText())).rejects.toThrow(
      new RegExp(`shard ${base}/a/part-000099.tar: HTTP 404`),
    );
  });
});

describe("order, ranks and resume", () => {
  it("splits shards across ranks: disjoint and complete", async () => {
    const parts = await Promise.all(
      [0, 1, 2].map((rank) =>
        collect(backend(tenShards, { rank, worldSize: 3, shuffle: 5, seed: 4 }).iterText()),
      ),
    );
    const all = parts.flat();
    expect(new Set(all).size).toBe(100);
    expect(all).toHaveLength(100);
    const shardsOf = (texts: string[]) => new Set(texts.map((t) => t.split("-")[0]));
    const [a, b, c] = parts.map(shardsOf) as [Set<string>, Set<string>, Set<string>];
    for (const s of a) expect(b.has(s) || c.has(s)).toBe(false);
  });

  it("shuffles with a seed: same seed, same order; another seed, another order", async () => {
    const one = await collect(backend(tenShards, { shuffle: 20, seed: 1 }).iterText());
    const again = await collect(backend(tenShards, { shuffle: 20, seed: 1 }).iterText());
    const other = await collect(backend(tenShards, { shuffle: 20, seed: 2 }).iterText());
    expect(one).toEqual(again);
    expect(one).not.toEqual(other);
    expect([...one].sort()).toEqual([...other].sort());
  });

  for (const shuffle of [0, 16]) {
    it(`resumes with exactly the samples that follow (shuffle buffer ${shuffle})`, async () => {
      const straight = await collect(
        backend(tenShards, { shuffle, seed: 3 }).iterText({ loop: true }),
        150,
      );
      const first = backend(tenShards, { shuffle, seed: 3 });
      let position: BackendPosition = {};
      let taken = 0;
      for await (const _ of first.iterText({ loop: true })) {
        taken += 1;
        if (taken === 37) {
          position = JSON.parse(JSON.stringify(first.position()));
          break;
        }
      }
      const rest = await collect(
        backend(tenShards, { shuffle, seed: 3 }).iterText({ loop: true, from: position }),
        113,
      );
      expect(rest).toEqual(straight.slice(37));
    });
  }

  it("draws shards with replacement forever when resampled", async () => {
    const texts = await collect(backend(tenShards, { resampled: true, seed: 5 }).iterText(), 250);
    expect(texts).toHaveLength(250);
    expect(new Set(texts).size).toBeLessThan(250);
  });
});
