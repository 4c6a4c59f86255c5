/**
 * `npm run bench:hnsw-build`: build time and recall@10 of the LanceDB driver's HNSW graph
 * (HnswIndex, built in memory from records as from a table's rows) in each library
 * (`lancedb.hnsw_library`: hnswlib, usearch) with f32 and with f16 vectors
 * (`lancedb.hnsw_scalar`), beside FAISS `IndexHNSWFlat` on the same clustered vectors in the
 * same run: M 32, ef_construction 64, ef_search 128, every core. Recall against exact search.
 * Prints Markdown; `--libraries hnswlib` and `--scalars f32` narrow the run.
 */
import { availableParallelism, cpus, loadavg } from "node:os";
import { parseArgs } from "node:util";
import { ExactIndex } from "../src/memory/vector-store/exact-search.js";
import { resolveHnswLibrary } from "../src/memory/vector-store/lancedb/hnsw-graph.js";
import {
  HnswIndex,
  type HnswLibrary,
  type HnswParams,
  type HnswScalar,
} from "../src/memory/vector-store/lancedb/hnsw-index.js";
import { faissHnsw, faissPython } from "./faiss-venv.js";
import { makeDataset } from "./vector-datasets.js";

const { values } = parseArgs({
  options: {
    size: { type: "string", default: "1000000" },
    queries: { type: "string", default: "200" },
    "no-faiss": { type: "boolean", default: false },
    libraries: { type: "string", default: "hnswlib,usearch" },
    scalars: { type: "string", default: "f32,f16" },
  },
});
const size = Number(values.size);
const queryCount = Number(values.queries);
const dim = 128;
const log = (line: string) => process.stderr.write(`[bench] ${line}\n`);
const load = () => loadavg()[0]?.toFixed(2) ?? "?";

log(`machine: ${cpus()[0]?.model ?? "?"}, ${availableParallelism()} cores, load ${load()}`);
const data = makeDataset("clustered", size, queryCount, dim, 1234 + size);
log("exact top-10 of every query");
const exact = new ExactIndex(data.vectors, dim);
const truth = data.queries.map((q) => new Set(exact.topK(q, 10).map((hit) => `v${hit.index}`)));
const records = data.vectors.map((vector, i) => ({ id: `v${i}`, vector, metadata: "{}" }));

const rows: string[] = [];
const runs = values.libraries
  .split(",")
  .flatMap((library) =>
    values.scalars.split(",").map((scalar) => [library, scalar] as [HnswLibrary, HnswScalar]),
  );
for (const [library, scalar] of runs) {
  if (library === "hnswlib" && resolveHnswLibrary("auto", log) !== "hnswlib") continue;
  const params: HnswParams = {
    library,
    m: 32,
    efConstruction: 64,
    scalar,
    efSearch: 128,
    buildThreads: 0,
    searchThreads: 1,
  };
  const before = load();
  const started = performance.now();
  const graph = await HnswIndex.fromRecords(records, dim, params, 1);
  const buildS = (performance.now() - started) / 1000;
  let found = 0;
  for (const [i, q] of data.queries.entries()) {
    const hits = await graph.search(q, 10);
    found += hits.filter((hit) => truth[i]?.has(hit.id)).length;
  }
  const recall = found / (queryCount * 10);
  log(`aios ${library} ${scalar}: build ${buildS.toFixed(1)} s, recall@10 ${recall.toFixed(3)}`);
  rows.push(
    `| aios HNSW, ${library}, ${scalar} | ${buildS.toFixed(1)} | ${recall.toFixed(3)} | ${before} |`,
  );
  await graph.close();
}

let faissS: number | null = null;
if (!values["no-faiss"]) {
  const python = await faissPython(log);
  if (python.ok) {
    const before = load();
    const run = await faissHnsw(python.python, data.vectors, data.queries, {
      dim,
      m: 32,
      efConstruction: 64,
      threads: availableParallelism(),
      efs: [128],
      full: false,
    });
    const ids = run.runs[0]?.ids ?? [];
    let found = 0;
    for (const [i, list] of ids.entries())
      found += list.filter((row) => truth[i]?.has(`v${row}`)).length;
    faissS = run.build_s;
    rows.push(
      `| FAISS IndexHNSWFlat | ${run.build_s.toFixed(1)} | ${(found / (queryCount * 10)).toFixed(3)} | ${before} |`,
    );
  } else log(`FAISS skipped: ${python.reason}`);
}

process.stdout.write(
  `\nHNSW build, ${size.toLocaleString("en-US")} clustered ${dim}-D vectors, M 32, ef_construction 64, ef_search 128, ${availableParallelism()} threads, ${queryCount} queries\n\n| index | build s | recall@10 | load at start |\n|---|---:|---:|---:|\n${rows.join("\n")}\n`,
);
if (faissS !== null) {
  const ratios = rows
    .filter((r) => r.startsWith("| aios"))
    .map((r) => {
      const [, name, build] = r.split("|");
      return `${name?.trim()}: ${(Number(build) / faissS).toFixed(2)}x FAISS's build time`;
    });
  process.stdout.write(`\n${ratios.join("; ")}\n`);
}
