/**
 * The behaviour every vector store driver must show, run against each of them (see the
 * *.test.ts files beside this one). A driver passes only if it answers exactly like the
 * reference: brute-force cosine search (exact-search.ts) and the JavaScript filter semantics.
 */
import { afterAll, describe, expect, it } from "vitest";
import { AiosError } from "../../../src/core/errors.js";
import { cosineSimilarity, ExactIndex } from "../../../src/memory/vector-store/exact-search.js";
import type { FilterScalar, VectorFilter } from "../../../src/memory/vector-store/filter.js";
import { randomVectors } from "../../../src/memory/vector-store/random-vectors.js";
import type { Metadata, VectorStoreClient } from "../../../src/memory/vector-store/types.js";

export interface ConformanceTarget {
  /** A client for `collection` (no prefix) in this driver's test store; same name, same data. */
  open(collection: string): Promise<VectorStoreClient>;
}

const DIM = 128;
let collectionCounter = 0;

async function rejection(promise: Promise<unknown>): Promise<AiosError> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof AiosError) return error;
    throw error;
  }
  throw new Error("expected an AiosError");
}

/** Ids that break naive drivers: SQL quotes, separators, Unicode, digits, UUID look-alikes. */
const AWKWARD_IDS = [
  "plain",
  "it's",
  "'); DROP TABLE t; --",
  'double "quotes" and \\ backslash',
  "with space",
  "ünïcødé 🚀",
  "0",
  "42",
  "550e8400-e29b-41d4-a716-446655440000",
  "a".repeat(300),
  "line\nbreak\ttab",
  "%_*?[]",
];

/** Metadata for filter tests; the expected matches below are written by hand. */
const FILTER_ROWS: readonly [string, Metadata][] = [
  ["m1", { kind: "motif", utility: 0.9, age: 10, task_tags: ["QA", "retrieval"], shared: true }],
  ["m2", { kind: "motif", utility: 0.4, age: 25, task_tags: ["generation"], shared: false }],
  ["t1", { kind: "trace", utility: 0.7, age: 3, task_tags: "QA", layer: 1 }],
  ["t2", { kind: "trace", utility: "0.8", age: [5, 50], layer: 2 }],
  ["t3", { kind: "trace", age: 40, layer: "2", nested: { kind: "motif" } }],
  ["x1", {}],
];

const FILTER_CASES: readonly [string, VectorFilter, string[]][] = [
  ["string equality", { kind: "motif" }, ["m1", "m2"]],
  ["array field containing the value", { task_tags: "QA" }, ["m1", "t1"]],
  ["number equality is typed", { layer: 2 }, ["t2"]],
  ["string equality is typed", { layer: "2" }, ["t3"]],
  ["boolean equality", { shared: true }, ["m1"]],
  ["$eq", { kind: { $eq: "trace" } }, ["t1", "t2", "t3"]],
  ["$in", { task_tags: { $in: ["generation", "retrieval"] } }, ["m1", "m2"]],
  ["$in mixing types", { layer: { $in: [1, "2"] } }, ["t1", "t3"]],
  ["$gte", { age: { $gte: 25 } }, ["m2", "t3"]],
  ["$gt", { age: { $gt: 25 } }, ["t3"]],
  ["$lt and $lte", { utility: { $lt: 0.9 } }, ["m2", "t1"]],
  ["$lte", { utility: { $lte: 0.9 } }, ["m1", "m2", "t1"]],
  ["range between", { age: { $gt: 3, $lte: 25 } }, ["m1", "m2"]],
  ["several keys are AND", { kind: "trace", age: { $lt: 10 } }, ["t1"]],
  ["no match", { kind: "nothing" }, []],
  ["a missing key matches nothing", { absent: 1 }, []],
  ["nested objects are not searched", { kind: "motif", layer: 2 }, []],
];

/**
 * Float32 vectors come back equal; a driver that stores the direction and the length apart
 * (Qdrant normalises Cosine vectors) may differ in the last bit.
 */
function expectSameVector(
  actual: readonly number[] | undefined,
  expected: ArrayLike<number>,
): void {
  expect(actual).toHaveLength(expected.length);
  for (let i = 0; i < expected.length; i++) {
    const want = expected[i] as number;
    expect(Math.abs((actual?.[i] ?? Number.NaN) - want)).toBeLessThanOrEqual(
      1e-6 * Math.max(1, Math.abs(want)),
    );
  }
}

export function describeVectorStoreConformance(name: string, target: ConformanceTarget): void {
  describe(`${name}: VectorStoreClient conformance`, () => {
    const opened: VectorStoreClient[] = [];
    async function fresh(): Promise<VectorStoreClient> {
      collectionCounter += 1;
      const client = await target.open(`c${collectionCounter}_${Date.now() % 100000}`);
      opened.push(client);
      return client;
    }
    afterAll(async () => {
      await Promise.all(opened.map((client) => client.close()));
    });

    it("answers an empty collection with nothing", async () => {
      const store = await fresh();
      expect(await store.query(randomVectors(1, DIM, 1)[0] as Float32Array)).toEqual([]);
      expect(await store.query(null, 5, { kind: "motif" })).toEqual([]);
      expect(await store.count()).toBe(0);
      expect(await store.queryById("nothing")).toBeNull();
      await store.delete(["nothing"]);
      const stats = await store.stats();
      expect(stats.count).toBe(0);
      expect(stats.dimension).toBeNull();
      expect(stats.collection).toBe(store.collection);
    });

    it("returns 5 held-out results for 100 random 128-D vectors, similarity never increasing", async () => {
      const store = await fresh();
      const vectors = randomVectors(101, DIM, 7);
      const held = vectors.pop() as Float32Array;
      const ids = vectors.map((_, i) => `v${i}`);
      await store.upsert(ids, vectors);
      const hits = await store.query(held);
      expect(hits).toHaveLength(5);
      const scores = hits.map(([, score]) => score as number);
      for (let i = 1; i < scores.length; i++) {
        expect(scores[i]).toBeLessThanOrEqual(scores[i - 1] as number);
      }
      // Scores are cosine similarity, on the same scale as a direct computation.
      for (const [id, score] of hits) {
        const vector = vectors[ids.indexOf(id)] as Float32Array;
        expect(score).toBeCloseTo(cosineSimilarity(held, vector), 4);
      }
    });

    it("finds exactly the brute-force top-5 among 1000 vectors", async () => {
      const store = await fresh();
      const vectors = randomVectors(1000, DIM, 11);
      const ids = vectors.map((_, i) => `id-${i}`);
      for (let i = 0; i < vectors.length; i += 250) {
        await store.upsert(ids.slice(i, i + 250), vectors.slice(i, i + 250));
      }
      expect(await store.count()).toBe(1000);
      const exact = new ExactIndex(vectors, DIM);
      for (const query of randomVectors(5, DIM, 12)) {
        const expected = exact.topK(query, 5).map((hit) => ids[hit.index]);
        const got = (await store.query(query, 5)).map(([id]) => id);
        expect(got).toEqual(expected);
      }
      // A stored vector finds itself first, with similarity 1.
      const [first] = await store.query(vectors[123] as Float32Array, 1);
      expect(first?.[0]).toBe("id-123");
      expect(first?.[1]).toBeCloseTo(1, 5);
    });

    it("keeps any string as an id and returns it unchanged with vector and metadata", async () => {
      const store = await fresh();
      const vectors = randomVectors(AWKWARD_IDS.length, 8, 3);
      const metadata = AWKWARD_IDS.map((id, i) => ({ original: id, i, tags: ["x", `t${i}`] }));
      await store.upsert(AWKWARD_IDS, vectors, metadata);
      expect(await store.count()).toBe(AWKWARD_IDS.length);
      for (const [i, id] of AWKWARD_IDS.entries()) {
        const record = await store.queryById(id);
        expect(record?.id).toBe(id);
        expect(record?.metadata).toEqual(metadata[i]);
        expectSameVector(record?.vector, vectors[i] as Float32Array);
        const [best] = await store.query(vectors[i] as Float32Array, 1);
        expect(best?.[0]).toBe(id);
      }
      await store.delete(["it's", "'); DROP TABLE t; --"]);
      expect(await store.count()).toBe(AWKWARD_IDS.length - 2);
      expect(await store.queryById("it's")).toBeNull();
      expect(await store.queryById("plain")).not.toBeNull();
    });

    it("replaces a record when its id is upserted again", async () => {
      const store = await fresh();
      const [a, b, c] = randomVectors(3, 16, 5) as [Float32Array, Float32Array, Float32Array];
      await store.upsert(["one", "two"], [a, b], [{ v: 1 }, { v: 1 }]);
      await store.upsert(["one"], [c], [{ v: 2, new_key: "yes" }]);
      expect(await store.count()).toBe(2);
      const record = await store.queryById("one");
      expect(record?.metadata).toEqual({ v: 2, new_key: "yes" });
      expectSameVector(record?.vector, c);
      const [best] = await store.query(c, 1);
      expect(best?.[0]).toBe("one");
      expect(best?.[1]).toBeCloseTo(1, 5);
      expect(await store.query(null, 10, { v: 1 })).toEqual([["two", null, { v: 1 }]]);
    });

    it("deletes ids and ignores ids that are not there", async () => {
      const store = await fresh();
      const vectors = randomVectors(10, 16, 9);
      const ids = vectors.map((_, i) => `d${i}`);
      await store.upsert(ids, vectors);
      await store.delete(["d1", "d3", "missing", "d3"]);
      expect(await store.count()).toBe(8);
      expect(await store.queryById("d1")).toBeNull();
      const all = (await store.query(vectors[1] as Float32Array, 100)).map(([id]) => id);
      expect(all).toHaveLength(8);
      expect(all).not.toContain("d1");
      expect(all).not.toContain("d3");
    });

    it("returns the whole collection when topK exceeds it", async () => {
      const store = await fresh();
      const vectors = randomVectors(7, 16, 21);
      await store.upsert(
        vectors.map((_, i) => `k${i}`),
        vectors,
      );
      const query = randomVectors(1, 16, 22)[0] as Float32Array;
      const hits = await store.query(query, 50);
      const exact = new ExactIndex(vectors, 16).topK(query, 50);
      expect(hits.map(([id]) => id)).toEqual(exact.map((hit) => `k${hit.index}`));
    });

    describe("filters", () => {
      let store: VectorStoreClient;
      const vectors = randomVectors(FILTER_ROWS.length, 16, 31);
      const ids = FILTER_ROWS.map(([id]) => id);
      const byId = new Map(FILTER_ROWS);

      it("stores the filter fixture", async () => {
        store = await fresh();
        await store.upsert(
          ids,
          vectors,
          FILTER_ROWS.map(([, m]) => m),
        );
        expect(await store.count()).toBe(FILTER_ROWS.length);
      });

      for (const [label, filter, expected] of FILTER_CASES) {
        it(`${label}: ${JSON.stringify(filter)}`, async () => {
          expect(await store.count(filter)).toBe(expected.length);
          const filterOnly = await store.query(null, 50, filter);
          expect(filterOnly.map(([id]) => id).sort()).toEqual([...expected].sort());
          for (const [id, score, metadata] of filterOnly) {
            expect(score).toBeNull();
            expect(metadata).toEqual(byId.get(id));
          }
          // With a vector: only matches, ranked exactly as brute force ranks the matches.
          const query = randomVectors(1, 16, 32)[0] as Float32Array;
          const matchIndexes = expected.map((id) => ids.indexOf(id));
          const exact = new ExactIndex(
            matchIndexes.map((i) => vectors[i] as Float32Array),
            16,
          ).topK(query, 3);
          const hits = await store.query(query, 3, filter);
          expect(hits.map(([id]) => id)).toEqual(exact.map((hit) => expected[hit.index]));
        });
      }

      it("limits a filter-only query to topK", async () => {
        const hits = await store.query(null, 2, { kind: { $in: ["motif", "trace"] } });
        expect(hits).toHaveLength(2);
        expect(hits.every(([id]) => ["m1", "m2", "t1", "t2", "t3"].includes(id))).toBe(true);
      });

      it("rejects filters it cannot understand", async () => {
        const bad: unknown[] = [
          { kind: { $regex: "m.*" } },
          { "a.b": 1 },
          { kind: null },
          { age: { $gte: "10" } },
          { kind: { $in: [] } },
          [1, 2],
        ];
        for (const filter of bad) {
          const error = await rejection(store.query(null, 5, filter as VectorFilter));
          expect(error.code).toBe("VECTOR_FILTER");
        }
      });
    });

    describe("refuses bad input before writing anything", () => {
      const cases: readonly [string, unknown[], unknown[], unknown[] | undefined, RegExp][] = [
        [
          "dimension mismatch",
          ["ok", "short"],
          [
            [1, 2, 3, 4],
            [1, 2, 3],
          ],
          undefined,
          /3 dimensions/,
        ],
        [
          "NaN",
          ["ok", "nan"],
          [
            [1, 2, 3, 4],
            [1, Number.NaN, 3, 4],
          ],
          undefined,
          /NaN/,
        ],
        [
          "Infinity",
          ["ok", "inf"],
          [
            [1, 2, 3, 4],
            [1, 2, Number.POSITIVE_INFINITY, 4],
          ],
          undefined,
          /Infinity/,
        ],
        [
          "zero vector",
          ["ok", "zero"],
          [
            [1, 2, 3, 4],
            [0, 0, 0, 0],
          ],
          undefined,
          /all zeros/,
        ],
        [
          "empty id",
          ["ok", ""],
          [
            [1, 2, 3, 4],
            [1, 2, 3, 5],
          ],
          undefined,
          /empty/,
        ],
        [
          "duplicate id",
          ["ok", "ok"],
          [
            [1, 2, 3, 4],
            [1, 2, 3, 5],
          ],
          undefined,
          /repeats record 0/,
        ],
        ["length mismatch", ["ok", "two"], [[1, 2, 3, 4]], undefined, /2 ids but 1 vectors/],
        [
          "bad metadata",
          ["ok", "meta"],
          [
            [1, 2, 3, 4],
            [1, 2, 3, 5],
          ],
          [{}, { x: Number.NaN }],
          /NaN/,
        ],
      ];
      for (const [label, ids, vectors, metadata, message] of cases) {
        it(label, async () => {
          const store = await fresh();
          const error = await rejection(
            store.upsert(
              ids as string[],
              vectors as number[][],
              metadata as Metadata[] | undefined,
            ),
          );
          expect(error.code).toBe("VECTOR_INPUT");
          expect(error.message).toMatch(message);
          expect(await store.count()).toBe(0);
          expect(await store.queryById("ok")).toBeNull();
        });
      }

      it("a vector of another dimension than the collection's", async () => {
        const store = await fresh();
        await store.upsert(["a"], [[1, 0, 0, 0]]);
        const upsert = await rejection(store.upsert(["b"], [[1, 0, 0]]));
        expect(upsert.message).toMatch(/3 dimensions but the collection holds 4-dimensional/);
        const query = await rejection(store.query([1, 0]));
        expect(query.code).toBe("VECTOR_INPUT");
        expect(await store.count()).toBe(1);
        expect((await store.stats()).dimension).toBe(4);
      });
    });

    describe("numbers beyond 2^53 (a double cannot keep such integers apart)", () => {
      const MAX = Number.MAX_SAFE_INTEGER;
      // Written as text: the literal 12345678901234567890 would itself be rounded by the parser.
      const BIG = Number("12345678901234567890");

      it("refuses them in metadata before writing anything, naming the record and the key", async () => {
        const store = await fresh();
        const cases: readonly [Metadata, RegExp][] = [
          [
            { user_id: BIG },
            /record 1 \("bob"\) metadata\.user_id is 12345678901234567000, beyond ±9007199254740991/,
          ],
          [{ user_id: MAX + 1 }, /metadata\.user_id is 9007199254740992/],
          [{ user_id: -(MAX + 3) }, /metadata\.user_id is -9007199254740994/],
          [{ ids: [1, 2 ** 60] }, /metadata\.ids\[1\] is 1152921504606847000/],
          [{ nested: { big: 1e300 } }, /metadata\.nested\.big is 1e\+300/],
        ];
        for (const [metadata, message] of cases) {
          const error = await rejection(
            store.upsert(
              ["alice", "bob"],
              [
                [1, 0, 0],
                [0, 1, 0],
              ],
              [{ user_id: 1 }, metadata],
            ),
          );
          expect(error.code).toBe("VECTOR_INPUT");
          expect(error.message).toMatch(message);
          expect(error.hint).toMatch(/store it as a string/);
        }
        expect(await store.count()).toBe(0);
      });

      it("stores the largest exact integers, and fractions, exactly and filters them apart", async () => {
        const store = await fresh();
        const rows: readonly [string, Metadata][] = [
          ["max", { user_id: MAX }],
          ["below", { user_id: MAX - 1 }],
          ["min", { user_id: -MAX }],
          ["tenth", { user_id: 0.1 }],
          ["string", { user_id: "12345678901234567890" }],
        ];
        await store.upsert(
          rows.map(([id]) => id),
          randomVectors(rows.length, 4, 71),
          rows.map(([, m]) => m),
        );
        for (const [id, metadata] of rows) {
          const hits = await store.query(null, 10, { user_id: metadata.user_id as FilterScalar });
          expect(hits).toEqual([[id, null, metadata]]);
          expect((await store.queryById(id))?.metadata).toEqual(metadata);
        }
        const top = await store.query(null, 10, { user_id: { $gte: MAX - 1 } });
        expect(top.map(([id]) => id).sort()).toEqual(["below", "max"]);
        expect(await store.count({ user_id: { $lt: -(MAX - 1) } })).toBe(1);
      });

      it("refuses them in filters", async () => {
        const store = await fresh();
        await store.upsert(["a"], [[1, 0, 0]], [{ user_id: 1 }]);
        const filters: readonly [unknown, RegExp][] = [
          [{ user_id: BIG }, /user_id is 12345678901234567000/],
          [{ user_id: { $eq: MAX + 1 } }, /user_id\.\$eq is 9007199254740992/],
          [{ user_id: { $in: [1, 2 ** 64] } }, /user_id\.\$in\[1\] is 18446744073709552000/],
          [{ user_id: { $gte: -(2 ** 60) } }, /user_id\.\$gte is -1152921504606847000/],
        ];
        for (const [filter, message] of filters) {
          const error = await rejection(store.query(null, 5, filter as VectorFilter));
          expect(error.code).toBe("VECTOR_FILTER");
          expect(error.message).toMatch(message);
          const counted = await rejection(store.count(filter as VectorFilter));
          expect(counted.code).toBe("VECTOR_FILTER");
        }
      });
    });

    it("keeps collections apart", async () => {
      const first = await fresh();
      const second = await fresh();
      await first.upsert(["same"], [[1, 0, 0]], [{ in: "first" }]);
      await second.upsert(
        ["same", "other"],
        [
          [0, 1, 0, 0, 0],
          [0, 0, 1, 0, 0],
        ],
        [{ in: "second" }, {}],
      );
      expect(await first.count()).toBe(1);
      expect(await second.count()).toBe(2);
      expect((await first.queryById("same"))?.metadata).toEqual({ in: "first" });
      expect((await second.stats()).dimension).toBe(5);
    });

    it("scans every record", async () => {
      const store = await fresh();
      const vectors = randomVectors(23, 8, 41);
      const ids = vectors.map((_, i) => `s${i}`);
      await store.upsert(
        ids,
        vectors,
        ids.map((id) => ({ id })),
      );
      const seen = new Map<string, number[]>();
      for await (const batch of store.scan(5)) {
        expect(batch.length).toBeLessThanOrEqual(5);
        for (const record of batch) {
          expect(record.metadata).toEqual({ id: record.id });
          seen.set(record.id, record.vector);
        }
      }
      expect([...seen.keys()].sort()).toEqual([...ids].sort());
      expectSameVector(seen.get("s7"), vectors[7] as Float32Array);
    });

    it("persists data across close and reopen", async () => {
      collectionCounter += 1;
      const name = `reopen${collectionCounter}`;
      const vectors = randomVectors(20, 32, 51);
      const ids = vectors.map((_, i) => `p${i}`);
      const first = await target.open(name);
      await first.upsert(
        ids,
        vectors,
        ids.map((id, i) => ({ id, even: i % 2 === 0 })),
      );
      await first.delete(["p0"]);
      await first.close();
      await expect(first.count()).rejects.toThrow(/closed/);

      const again = await target.open(name);
      opened.push(again);
      expect(await again.count()).toBe(19);
      expect((await again.stats()).dimension).toBe(32);
      expect(await again.queryById("p0")).toBeNull();
      expectSameVector((await again.queryById("p5"))?.vector, vectors[5] as Float32Array);
      expect(await again.count({ even: true })).toBe(9);
      const [best] = await again.query(vectors[9] as Float32Array, 1);
      expect(best?.[0]).toBe("p9");
    });

    it("reports count, dimension and storage size", async () => {
      const store = await fresh();
      const vectors = randomVectors(50, 24, 61);
      await store.upsert(
        vectors.map((_, i) => `st${i}`),
        vectors,
      );
      const stats = await store.stats();
      expect(stats.count).toBe(50);
      expect(stats.dimension).toBe(24);
      expect(stats.backend).toBe(store.backend);
      if (stats.storageBytes !== null) expect(stats.storageBytes).toBeGreaterThan(50 * 24 * 4);
    });
  });
}
