import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { AiosError } from "../../../../src/core/errors.js";
import { ExactIndex } from "../../../../src/memory/vector-store/exact-search.js";
import {
  type HnswScalar,
  newGraph,
  resolveHnswLibrary,
} from "../../../../src/memory/vector-store/lancedb/hnsw-graph.js";
import { ClusteredVectors } from "../../../../src/memory/vector-store/random-vectors.js";
import { describeEachLibrary, hnswlibMissing } from "./hnsw-libraries.js";

const dir = await mkdtemp(join(tmpdir(), "aios-hnsw-graph-"));
afterAll(() => rm(dir, { recursive: true, force: true }));

const dim = 24;
const source = new ClusteredVectors(dim, { clusters: 20, sigma: 0.35 }, 5);
const unit = (v: Float32Array) => {
  const norm = Math.hypot(...v);
  return v.map((x) => x / norm);
};
const data = source.take(3000).map(unit);
const queries = source.take(30).map(unit);
const flat = new Float32Array(data.length * dim);
for (const [i, v] of data.entries()) flat.set(v, i * dim);
const keys = BigUint64Array.from(data.keys(), (i) => BigInt(i));
const exact = new ExactIndex(data, dim);

describeEachLibrary("HNSW graph", (library) => {
  const settings = (scalar: HnswScalar) => ({
    library,
    dimension: dim,
    m: 16,
    efConstruction: 64,
    scalar,
    efSearch: 64,
  });

  for (const scalar of ["f32", "f16"] as const) {
    it(`answers as exact search does, with 1 - dot distances (${scalar}), built row by row or in bulk, on any thread count`, async () => {
      for (const [threads, bulk] of [
        [1, false],
        [0, false],
        [0, true],
      ] as const) {
        const graph = await newGraph(settings(scalar));
        if (bulk) graph.beginBuild(data.length);
        graph.add(keys.subarray(0, 1000), flat.subarray(0, 1000 * dim), threads);
        graph.add(keys.subarray(1000), flat.subarray(1000 * dim), threads);
        if (bulk) graph.endBuild();
        // Rows added after a bulk build are ordinary rows.
        const late = unit(source.take(1)[0] as Float32Array);
        graph.add(BigUint64Array.of(BigInt(data.length)), late, threads);
        expect(Number(graph.search(late, 1).keys[0])).toBe(data.length);
        let found = 0;
        for (const query of queries) {
          const near = graph.search(query, 10);
          expect(near.keys).toHaveLength(10);
          const want = new Set(exact.topK(query, 10).map((hit) => hit.index));
          found += [...near.keys].filter((key) => want.has(Number(key))).length;
          // Each distance is 1 - the dot product of the query and that row: exact in float32
          // (a bulk-built graph too), to about 1e-3 with half-precision rows.
          for (const [i, key] of near.keys.entries()) {
            const row = (data[Number(key)] ?? late) as Float32Array;
            const dot = row.reduce((sum, x, d) => sum + x * (query[d] as number), 0);
            expect(near.distances[i]).toBeCloseTo(1 - dot, scalar === "f32" ? 5 : 2);
          }
          for (let i = 1; i < near.distances.length; i++)
            expect(near.distances[i]).toBeGreaterThanOrEqual(near.distances[i - 1] as number);
        }
        expect(found / (queries.length * 10)).toBeGreaterThanOrEqual(0.95);
      }
    });
  }

  it("leaves removed keys out, keeps fewer than asked when the graph holds fewer, and saves and loads (a save ends a bulk build)", async () => {
    const graph = await newGraph(settings("f32"));
    graph.beginBuild(5);
    graph.add(keys.subarray(0, 5), flat.subarray(0, 5 * dim), 0);
    expect(graph.search(data[0] as Float32Array, 10).keys).toHaveLength(5);
    graph.remove(0n);
    expect([...graph.search(data[0] as Float32Array, 10).keys].sort()).toEqual([1n, 2n, 3n, 4n]);
    const file = join(dir, `small-${library}`);
    graph.save(file);
    // The saved (ended) build measures float32 distances, as the loaded copy does.
    const near = graph.search(data[0] as Float32Array, 10);
    const first = data[Number(near.keys[0])] as Float32Array;
    const dot = first.reduce((sum, x, d) => sum + x * (data[0]?.[d] as number), 0);
    expect(near.distances[0]).toBeCloseTo(1 - dot, 6);
    const again = await newGraph(settings("f32"));
    again.load(file);
    expect(again.search(data[0] as Float32Array, 10)).toEqual(near);
  });
});

describe.skipIf(hnswlibMissing !== null)("hnswlib's checks", () => {
  const library = "hnswlib";
  it("refuses a file that is not its graph, or one made for other rows, with an error", async () => {
    const graph = await newGraph({
      library,
      dimension: dim,
      m: 16,
      efConstruction: 64,
      scalar: "f32",
      efSearch: 64,
    });
    graph.add(keys.subarray(0, 100), flat.subarray(0, 100 * dim), 1);
    const file = join(dir, "checks.hnswlib");
    graph.save(file);
    const other = await newGraph({
      library,
      dimension: dim * 2,
      m: 16,
      efConstruction: 64,
      scalar: "f32",
      efSearch: 64,
    });
    expect(() => other.load(file)).toThrow(/other settings/);
    const half = await newGraph({
      library,
      dimension: dim,
      m: 16,
      efConstruction: 64,
      scalar: "f16",
      efSearch: 64,
    });
    expect(() => half.load(file)).toThrow(/other settings/);
    const junk = join(dir, "junk.hnswlib");
    await writeFile(junk, Buffer.alloc(1000, 7));
    expect(() => graph.load(junk)).toThrow(/corrupted|other settings/);
    expect(() => graph.add(keys.subarray(0, 2), flat.subarray(0, dim), 1)).toThrow(
      /not 2 rows of 24/,
    );
    // The graph still answers after the refusals.
    expect(Number(graph.search(data[3] as Float32Array, 1).keys[0])).toBe(3);
  });
});

describe("choosing the HNSW library", () => {
  const missing = {
    ok: false,
    reason: "the native HNSW addon is not built (x.node is missing)",
    hint: "install a C++ compiler, make and python3, then run `npm run build:native`",
  } as const;

  it("auto takes usearch without the addon, saying why and how to build it, once", () => {
    const notes: string[] = [];
    expect(resolveHnswLibrary("auto", (line) => notes.push(line), missing)).toBe("usearch");
    expect(resolveHnswLibrary("auto", (line) => notes.push(line), missing)).toBe("usearch");
    expect(notes).toHaveLength(1);
    expect(notes[0]).toMatch(/x\.node is missing.*usearch.*npm run build:native/);
    expect(resolveHnswLibrary("usearch", (line) => notes.push(line))).toBe("usearch");
  });

  it("hnswlib without the addon stops with VECTOR_STORE (exit 2) naming the key and the fix", () => {
    let error: unknown;
    try {
      resolveHnswLibrary("hnswlib", () => {}, missing);
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(AiosError);
    expect(error).toMatchObject({ code: "VECTOR_STORE", exitCode: 2 });
    expect((error as AiosError).message).toMatch(/hnsw_library is hnswlib, but .*x\.node/);
    expect((error as AiosError).hint).toMatch(/npm run build:native/);
  });

  it.runIf(process.env.CI === "true")(
    "finds the addon in CI (npm ci builds it), so CI tests both libraries",
    () => {
      expect(hnswlibMissing).toBeNull();
      expect(resolveHnswLibrary("auto", () => {})).toBe("hnswlib");
    },
  );
});
