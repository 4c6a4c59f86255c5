import { closeSync, openSync } from "node:fs";
import type { Worker } from "node:worker_threads";
import { startWorker } from "../../../core/worker-entry.js";
import type { Nearest } from "./hnsw-graph.js";
import type { HnswSearchRequest, HnswWorkerData, HnswWorkerReply } from "./hnsw-search-protocol.js";

/**
 * Worker threads searching one saved HNSW graph file, each through its own read-only view
 * (usearch maps the file; hnswlib reads a copy into each worker). A graph search is
 * synchronous native code: on the event loop, concurrent queries queue
 * behind each other and behind every other request of the process; here each takes the least
 * busy worker. The pool is usable once every worker has opened the file (`ready`), and is
 * `broken` if a worker fails; callers then search their own copy of the graph instead.
 */
export class HnswSearchPool {
  readonly #workers: Worker[];
  readonly #load = new Map<Worker, number>();
  readonly #pending = new Map<
    number,
    { resolve: (found: Nearest) => void; reject: (error: Error) => void; worker: Worker }
  >();
  #opened = 0;
  #nextId = 0;
  #failure: Error | null = null;
  /** The graph file, held open so that it outlives its name (another writer's save unlinks it). */
  #file: number | null = null;

  /**
   * Starts `workers` threads on the graph file `data.graph`; returns before they are ready.
   * A file that cannot be opened leaves the pool broken.
   */
  constructor(data: HnswWorkerData, workers: number) {
    try {
      this.#file = openSync(data.graph, "r");
    } catch (error) {
      this.#failure = new Error(`cannot open the graph ${data.graph}: ${String(error)}`);
      this.#workers = [];
      return;
    }
    // usearch's view() of a path it cannot open closes file descriptor 0 of the process
    // (memory_mapped_file_t::close() on a descriptor it never set), and libuv aborts later on.
    // So the workers map the file through the descriptor held here, which cannot vanish.
    const graph = process.platform === "linux" ? `/proc/self/fd/${this.#file}` : data.graph;
    this.#workers = Array.from({ length: workers }, () => {
      const worker = startWorker(import.meta.url, "hnsw-search-worker", {
        workerData: { ...data, graph } satisfies HnswWorkerData,
      });
      this.#load.set(worker, 0);
      // An idle pool must not keep the process alive; a pending search refs its worker.
      worker.unref();
      worker.on("message", (reply: HnswWorkerReply) => this.#settle(worker, reply));
      worker.on("error", (error) => this.#fail(error));
      worker.on("exit", (code) => {
        if (code !== 0) this.#fail(new Error(`a graph search worker exited with code ${code}`));
      });
      return worker;
    });
  }

  /** Whether every worker has opened the graph and none has failed. */
  get ready(): boolean {
    return this.#failure === null && this.#opened === this.#workers.length;
  }

  get broken(): boolean {
    return this.#failure !== null;
  }

  /** Whether some worker has no search in hand. */
  get idle(): boolean {
    for (const load of this.#load.values()) if (load === 0) return true;
    return false;
  }

  /** The `count` nearest keys to the unit-length `vector`. Rejects if a worker fails. */
  search(vector: Float32Array, count: number): Promise<Nearest> {
    if (this.#failure !== null) return Promise.reject(this.#failure);
    const worker = this.#workers.reduce((a, b) =>
      (this.#load.get(a) ?? 0) <= (this.#load.get(b) ?? 0) ? a : b,
    );
    const id = this.#nextId++;
    const found = new Promise<Nearest>((resolve, reject) => {
      this.#pending.set(id, { resolve, reject, worker });
    });
    const load = this.#load.get(worker) ?? 0;
    if (load === 0) worker.ref();
    this.#load.set(worker, load + 1);
    const request: HnswSearchRequest = { id, vector, count };
    worker.postMessage(request);
    return found;
  }

  async close(): Promise<void> {
    this.#fail(new Error("the graph search pool was closed"));
    await Promise.all(this.#workers.map((worker) => worker.terminate()));
    if (this.#file !== null) closeSync(this.#file);
    this.#file = null;
  }

  #settle(worker: Worker, reply: HnswWorkerReply): void {
    if (reply.kind === "ready") {
      this.#opened++;
      return;
    }
    if (reply.kind === "failed") {
      this.#fail(new Error(`a graph search worker could not open the graph: ${reply.error}`));
      return;
    }
    const waiting = this.#pending.get(reply.id);
    if (waiting === undefined) return;
    this.#pending.delete(reply.id);
    const load = (this.#load.get(worker) ?? 1) - 1;
    this.#load.set(worker, load);
    if (load === 0) worker.unref();
    if (reply.kind === "error") waiting.reject(new Error(reply.error));
    else waiting.resolve({ keys: reply.keys, distances: reply.distances });
  }

  #fail(error: Error): void {
    this.#failure ??= error;
    for (const waiting of this.#pending.values()) waiting.reject(this.#failure);
    this.#pending.clear();
  }
}
