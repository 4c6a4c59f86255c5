import { mkdtemp, rm, stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type VectorStoreConfig, vectorStoreConfigSchema } from "../src/config/memory-config.js";
import { backupCollection } from "../src/memory/vector-store/backup/backup-collection.js";
import { restoreCollection } from "../src/memory/vector-store/backup/restore-collection.js";
import { createVectorStore } from "../src/memory/vector-store/create-vector-store.js";
import { ExactIndex } from "../src/memory/vector-store/exact-search.js";
import type { VectorFilter } from "../src/memory/vector-store/filter.js";
import type { StoreBackend, VectorStoreClient } from "../src/memory/vector-store/types.js";
import { type Latency, latencyOf } from "./latency.js";
import type { VectorDataset } from "./vector-datasets.js";

export interface RunSettings {
  readonly backend: StoreBackend;
  readonly batchSize: number;
  /** Build the ANN index after loading when the collection has at least this many vectors. */
  readonly indexMinRows: number;
  readonly warmupQueries: number;
  readonly backup: boolean;
  readonly qdrant?: Partial<VectorStoreConfig["qdrant"]>;
  /** pgvector's `maintenance_work_mem_mb` for the index build; null: the database's. */
  readonly pgvectorMaintenanceMb?: number | null;
  /** lancedb.search_threads (graph search workers for concurrent queries); default 1. */
  readonly searchThreads?: number;
  /** Other `ef_search` values to time after the main run, each by a client opened with it. */
  readonly efSweep?: readonly number[];
  readonly log: (line: string) => void;
}

/** A filter of the bench's metadata and the exact top-10 among the rows it matches. */
export interface FilterCase {
  /** Share of rows matching, for the table: "1 %", "10 %". */
  readonly label: string;
  readonly filter: VectorFilter;
  readonly truth: readonly (readonly number[])[];
}

export interface FilteredResult {
  readonly label: string;
  readonly recallAt10: number;
  readonly latency: Latency;
}

/** In-process callers issuing queries at once, as concurrent clients of one store would. */
export const CONCURRENCY = [1, 2, 8] as const;

export interface RunResult {
  readonly upsertPerS: number;
  /** Seconds to build the ANN index; null when the collection stays exact. */
  readonly indexS: number | null;
  readonly latency: Latency;
  readonly recallAt10: number;
  /** Queries per second with 1, 2 and 8 concurrent callers. */
  readonly qps: readonly number[];
  readonly filtered: readonly FilteredResult[];
  /** Resident memory the store added to this process (MiB), loaded, indexed and queried. */
  readonly rssMiB: number;
  readonly backup: { backupS: number; restoreS: number; fileBytes: number } | null;
  /** Recall and latency at each `efSweep` value. */
  readonly sweep: readonly { ef: number; latency: Latency; recallAt10: number }[];
}

/** Load `data` into a fresh collection of one driver, index it, then time queries against exact truth. */
export async function runVectorBench(
  data: VectorDataset,
  truth: readonly (readonly number[])[],
  settings: RunSettings,
  filters: readonly FilterCase[] = [],
): Promise<RunResult> {
  const rssBefore = process.memoryUsage().rss;
  const dir = await mkdtemp(join(tmpdir(), `aios-bench-${settings.backend}-`));
  // One prefix for the run: the ef_search clients open the same collection.
  const prefix = `bench${Date.now() % 1_000_000}`;
  const configAt = (ef?: number) =>
    vectorStoreConfigSchema.parse({
      collection_prefix: prefix,
      // The bench builds the index itself after loading, to time the two apart.
      index_min_rows: Number.MAX_SAFE_INTEGER,
      lancedb: {
        path: join(dir, "lancedb"),
        search_threads: settings.searchThreads ?? 1,
        ...(ef === undefined ? {} : { ef_search: ef }),
      },
      pgvector: {
        path: join(dir, "pgvector"),
        maintenance_work_mem_mb: settings.pgvectorMaintenanceMb ?? null,
        ...(ef === undefined ? {} : { ef_search: ef }),
      },
      qdrant: settings.qdrant ?? {},
    });
  const config = configAt();
  const store = await createVectorStore(settings.backend, config, { collection: "main" });
  try {
    const upsertPerS = await load(store, data, settings);
    let indexS: number | null = null;
    if (data.vectors.length >= settings.indexMinRows) {
      const started = performance.now();
      const built = await store.createIndex();
      indexS = built ? (performance.now() - started) / 1000 : null;
      settings.log(`  index: ${indexS === null ? "none" : `${indexS.toFixed(1)} s`}`);
    }
    const { latency, recallAt10 } = await timeQueries(store, data, truth, settings.warmupQueries);
    settings.log(
      `  queries: p50 ${latency.p50.toFixed(2)} ms, p95 ${latency.p95.toFixed(2)} ms, recall@10 ${recallAt10.toFixed(3)}`,
    );
    const qps: number[] = [];
    for (const callers of CONCURRENCY) qps.push(await throughput(store, data.queries, callers));
    settings.log(
      `  queries/s at ${CONCURRENCY.join(", ")} callers: ${qps.map((q) => q.toFixed(0)).join(", ")}`,
    );
    const filtered = [];
    for (const c of filters) {
      const result = await timeFiltered(store, data, c);
      settings.log(
        `  filtered ${c.label}: recall@10 ${result.recallAt10.toFixed(3)}, p50 ${result.latency.p50.toFixed(2)} ms`,
      );
      filtered.push(result);
    }
    const rssMiB = (process.memoryUsage().rss - rssBefore) / 2 ** 20;
    const sweep = [];
    for (const ef of settings.efSweep ?? []) {
      // Same collection, another client: ef_search is read when a client opens.
      const other = await createVectorStore(settings.backend, configAt(ef), { collection: "main" });
      try {
        const run = await timeQueries(other, data, truth, settings.warmupQueries);
        settings.log(
          `  ef_search ${ef}: p50 ${run.latency.p50.toFixed(2)} ms, p95 ${run.latency.p95.toFixed(2)} ms, recall@10 ${run.recallAt10.toFixed(3)}`,
        );
        sweep.push({ ef, ...run });
      } finally {
        await other.close();
      }
    }
    const backup = settings.backup ? await backupAndRestore(store, config, dir, settings) : null;
    return { upsertPerS, indexS, latency, recallAt10, qps, filtered, rssMiB, backup, sweep };
  } finally {
    await store.close();
    await rm(dir, { recursive: true, force: true });
  }
}

async function load(
  store: VectorStoreClient,
  data: VectorDataset,
  settings: RunSettings,
): Promise<number> {
  const started = performance.now();
  const n = data.vectors.length;
  let nextLog = 0.1;
  for (let start = 0; start < n; start += settings.batchSize) {
    const vectors = data.vectors.slice(start, start + settings.batchSize);
    await store.upsert(
      vectors.map((_, i) => `v${start + i}`),
      vectors,
      vectors.map((_, i) => ({ n: start + i, bucket: (start + i) % 100 })),
    );
    const done = Math.min(n, start + settings.batchSize);
    if (done / n >= nextLog) {
      settings.log(
        `  upsert ${done}/${n} (${Math.round(done / ((performance.now() - started) / 1000))}/s)`,
      );
      while (done / n >= nextLog) nextLog += 0.1;
    }
  }
  return n / ((performance.now() - started) / 1000);
}

async function timeQueries(
  store: VectorStoreClient,
  data: VectorDataset,
  truth: readonly (readonly number[])[],
  warmup: number,
): Promise<{ latency: Latency; recallAt10: number }> {
  for (const query of data.queries.slice(0, warmup)) await store.query(query, 10);
  const millis: number[] = [];
  let found = 0;
  for (const [i, query] of data.queries.entries()) {
    const started = performance.now();
    const hits = await store.query(query, 10);
    millis.push(performance.now() - started);
    const expected = new Set((truth[i] ?? []).map((index) => `v${index}`));
    found += hits.filter(([id]) => expected.has(id)).length;
  }
  return { latency: latencyOf(millis), recallAt10: found / (data.queries.length * 10) };
}

/** Queries per second with `callers` loops sharing the store, each waiting for its answer. */
async function throughput(
  store: VectorStoreClient,
  queries: readonly Float32Array[],
  callers: number,
): Promise<number> {
  const total = Math.max(queries.length, 50 * callers);
  let next = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: callers }, async () => {
      while (next < total) {
        const query = queries[next++ % queries.length] as Float32Array;
        await store.query(query, 10);
      }
    }),
  );
  return total / ((performance.now() - started) / 1000);
}

async function timeFiltered(
  store: VectorStoreClient,
  data: VectorDataset,
  c: FilterCase,
): Promise<FilteredResult> {
  const millis: number[] = [];
  let found = 0;
  for (const [i, query] of data.queries.entries()) {
    const started = performance.now();
    const hits = await store.query(query, 10, c.filter);
    millis.push(performance.now() - started);
    const expected = new Set((c.truth[i] ?? []).map((index) => `v${index}`));
    found += hits.filter(([id]) => expected.has(id)).length;
  }
  return {
    label: c.label,
    recallAt10: found / (data.queries.length * 10),
    latency: latencyOf(millis),
  };
}

/**
 * The bench's two selective filters on `bucket` (= row number mod 100): 1 % and 10 % of the
 * rows, with the exact top-10 among the matching rows.
 */
export function filterCases(
  vectors: readonly Float32Array[],
  queries: readonly Float32Array[],
  dim: number,
): FilterCase[] {
  const cases: [string, VectorFilter, (n: number) => boolean][] = [
    ["1 %", { bucket: 0 }, (n) => n % 100 === 0],
    ["10 %", { bucket: { $lt: 10 } }, (n) => n % 100 < 10],
  ];
  return cases.map(([label, filter, matches]) => {
    const rows = vectors.flatMap((_, n) => (matches(n) ? [n] : []));
    const index = new ExactIndex(
      rows.map((n) => vectors[n] as Float32Array),
      dim,
    );
    const truth = queries.map((q) => index.topK(q, 10).map((hit) => rows[hit.index] as number));
    return { label, filter, truth };
  });
}

async function backupAndRestore(
  store: VectorStoreClient,
  config: VectorStoreConfig,
  dir: string,
  settings: RunSettings,
): Promise<{ backupS: number; restoreS: number; fileBytes: number }> {
  const file = join(dir, "backup.jsonl");
  let started = performance.now();
  const { count } = await backupCollection(store, file, { collection: "main", batchSize: 10_000 });
  const backupS = (performance.now() - started) / 1000;
  const fileBytes = (await stat(file)).size;
  settings.log(
    `  backup: ${count} vectors, ${(fileBytes / 2 ** 20).toFixed(0)} MiB, ${backupS.toFixed(1)} s`,
  );
  const target = await createVectorStore(settings.backend, config, { collection: "restored" });
  try {
    started = performance.now();
    await restoreCollection(target, file, { batchSize: settings.batchSize });
    const restoreS = (performance.now() - started) / 1000;
    settings.log(`  restore: ${await target.count()} vectors, ${restoreS.toFixed(1)} s`);
    return { backupS, restoreS, fileBytes };
  } finally {
    await target.close();
  }
}

/** Exact top-10 indexes per query, and how long the brute-force search took (the baseline). */
export function exactTruth(
  index: ExactIndex,
  queries: readonly Float32Array[],
): { truth: number[][]; latency: Latency } {
  const millis: number[] = [];
  const truth = queries.map((query) => {
    const started = performance.now();
    const hits = index.topK(query, 10);
    millis.push(performance.now() - started);
    return hits.map((hit) => hit.index);
  });
  return { truth, latency: latencyOf(millis) };
}
