/**
 * `npm run bench:lancedb-indexes`: LanceDB's own indexes beside the driver's HNSW graph. Loads
 * one collection of clustered 128-D vectors (default 1M) into LanceDB, then builds each
 * candidate index in turn and prints build time, recall@10 against exact search, and query
 * p50/p95. `graph` (formerly `usearch`) is the driver's default (`lancedb.index: hnsw`): the
 * graph (hnswlib or usearch, as `auto` resolves) built from the same table by
 * `HnswIndex.build`, queried in-process; the others are LanceDB's (`lancedb.index: ivf_flat`
 * builds the first).
 */
import { mkdtemp, rm } from "node:fs/promises";
import { loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import type { Table, VectorQuery } from "@lancedb/lancedb";
import { ExactIndex } from "../src/memory/vector-store/exact-search.js";
import { batchToArrow } from "../src/memory/vector-store/lancedb/arrow-batch.js";
import { resolveHnswLibrary } from "../src/memory/vector-store/lancedb/hnsw-graph.js";
import { HnswIndex, type HnswParams } from "../src/memory/vector-store/lancedb/hnsw-index.js";
import { latencyOf } from "./latency.js";
import { makeDataset } from "./vector-datasets.js";

process.env.LANCEDB_LOG ??= "error";
const lancedb = await import("@lancedb/lancedb");

type IndexConfig = ReturnType<typeof lancedb.Index.ivfFlat>;
interface Candidate {
  /** For --candidates. */
  readonly key: string;
  readonly name: string;
  readonly index: () => IndexConfig;
  readonly variants: readonly [string, (q: VectorQuery) => VectorQuery][];
}

const { values } = parseArgs({
  options: {
    size: { type: "string", default: "1000000" },
    queries: { type: "string", default: "100" },
    candidates: { type: "string", default: "ivf_flat,ivf_pq,hnsw_sq,hnsw_pq,graph" },
  },
});
// "usearch" was this candidate's name when the graph was always usearch's.
const chosen = new Set(
  values.candidates.split(",").map((s) => (s.trim() === "usearch" ? "graph" : s.trim())),
);
const size = Number(values.size);
const queries = Number(values.queries);
const partitions = Math.round(Math.sqrt(size));

const candidates: Candidate[] = [
  {
    key: "ivf_flat",
    name: `IVF_FLAT, ${partitions} partitions`,
    index: () => lancedb.Index.ivfFlat({ distanceType: "cosine", numPartitions: partitions }),
    variants: [10, 20, 40].map((n) => [`nprobes ${n}`, (q) => q.nprobes(n)] as const),
  },
  {
    key: "ivf_pq",
    name: `IVF_PQ, ${partitions} partitions, 16 sub-vectors`,
    index: () =>
      lancedb.Index.ivfPq({ distanceType: "cosine", numPartitions: partitions, numSubVectors: 16 }),
    variants: [
      [20, 10],
      [20, 50],
      [20, 100],
    ].map(
      ([n, r]) =>
        [
          `nprobes ${n}, refine ${r}`,
          (q) => q.nprobes(n as number).refineFactor(r as number),
        ] as const,
    ),
  },
  {
    key: "hnsw_sq",
    name: "IVF_HNSW_SQ, 4 partitions, m 20, ef_construction 150",
    index: () =>
      lancedb.Index.hnswSq({
        distanceType: "cosine",
        numPartitions: 4,
        m: 20,
        efConstruction: 150,
      }),
    variants: [
      ["ef 64", (q) => q.nprobes(4).ef(64)],
      ["ef 128", (q) => q.nprobes(4).ef(128)],
      ["ef 128, refine 5", (q) => q.nprobes(4).ef(128).refineFactor(5)],
    ],
  },
  {
    key: "hnsw_pq",
    name: "IVF_HNSW_PQ, 4 partitions, m 20, ef_construction 150, 16 sub-vectors",
    index: () =>
      lancedb.Index.hnswPq({
        distanceType: "cosine",
        numPartitions: 4,
        numSubVectors: 16,
        m: 20,
        efConstruction: 150,
      }),
    variants: [
      ["ef 128", (q) => q.nprobes(4).ef(128)],
      ["ef 128, refine 10", (q) => q.nprobes(4).ef(128).refineFactor(10)],
      // A refine factor r asks the graph for r × k candidates: ef must be at least that.
      ["ef 512, refine 50", (q) => q.nprobes(4).ef(512).refineFactor(50)],
    ],
  },
];

const log = (line: string) => process.stderr.write(`[bench] ${line}\n`);
log(`clustered ${size} x 128, ${queries} queries: generating, exact top-10`);
const data = makeDataset("clustered", size, queries, 128, 1234 + size);
const exact = new ExactIndex(data.vectors, 128);
const truth = data.queries.map((q) => new Set(exact.topK(q, 10).map((hit) => `v${hit.index}`)));
const dir = await mkdtemp(join(tmpdir(), "aios-lancedb-indexes-"));
try {
  const db = await lancedb.connect(dir);
  let table: Table | null = null;
  for (let start = 0; start < size; start += 50_000) {
    const vectors = data.vectors.slice(start, start + 50_000);
    const batch = batchToArrow({
      ids: vectors.map((_, i) => `v${start + i}`),
      vectors,
      metadata: vectors.map(() => ({})),
      dimension: 128,
    });
    if (table === null) table = await db.createTable("t", batch);
    else await table.add(batch);
  }
  if (table === null) throw new Error("no data");
  const out = [
    "| index | build s | query | recall@10 | p50 ms | p95 ms |",
    "|---|---:|---|---:|---:|---:|",
  ];
  for (const candidate of candidates) {
    if (!chosen.has(candidate.key)) continue;
    log(candidate.name);
    const started = performance.now();
    await table.createIndex("vector", { config: candidate.index(), replace: true });
    const buildS = (performance.now() - started) / 1000;
    log(`  built in ${buildS.toFixed(1)} s (load ${loadavg()[0]?.toFixed(2)})`);
    for (const [label, tune] of candidate.variants) {
      const run = (q: Float32Array) =>
        tune(table.vectorSearch(q).distanceType("cosine").select(["id"]).limit(10)).toArray();
      for (const q of data.queries.slice(0, 5)) await run(q);
      const millis: number[] = [];
      let found = 0;
      for (const [i, q] of data.queries.entries()) {
        const t = performance.now();
        const rows: { id: string }[] = await run(q);
        millis.push(performance.now() - t);
        found += rows.filter((row) => truth[i]?.has(row.id)).length;
      }
      const latency = latencyOf(millis);
      log(
        `  ${label}: recall@10 ${(found / (queries * 10)).toFixed(3)}, p95 ${latency.p95.toFixed(2)} ms`,
      );
      out.push(
        `| ${candidate.name} | ${buildS.toFixed(1)} | ${label} | ${(found / (queries * 10)).toFixed(3)} | ${latency.p50.toFixed(2)} | ${latency.p95.toFixed(2)} |`,
      );
    }
  }
  if (chosen.has("graph")) {
    const library = resolveHnswLibrary("auto", log);
    const name = `HNSW graph (${library}, the driver's), M 32, ef_construction 64`;
    log(name);
    const params: HnswParams = {
      library,
      m: 32,
      efConstruction: 64,
      scalar: "f32",
      efSearch: 64,
      buildThreads: 0,
      searchThreads: 1,
    };
    const started = performance.now();
    const built = await HnswIndex.build(table, 128, params);
    const buildS = (performance.now() - started) / 1000;
    log(`  built in ${buildS.toFixed(1)} s (load ${loadavg()[0]?.toFixed(2)})`);
    await built.save(dir, "t");
    for (const ef of [64, 128]) {
      // ef_search is read when the graph is opened: the saved graph is loaded with each.
      const graph = await HnswIndex.load(dir, "t", { ...params, efSearch: ef });
      if (graph === null) throw new Error("the saved graph did not load");
      for (const q of data.queries.slice(0, 5)) await graph.search(q, 10);
      const millis: number[] = [];
      let found = 0;
      for (const [i, q] of data.queries.entries()) {
        const t = performance.now();
        const hits = await graph.search(q, 10);
        millis.push(performance.now() - t);
        found += hits.filter((hit) => truth[i]?.has(hit.id)).length;
      }
      const latency = latencyOf(millis);
      out.push(
        `| ${name} | ${buildS.toFixed(1)} | ef ${ef} | ${(found / (queries * 10)).toFixed(3)} | ${latency.p50.toFixed(2)} | ${latency.p95.toFixed(2)} |`,
      );
    }
  }
  process.stdout.write(`${out.join("\n")}\n`);
} finally {
  await rm(dir, { recursive: true, force: true });
}
