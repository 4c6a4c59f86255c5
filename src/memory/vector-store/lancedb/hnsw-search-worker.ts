/**
 * A graph search worker thread: opens a saved graph read-only (`view`: usearch maps it, its
 * pages shared with the other workers and the page cache; hnswlib reads a copy) and answers nearest-neighbour
 * requests, so that searches run beside the event loop and each other. See
 * `hnsw-search-pool.ts`.
 */
import { statSync } from "node:fs";
import { parentPort, workerData } from "node:worker_threads";
import { newGraph } from "./hnsw-graph.js";
import type { HnswSearchRequest, HnswWorkerData, HnswWorkerReply } from "./hnsw-search-protocol.js";

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
      const found = graph.search(vector, count);
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
