/**
 * A graph search worker thread: maps a saved usearch graph read-only (`view`: the pages are
 * shared with the other workers and the page cache, not copied) and answers nearest-neighbour
 * requests, so that searches run beside the event loop and each other. See
 * `hnsw-search-pool.ts`.
 */
import { statSync } from "node:fs";
import { parentPort, workerData } from "node:worker_threads";
import type { HnswSearchRequest, HnswWorkerData, HnswWorkerReply } from "./hnsw-search-protocol.js";
import { newGraph } from "./usearch-graph.js";

const port = parentPort;
if (port === null) throw new Error("hnsw-search-worker must run in a worker thread");
const data = workerData as HnswWorkerData;

try {
  const graph = await newGraph(data);
  // view() of a path it cannot open would close descriptor 0 of the process (see the pool).
  statSync(data.graph);
  graph.view(data.graph);
  port.on("message", ({ id, vector, count }: HnswSearchRequest) => {
    let reply: HnswWorkerReply;
    try {
      const found = graph.search(vector, count, 1);
      reply = { kind: "found", id, keys: found.keys, distances: found.distances };
    } catch (error) {
      reply = { kind: "error", id, error: (error as Error).message };
    }
    port.postMessage(reply);
  });
  port.postMessage({ kind: "ready" } satisfies HnswWorkerReply);
} catch (error) {
  port.postMessage({ kind: "failed", error: (error as Error).message } satisfies HnswWorkerReply);
}
