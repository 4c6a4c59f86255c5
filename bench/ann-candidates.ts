/**
 * `npm run bench:ann-candidates`: the embedded HNSW libraries the default driver could use,
 * on the same clustered 128-D vectors as `bench:vectors`, against FAISS (pip `faiss-cpu` in a
 * throwaway venv) in the same run. Per library: build time (2 threads where the library can),
 * resident memory added by the index, recall@10 against exact search and single-query
 * p50/p95/p99 at several ef. Prints Markdown; the 1-minute load average is printed beside
 * every figure because the machine is shared.
 */
import { spawn } from "node:child_process";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { Index, MetricKind, ScalarKind } from "usearch";
import { ExactIndex } from "../src/memory/vector-store/exact-search.js";
import { newGraph } from "../src/memory/vector-store/lancedb/hnsw-graph.js";
import { faissPython } from "./faiss-venv.js";
import { type Latency, latencyOf } from "./latency.js";
import { makeDataset } from "./vector-datasets.js";
import { exactTruth } from "./vector-run.js";

const { values } = parseArgs({
  options: {
    size: { type: "string", default: "100000" },
    queries: { type: "string", default: "200" },
    m: { type: "string", default: "32" },
    "ef-construction": { type: "string", default: "64" },
    ef: { type: "string", default: "32,64,128" },
    threads: { type: "string", default: "2" },
    libraries: { type: "string", default: "usearch,hnswlib,faiss" },
  },
});
const size = Number(values.size);
const dim = 128;
const m = Number(values.m);
const efC = Number(values["ef-construction"]);
const efs = values.ef.split(",").map(Number);
const threads = Number(values.threads);
const libraries = new Set(values.libraries.split(","));

interface Row {
  library: string;
  buildS: number;
  rssMiB: number;
  ef: number;
  recall: number;
  latency: Latency;
  load: number;
}

function log(line: string): void {
  process.stderr.write(`[ann] ${line}\n`);
}

function load1(): number {
  return loadavg()[0] ?? Number.NaN;
}

function rssMiB(): number {
  return process.memoryUsage().rss / 2 ** 20;
}

function recallOf(found: readonly (readonly number[])[], truth: readonly (readonly number[])[]) {
  let hits = 0;
  for (const [i, ids] of found.entries()) {
    const expected = new Set(truth[i]);
    hits += ids.filter((id) => expected.has(id)).length;
  }
  return hits / (truth.length * 10);
}

function timeQueries(
  queries: readonly Float32Array[],
  search: (q: Float32Array) => number[],
): { latency: Latency; found: number[][] } {
  for (const q of queries.slice(0, 10)) search(q);
  const millis: number[] = [];
  const found = queries.map((q) => {
    const started = performance.now();
    const ids = search(q);
    millis.push(performance.now() - started);
    return ids;
  });
  return { latency: latencyOf(millis), found };
}

const data = makeDataset("clustered", size, Number(values.queries), dim, 1234 + size);
log(
  `clustered ${size} x ${dim}: exact top-10 for ${data.queries.length} queries (load ${load1().toFixed(2)})`,
);
const { truth } = exactTruth(new ExactIndex(data.vectors, dim), data.queries);
const flat = new Float32Array(size * dim);
for (const [i, v] of data.vectors.entries()) flat.set(v, i * dim);
const rows: Row[] = [];
const dir = await mkdtemp(join(tmpdir(), "aios-ann-"));

if (libraries.has("usearch")) {
  const before = rssMiB();
  const started = performance.now();
  const build = new Index({
    metric: MetricKind.Cos,
    quantization: ScalarKind.F32,
    multi: false,
    dimensions: dim,
    connectivity: m,
    expansion_add: efC,
    expansion_search: efs[0] ?? 64,
  });
  const keys = new BigUint64Array(size);
  for (let i = 0; i < size; i++) keys[i] = BigInt(i);
  build.add(keys, flat, threads);
  const buildS = (performance.now() - started) / 1000;
  const grown = rssMiB() - before;
  log(`usearch M ${m} efC ${efC}: built in ${buildS.toFixed(1)} s (load ${load1().toFixed(2)})`);
  const file = join(dir, "usearch.index");
  build.save(file);
  for (const ef of efs) {
    // usearch fixes ef at construction: the saved graph is loaded into an index per ef.
    const index = new Index({
      metric: MetricKind.Cos,
      quantization: ScalarKind.F32,
      multi: false,
      dimensions: dim,
      connectivity: m,
      expansion_add: efC,
      expansion_search: ef,
    });
    index.load(file);
    const { latency, found } = timeQueries(data.queries, (q) =>
      Array.from(index.search(q, 10, 1).keys, Number),
    );
    rows.push({
      library: "usearch 2.25",
      buildS,
      rssMiB: grown,
      ef,
      recall: recallOf(found, truth),
      latency,
      load: load1(),
    });
  }
}

if (libraries.has("hnswlib")) {
  // aios's own addon (native/hnsw): inner product on unit rows, a bulk build on every thread.
  const settings = (ef: number) =>
    ({
      library: "hnswlib",
      dimension: dim,
      m,
      efConstruction: efC,
      scalar: "f32",
      efSearch: ef,
    }) as const;
  const unitRows = flat.slice();
  for (let i = 0; i < size; i++) unitInPlace(unitRows.subarray(i * dim, (i + 1) * dim));
  const keys = BigUint64Array.from({ length: size }, (_, i) => BigInt(i));
  const before = rssMiB();
  const started = performance.now();
  const build = await newGraph(settings(efs[0] ?? 64));
  build.beginBuild(size);
  build.add(keys, unitRows, threads);
  build.endBuild();
  const buildS = (performance.now() - started) / 1000;
  const grown = rssMiB() - before;
  log(`hnswlib M ${m} efC ${efC}: built in ${buildS.toFixed(1)} s (load ${load1().toFixed(2)})`);
  const file = join(dir, "graph.hnswlib");
  build.save(file);
  for (const ef of efs) {
    const index = await newGraph(settings(ef));
    index.load(file);
    const { latency, found } = timeQueries(data.queries, (q) =>
      Array.from(index.search(unitInPlace(q.slice()), 10).keys, Number),
    );
    rows.push({
      library: "hnswlib 0.8 (aios addon)",
      buildS,
      rssMiB: grown,
      ef,
      recall: recallOf(found, truth),
      latency,
      load: load1(),
    });
  }
}

if (libraries.has("faiss")) {
  const python = await faissPython(log);
  if (!python.ok) log(`FAISS skipped: ${python.reason}`);
  else {
    const vecFile = join(dir, "vectors.f32");
    const qFile = join(dir, "queries.f32");
    await writeFile(vecFile, new Uint8Array(flat.buffer));
    const qs = new Float32Array(data.queries.length * dim);
    for (const [i, q] of data.queries.entries()) qs.set(q, i * dim);
    await writeFile(qFile, new Uint8Array(qs.buffer));
    const out = await runPython(python.python, [
      join(import.meta.dirname, "..", "..", "bench", "faiss_hnsw.py"),
      vecFile,
      qFile,
      String(dim),
      String(m),
      String(efC),
      String(threads),
      efs.join(","),
    ]);
    const result = JSON.parse(out) as {
      build_s: number;
      rss_mib: number;
      runs: { ef: number; millis: number[]; ids: number[][] }[];
    };
    log(`FAISS HNSW M ${m} efC ${efC}: built in ${result.build_s.toFixed(1)} s`);
    for (const run of result.runs)
      rows.push({
        library: "FAISS 1.15 IndexHNSWFlat",
        buildS: result.build_s,
        rssMiB: result.rss_mib,
        ef: run.ef,
        recall: recallOf(run.ids, truth),
        latency: latencyOf(run.millis),
        load: load1(),
      });
  }
}
await rm(dir, { recursive: true, force: true });

process.stdout.write(
  `${[
    `\nclustered ${size.toLocaleString("en-US")} x ${dim}, cosine, HNSW M ${m}, ef_construction ${efC}, build on ${threads} threads, ${data.queries.length} single queries on 1 thread\n`,
    "| library | build s | index RSS MiB | ef | recall@10 | p50 ms | p95 ms | p99 ms | load (1 min) |",
    "|---|---:|---:|---:|---:|---:|---:|---:|---:|",
    ...rows.map(
      (r) =>
        `| ${r.library} | ${r.buildS.toFixed(1)} | ${r.rssMiB.toFixed(0)} | ${r.ef} | ${r.recall.toFixed(3)} | ${r.latency.p50.toFixed(3)} | ${r.latency.p95.toFixed(3)} | ${r.latency.p99.toFixed(3)} | ${r.load.toFixed(2)} |`,
    ),
  ].join("\n")}\n`,
);

function runPython(python: string, args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(python, args, { stdio: ["ignore", "pipe", "inherit"] });
    let out = "";
    child.stdout.on("data", (chunk: Buffer) => {
      out += chunk.toString();
    });
    child.on("error", reject);
    child.on("close", (code) =>
      code === 0 ? resolve(out) : reject(new Error(`python exited ${code}`)),
    );
  });
}

/** Scales `row` to unit length in place (the addon's graphs hold unit rows); returns it. */
function unitInPlace(row: Float32Array): Float32Array {
  let sum = 0;
  for (const x of row) sum += x * x;
  const scale = sum > 0 ? 1 / Math.sqrt(sum) : 0;
  for (let i = 0; i < row.length; i++) row[i] = (row[i] as number) * scale;
  return row;
}
