/**
 * `npm run bench:hnsw-concurrency`: queries/s of the LanceDB driver's HNSW graph with 1, 2 and
 * 8 concurrent callers, searching on the event loop (`lancedb.search_threads: 1`) against the
 * worker pool (`search_threads: 0`, every core), without LanceDB around it: the graph is built
 * in memory from clustered vectors, saved and loaded back as the driver does. A caller that is
 * not alone hands its search to an idle worker, as the driver does when other searches are in
 * flight. Also times the graph build on every core. Prints Markdown.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { availableParallelism, cpus, loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { resolveHnswLibrary } from "../src/memory/vector-store/lancedb/hnsw-graph.js";
import { HnswIndex, type HnswParams } from "../src/memory/vector-store/lancedb/hnsw-index.js";
import { makeDataset } from "./vector-datasets.js";

const { values } = parseArgs({
  options: {
    size: { type: "string", default: "1000000" },
    queries: { type: "string", default: "2000" },
    "search-threads": { type: "string", default: "1,0" },
    callers: { type: "string", default: "1,2,8" },
  },
});
const size = Number(values.size);
const queryCount = Number(values.queries);
const threadsList = values["search-threads"].split(",").map(Number);
const callersList = values.callers.split(",").map(Number);
const log = (line: string) => process.stderr.write(`[bench] ${line}\n`);
const load = () => loadavg()[0]?.toFixed(2);

log(`machine: ${cpus()[0]?.model ?? "?"}, ${availableParallelism()} cores, load ${load()}`);
const data = makeDataset("clustered", size, queryCount, 128, 1234 + size);
const params: HnswParams = {
  library: resolveHnswLibrary("auto", log),
  m: 32,
  efConstruction: 64,
  scalar: "f32",
  efSearch: 128,
  buildThreads: 0,
  searchThreads: 1,
};
const records = data.vectors.map((vector, i) => ({ id: `v${i}`, vector, metadata: "{}" }));
let started = performance.now();
const built = await HnswIndex.fromRecords(records, 128, params, 1);
const buildS = (performance.now() - started) / 1000;
log(
  `graph of ${size} built in ${buildS.toFixed(1)} s on ${availableParallelism()} threads (load ${load()})`,
);
const dir = await mkdtemp(join(tmpdir(), "aios-hnsw-concurrency-"));
const out = [
  `\nHNSW graph, ${size.toLocaleString("en-US")} clustered 128-D vectors, M 32, ef_construction 64, ef_search 128; build ${buildS.toFixed(1)} s on ${availableParallelism()} threads; ${queryCount} top-10 queries per cell; load ${load()} at start.\n`,
  `| search_threads | ${callersList.map((c) => `q/s ${c} caller${c === 1 ? "" : "s"}`).join(" | ")} |`,
  `|---|${callersList.map(() => "---:").join("|")}|`,
];
try {
  await built.save(dir, "c");
  for (const searchThreads of threadsList) {
    const workers = searchThreads === 0 ? availableParallelism() : searchThreads;
    const graph = await HnswIndex.load(dir, "c", { ...params, searchThreads: workers });
    if (graph === null) throw new Error("the saved graph did not load");
    // Starts the workers (the first searches are answered in-process while they open the file).
    for (const q of data.queries.slice(0, 50)) await graph.search(q, 10, true);
    await new Promise((resolve) => setTimeout(resolve, 2000));
    const cells: string[] = [];
    for (const callers of callersList) {
      let next = 0;
      started = performance.now();
      await Promise.all(
        Array.from({ length: callers }, async () => {
          while (next < queryCount) {
            const q = data.queries[next++] as Float32Array;
            await graph.search(q, 10, callers > 1);
          }
        }),
      );
      const qps = queryCount / ((performance.now() - started) / 1000);
      log(
        `search_threads ${searchThreads} (${workers}), ${callers} callers: ${qps.toFixed(0)} q/s (load ${load()})`,
      );
      cells.push(qps.toFixed(0));
    }
    out.push(
      `| ${searchThreads}${searchThreads === 0 ? ` (${workers} workers)` : ""} | ${cells.join(" | ")} |`,
    );
    await graph.close();
  }
  process.stdout.write(`${out.join("\n")}\n`);
} finally {
  await rm(dir, { recursive: true, force: true });
}
