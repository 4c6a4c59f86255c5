/**
 * `npm run bench:vectors`: every vector store driver at 10k, 100k and 1M 128-D vectors, on
 * clustered vectors (1000 Gaussian clusters: how real embeddings look, and the main figures)
 * and on uniform random ones (the worst case for any ANN index). Per run: upsert vectors/s,
 * ANN index build time, sequential query latency p50/p95/p99, recall@10 against exact
 * brute force computed in the same run, queries/s with 1, 2 and 8 concurrent callers, recall
 * and latency of filtered queries matching 1 % and 10 % of the rows, resident memory, and, at
 * the largest size, backup + restore time. FAISS HNSW (pip `faiss-cpu`, throwaway venv) runs
 * on the same data as the reference. Prints Markdown.
 */
import { availableParallelism, cpus, loadavg } from "node:os";
import { parseArgs } from "node:util";
import { ExactIndex } from "../src/memory/vector-store/exact-search.js";
import type { StoreBackend } from "../src/memory/vector-store/types.js";
import { faissHnsw, faissPython } from "./faiss-venv.js";
import { type Latency, latencyOf } from "./latency.js";
import { type DatasetKind, makeDataset } from "./vector-datasets.js";
import {
  exactTruth,
  type FilterCase,
  type FilteredResult,
  filterCases,
  type RunResult,
  runVectorBench,
} from "./vector-run.js";

const USAGE = `usage: npm run bench:vectors -- [options]
  --sizes LIST       vectors per collection (default 10000,100000,1000000)
  --drivers LIST     lancedb,pgvector,qdrant (default: all; qdrant only with QDRANT_URL set)
  --datasets LIST    clustered,uniform (default both)
  --limit D=N,...    largest size to run per driver (default pgvector=100000: PGlite is
                     single-threaded WASM and builds HNSW at ~1k vectors/s)
  --queries N        timed queries per run (default 200)
  --dim N            dimension (default 128)
  --batch-size N     vectors per upsert call (default 10000)
  --index-min N      build the ANN index from this size (default 50000, the config default)
  --ef LIST          also time these ef_search values (a client reopened with each)
  --pgvector-maintenance-mb N
                     pgvector.maintenance_work_mem_mb for its HNSW build (default: the
                     database's 64 MiB)
  --search-threads N lancedb.search_threads: graph search workers for concurrent queries
                     (default 1: none, the config default; 0: a worker a core)
  --no-backup        skip backup + restore at the largest size
  --no-faiss         skip the FAISS HNSW reference (M 32, ef_construction 64, ef 64)`;

/** The goal at 1M: within 3x of FAISS HNSW's 0.53 ms p95. */
const GOAL_P95_MS = 1.5;
const GOAL_RECALL = 0.95;

interface Row {
  readonly backend: StoreBackend | "faiss";
  readonly dataset: DatasetKind;
  readonly size: number;
  readonly result: RunResult | { readonly skipped: string };
  readonly exact: Latency;
}

function log(line: string): void {
  process.stderr.write(`[bench] ${line}\n`);
}

function list(raw: string): string[] {
  return raw
    .split(",")
    .map((s) => s.trim())
    .filter((s) => s !== "");
}

function count(name: string, raw: string): number {
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1)
    throw new Error(`--${name} must be a positive integer, got ${raw}`);
  return n;
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      sizes: { type: "string", default: "10000,100000,1000000" },
      drivers: { type: "string", default: "lancedb,pgvector,qdrant" },
      datasets: { type: "string", default: "clustered,uniform" },
      limit: { type: "string", default: "pgvector=100000" },
      queries: { type: "string", default: "200" },
      dim: { type: "string", default: "128" },
      "batch-size": { type: "string", default: "10000" },
      "index-min": { type: "string", default: "50000" },
      ef: { type: "string", default: "" },
      "search-threads": { type: "string", default: "1" },
      "pgvector-maintenance-mb": { type: "string" },
      "no-backup": { type: "boolean", default: false },
      "no-faiss": { type: "boolean", default: false },
      help: { type: "boolean", short: "h", default: false },
    },
  });
  if (values.help) {
    process.stdout.write(`${USAGE}\n`);
    return;
  }
  const sizes = list(values.sizes)
    .map((s) => count("sizes", s))
    .sort((a, b) => a - b);
  const drivers = list(values.drivers) as StoreBackend[];
  const datasets = list(values.datasets) as DatasetKind[];
  const limits = new Map(
    list(values.limit).map((pair) => {
      const [driver, n] = pair.split("=");
      return [driver as StoreBackend, count("limit", n ?? "")] as const;
    }),
  );
  const queries = count("queries", values.queries);
  const dim = count("dim", values.dim);
  const batchSize = count("batch-size", values["batch-size"]);
  const indexMinRows = count("index-min", values["index-min"]);
  const searchThreads = Number(values["search-threads"]);
  if (!Number.isInteger(searchThreads) || searchThreads < 0)
    throw new Error(`--search-threads must be 0 or more, got ${values["search-threads"]}`);
  const efSweep = list(values.ef).map((s) => count("ef", s));
  const pgvectorMaintenanceMb =
    values["pgvector-maintenance-mb"] === undefined
      ? null
      : count("pgvector-maintenance-mb", values["pgvector-maintenance-mb"]);
  const qdrantUrl = process.env.QDRANT_URL;
  const qdrant = qdrantUrl ? new URL(qdrantUrl) : null;
  const largest = sizes[sizes.length - 1];

  log(
    `machine: ${cpus()[0]?.model ?? "?"}, ${availableParallelism()} cores, load ${loadavg()[0]?.toFixed(2)}`,
  );
  const rows: Row[] = [];
  for (const dataset of datasets) {
    for (const size of sizes) {
      log(
        `${dataset} ${size} x ${dim}: generating and computing exact top-10 for ${queries} queries`,
      );
      const data = makeDataset(dataset, size, queries, dim, 1234 + size);
      const { truth, latency: exact } = exactTruth(new ExactIndex(data.vectors, dim), data.queries);
      log(`  exact brute force: p50 ${exact.p50.toFixed(1)} ms (load ${loadavg()[0]?.toFixed(2)})`);
      const filters = filterCases(data.vectors, data.queries, dim);
      for (const backend of drivers) {
        const skip =
          backend === "qdrant" && qdrant === null
            ? "QDRANT_URL unset"
            : size > (limits.get(backend) ?? Number.POSITIVE_INFINITY)
              ? `over --limit ${backend}=${limits.get(backend)}`
              : null;
        if (skip !== null) {
          log(`${backend}: skipped (${skip})`);
          rows.push({ backend, dataset, size, exact, result: { skipped: skip } });
          continue;
        }
        log(`${backend} ${dataset} ${size}`);
        const result = await runVectorBench(
          data,
          truth,
          {
            backend,
            batchSize,
            indexMinRows,
            warmupQueries: 10,
            efSweep,
            searchThreads,
            pgvectorMaintenanceMb,
            backup:
              !values["no-backup"] &&
              dataset === datasets[0] &&
              size === largestFor(backend, largest, limits, sizes),
            ...(qdrant === null
              ? {}
              : {
                  qdrant: {
                    host: qdrant.hostname,
                    port: Number(qdrant.port || 6333),
                    https: qdrant.protocol === "https:",
                  },
                }),
            log,
          },
          filters,
        );
        rows.push({ backend, dataset, size, exact, result });
      }
      if (!values["no-faiss"])
        rows.push(await faissRow(data, truth, filters, dataset, size, exact, dim));
    }
  }
  process.stdout.write(render(rows, { dim, queries }));
}

/** FAISS `IndexHNSWFlat` M 32, ef_construction 64, ef 64 on 2 threads: the reference row. */
async function faissRow(
  data: ReturnType<typeof makeDataset>,
  truth: readonly (readonly number[])[],
  filters: readonly FilterCase[],
  dataset: DatasetKind,
  size: number,
  exact: Latency,
  dim: number,
): Promise<Row> {
  const python = await faissPython(log);
  if (!python.ok) {
    log(`faiss: skipped (${python.reason})`);
    return { backend: "faiss", dataset, size, exact, result: { skipped: python.reason } };
  }
  log(`faiss ${dataset} ${size}`);
  const run = await faissHnsw(python.python, data.vectors, data.queries, {
    dim,
    m: 32,
    efConstruction: 64,
    threads: 2,
    efs: [64],
    full: true,
  });
  const recall = (
    found: readonly (readonly number[])[],
    expected: readonly (readonly number[])[],
  ) => {
    let hits = 0;
    for (const [i, ids] of found.entries()) {
      const want = new Set(expected[i]);
      hits += ids.filter((id) => want.has(id)).length;
    }
    return hits / (expected.length * 10);
  };
  const [first] = run.runs;
  const filtered: FilteredResult[] = (run.full?.filtered ?? []).map((f, i) => ({
    label: f.label,
    recallAt10: recall(f.ids, filters[i]?.truth ?? []),
    latency: latencyOf(f.millis),
  }));
  const result: RunResult = {
    upsertPerS: Number.NaN,
    indexS: run.build_s,
    latency: latencyOf(first?.millis ?? []),
    recallAt10: recall(first?.ids ?? [], truth),
    qps: run.full?.qps ?? [],
    filtered,
    rssMiB: run.rss_mib,
    backup: null,
    sweep: [],
  };
  log(
    `  faiss: build ${run.build_s.toFixed(1)} s, p95 ${result.latency.p95.toFixed(2)} ms, recall@10 ${result.recallAt10.toFixed(3)}`,
  );
  return { backend: "faiss", dataset, size, exact, result };
}

/** The largest size a driver runs: backups are timed there. */
function largestFor(
  backend: StoreBackend,
  largest: number | undefined,
  limits: ReadonlyMap<StoreBackend, number>,
  sizes: readonly number[],
): number | undefined {
  const limit = limits.get(backend) ?? Number.POSITIVE_INFINITY;
  return [...sizes].reverse().find((s) => s <= limit) ?? largest;
}

function render(rows: readonly Row[], o: { dim: number; queries: number }): string {
  const out: string[] = [];
  out.push(
    `\n${o.queries} sequential top-10 queries per run, ${o.dim}-D, cosine; recall@10 against exact brute force in the same run.`,
    "Baseline: that exact search in JavaScript (one thread); speed-up = baseline p50 / driver p50.\n",
    "| driver | data | vectors | upsert vec/s | index build s | p50 ms | p95 ms | p99 ms | recall@10 | RSS MiB | exact p50 ms (baseline) | speed-up | p95 ≤ 1.5 ms | recall ≥ 0.95 |",
    "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|:-:|:-:|",
  );
  for (const row of rows) {
    const r = row.result;
    const head = `| ${row.backend} | ${row.dataset} | ${row.size.toLocaleString("en-US")} |`;
    if ("skipped" in r) {
      out.push(`${head} skipped: ${r.skipped} | | | | | | | ${row.exact.p50.toFixed(1)} | | | |`);
      continue;
    }
    out.push(
      `${head} ${Number.isNaN(r.upsertPerS) ? "" : Math.round(r.upsertPerS).toLocaleString("en-US")} | ${r.indexS === null ? "exact" : r.indexS.toFixed(1)} | ${r.latency.p50.toFixed(2)} | ${r.latency.p95.toFixed(2)} | ${r.latency.p99.toFixed(2)} | ${r.recallAt10.toFixed(3)} | ${r.rssMiB.toFixed(0)} | ${row.exact.p50.toFixed(1)} | ${(row.exact.p50 / r.latency.p50).toFixed(1)}× | ${r.latency.p95 <= GOAL_P95_MS ? "yes" : "no"} | ${r.recallAt10 >= GOAL_RECALL ? "yes" : "no"} |`,
    );
  }
  out.push(
    "\nThroughput with concurrent callers (in one process, top-10, no filter), and filtered queries (`bucket` = row mod 100; recall@10 against exact search over the matching rows):\n",
    "| driver | data | vectors | q/s 1 | q/s 2 | q/s 8 | 1 % recall@10 | 1 % p50 ms | 1 % p95 ms | 10 % recall@10 | 10 % p50 ms | 10 % p95 ms |",
    "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
  );
  for (const row of rows) {
    const r = row.result;
    if ("skipped" in r) continue;
    const f = (label: string) => {
      const x = r.filtered.find((c) => c.label === label);
      return x === undefined
        ? " | | "
        : `${x.recallAt10.toFixed(3)} | ${x.latency.p50.toFixed(2)} | ${x.latency.p95.toFixed(2)}`;
    };
    out.push(
      `| ${row.backend} | ${row.dataset} | ${row.size.toLocaleString("en-US")} | ${r.qps.map((q) => q.toFixed(0)).join(" | ")} | ${f("1 %")} | ${f("10 %")} |`,
    );
  }
  const sweeps = rows.filter((row) => !("skipped" in row.result) && row.result.sweep.length > 0);
  if (sweeps.length > 0) {
    out.push(
      "\nOther `ef_search` values on the same index (a client reopened with each; unfiltered top-10):\n",
      "| driver | data | vectors | ef_search | p50 ms | p95 ms | p99 ms | recall@10 |",
      "|---|---|---:|---:|---:|---:|---:|---:|",
    );
    for (const row of sweeps) {
      for (const s of (row.result as RunResult).sweep) {
        out.push(
          `| ${row.backend} | ${row.dataset} | ${row.size.toLocaleString("en-US")} | ${s.ef} | ${s.latency.p50.toFixed(2)} | ${s.latency.p95.toFixed(2)} | ${s.latency.p99.toFixed(2)} | ${s.recallAt10.toFixed(3)} |`,
        );
      }
    }
  }
  const backups = rows.filter((row) => !("skipped" in row.result) && row.result.backup !== null);
  if (backups.length > 0) {
    out.push(
      "\nBackup (`vs-backup` format) and restore into a fresh collection of the same driver:\n",
      "| driver | vectors | backup s | file MiB | restore s |",
      "|---|---:|---:|---:|---:|",
    );
    for (const row of backups) {
      const b = (row.result as RunResult).backup;
      if (b === null) continue;
      out.push(
        `| ${row.backend} | ${row.size.toLocaleString("en-US")} | ${b.backupS.toFixed(1)} | ${(b.fileBytes / 2 ** 20).toFixed(0)} | ${b.restoreS.toFixed(1)} |`,
      );
    }
  }
  return `${out.join("\n")}\n`;
}

main().catch((error: unknown) => {
  process.stderr.write(
    `bench:vectors failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
  );
  process.exitCode = 1;
});
