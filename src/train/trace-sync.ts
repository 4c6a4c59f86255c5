import type { MemoryConfig } from "../config/memory-config.js";
import type { TrainingConfig } from "../config/training-config.js";
import { openTraceStore } from "../memory/cognitive/open-stores.js";
import type { TraceVectorStore } from "../memory/cognitive/trace-vector-store.js";
import type { AttentionTrace } from "../memory/cognitive/types.js";
import type { AttentionEdgeSum } from "./attention-edges.js";
import type { TraceRecord } from "./metrics-log.js";
import { edgesPerReplica, sampleTraces, tracesPerHead } from "./trace-sampler.js";

/**
 * The trainer's side of `memory.persistent_traces`: which steps capture attention, the edges
 * seen so far (for their age), and the trace store, which only this thread talks to.
 *
 * Where sampling runs: in the replica workers, inside the training segment of a sync step. The
 * attention probabilities exist only there (the main thread holds no TF engine), they are
 * already computed and kept for the backward pass, and summing them over rows and taking the
 * top-k in the engine sends a few hundred numbers per replica instead of T² per head. Steps
 * between syncs capture nothing and cost nothing extra. The vector store stays on the main
 * thread: one connection (PGlite allows one process per directory), written while the workers
 * wait for the next step.
 */
export class TraceSync {
  readonly #store: TraceVectorStore;
  readonly #settings: MemoryConfig["persistent_traces"];
  readonly #backend: string;
  readonly #brain: string;
  readonly #perHead: number;
  readonly #perReplica: number;
  /** Step each edge was first seen, by `layer_head_query_key`; loaded traces included. */
  readonly #firstSeen = new Map<string, number>();

  private constructor(store: TraceVectorStore, memory: MemoryConfig, config: TrainingConfig) {
    this.#store = store;
    this.#settings = memory.persistent_traces;
    this.#backend = memory.vector_store.backend;
    this.#brain = config.brain_name;
    this.#perHead = tracesPerHead(this.#settings, config.max_seq_len);
    this.#perReplica = edgesPerReplica(this.#settings, config.max_seq_len);
  }

  /** Null when neither `persist_to_vector_store` nor `warm_start` is on. */
  static async open(memory: MemoryConfig, config: TrainingConfig): Promise<TraceSync | null> {
    const settings = memory.persistent_traces;
    if (!settings.persist_to_vector_store && !settings.warm_start) return null;
    // Traces belong to the brain: a warm start reads this brain's, not another model's.
    return new TraceSync(await openTraceStore(memory, config.brain_name), memory, config);
  }

  /** Edges per head each replica reports at `step`; 0 where the step does not sync. */
  captureAt(step: number): number {
    const s = this.#settings;
    const syncs =
      s.persist_to_vector_store && step >= s.warmup_steps && step % s.trace_sync_interval === 0;
    return syncs ? this.#perReplica : 0;
  }

  /** Reads every trace this brain stored before; null when `warm_start` is off. */
  async warmStart(step: number): Promise<TraceRecord | null> {
    if (!this.#settings.warm_start) return null;
    const started = performance.now();
    let count = 0;
    for await (const page of this.#store.scanTraces()) {
      for (const trace of page) {
        const key = edgeKey(trace);
        const first = trace.trainingStep - trace.age;
        this.#firstSeen.set(key, Math.min(first, this.#firstSeen.get(key) ?? first));
      }
      count += page.length;
    }
    return this.#record("warm_start", step, count, started);
  }

  /** Keeps the batch's strongest edges and writes them as traces of `step`. */
  async sync(step: number, edges: readonly AttentionEdgeSum[], rows: number): Promise<TraceRecord> {
    const started = performance.now();
    const sampled = sampleTraces(edges, rows, this.#perHead, this.#settings.salience_threshold);
    const traces: AttentionTrace[] = sampled.map((edge) => {
      const key = edgeKey(edge);
      const first = this.#firstSeen.get(key) ?? step;
      this.#firstSeen.set(key, first);
      // A brain trained again from step 1 may hold traces from later steps: age is never < 0.
      return { ...edge, age: Math.max(0, step - first) };
    });
    const count = await this.#store.upsertTraces(traces, step);
    return this.#record("sync", step, count, started);
  }

  close(): Promise<void> {
    return this.#store.close();
  }

  #record(
    action: TraceRecord["action"],
    step: number,
    count: number,
    started: number,
  ): TraceRecord {
    return {
      event: "traces",
      action,
      step,
      count,
      edges: this.#firstSeen.size,
      collection: this.#store.client.collection,
      vector_store: this.#backend,
      seconds: (performance.now() - started) / 1000,
      brain: this.#brain,
      ts: new Date().toISOString(),
    };
  }
}

function edgeKey(edge: {
  layer: number;
  head: number;
  queryIndex: number;
  keyIndex: number;
}): string {
  return `${edge.layer}_${edge.head}_${edge.queryIndex}_${edge.keyIndex}`;
}
