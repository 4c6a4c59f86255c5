import { AiosError } from "../../core/errors.js";
import { matchesFilter, parseFilter, type VectorFilter } from "../vector-store/filter.js";
import type { Metadata, StoredVector, VectorStoreClient } from "../vector-store/types.js";
import { numberField } from "./stored-fields.js";
import { checkTrace, TraceEmbedder } from "./trace-embedder.js";
import type { AttentionTrace, StoredTrace } from "./types.js";

/** The design's collection name; stored as `<collection_prefix>_attention_traces`. */
export const TRACE_COLLECTION = "attention_traces";
const SCAN_BATCH = 2000;

export interface TraceStoreOptions {
  /**
   * Written as `model_id` on every trace, and the only traces read back (query, load) are this
   * model's. The trainer passes the brain name. Null: no model field, every trace is read.
   */
  readonly modelId?: string | null;
  /** Written as `task_tag` and required when reading, like `modelId` (`persistent_traces.task_tag`). */
  readonly taskTag?: string | null;
  readonly embedder?: TraceEmbedder;
}

export interface TraceHit {
  readonly trace: StoredTrace;
  /** Cosine similarity of the embeddings. */
  readonly score: number;
}

/**
 * `trace_<layer>_<head>_<query>_<key>_<step>`: one record per edge per sync, so the collection
 * keeps the history of an edge's salience; a repeated sync of the same step replaces its records.
 */
export function traceId(trace: AttentionTrace, trainingStep: number): string {
  return `trace_${trace.layer}_${trace.head}_${trace.queryIndex}_${trace.keyIndex}_${trainingStep}`;
}

/**
 * Attention traces in one collection of any vector store: written in batches at each sync,
 * searched by similarity, and read back whole for a warm start.
 */
export class TraceVectorStore {
  readonly client: VectorStoreClient;
  readonly embedder: TraceEmbedder;
  readonly #modelId: string | null;
  readonly #taskTag: string | null;
  readonly #scope: VectorFilter;

  constructor(client: VectorStoreClient, options: TraceStoreOptions = {}) {
    this.client = client;
    this.embedder = options.embedder ?? new TraceEmbedder();
    this.#modelId = options.modelId ?? null;
    this.#taskTag = options.taskTag ?? null;
    this.#scope = {
      ...(this.#modelId === null ? {} : { model_id: this.#modelId }),
      ...(this.#taskTag === null ? {} : { task_tag: this.#taskTag }),
    };
  }

  /** Writes `traces` as seen at `trainingStep` (one batch: all are written or none). */
  async upsertTraces(traces: readonly AttentionTrace[], trainingStep: number): Promise<number> {
    if (!Number.isSafeInteger(trainingStep) || trainingStep < 0) {
      throw new AiosError(
        "VECTOR_INPUT",
        `training step ${String(trainingStep)} must be a non-negative integer`,
      );
    }
    if (traces.length === 0) return 0;
    for (const trace of traces) checkTrace(trace);
    await this.client.upsert(
      traces.map((trace) => traceId(trace, trainingStep)),
      traces.map((trace) => this.embedder.embed(trace)),
      traces.map((trace) => this.#metadata(trace, trainingStep)),
    );
    return traces.length;
  }

  /** The `topK` stored traces whose embeddings are closest to `trace`'s, best first. */
  async querySimilarTraces(trace: AttentionTrace, topK = 100): Promise<TraceHit[]> {
    const hits = await this.client.query(this.embedder.embed(trace), topK, this.#scope);
    return hits.map(([id, score, metadata]) => ({
      trace: this.#fromMetadata(id, metadata),
      score: score ?? 0,
    }));
  }

  /**
   * Every stored trace of this model (and task), page by page. A scan, not a query: no top-k
   * limit, so a warm start gets all of them however many there are.
   */
  async *scanTraces(batchSize = SCAN_BATCH): AsyncIterable<StoredTrace[]> {
    const conditions = parseFilter(this.#scope);
    for await (const page of this.client.scan(batchSize)) {
      const traces = page
        .filter((record: StoredVector) => matchesFilter(record.metadata, conditions))
        .map((record) => this.#fromMetadata(record.id, record.metadata));
      if (traces.length > 0) yield traces;
    }
  }

  async loadTraces(): Promise<StoredTrace[]> {
    const all: StoredTrace[] = [];
    for await (const page of this.scanTraces()) all.push(...page);
    return all;
  }

  close(): Promise<void> {
    return this.client.close();
  }

  #metadata(trace: AttentionTrace, trainingStep: number): Metadata {
    return {
      layer: trace.layer,
      head: trace.head,
      query_idx: trace.queryIndex,
      key_idx: trace.keyIndex,
      salience: trace.salience,
      age: trace.age,
      training_step: trainingStep,
      ...(this.#modelId === null ? {} : { model_id: this.#modelId }),
      ...(this.#taskTag === null ? {} : { task_tag: this.#taskTag }),
    };
  }

  #fromMetadata(id: string, metadata: Metadata): StoredTrace {
    const record = `trace ${JSON.stringify(id)} in ${this.client.collection}`;
    return {
      id,
      layer: numberField(metadata, "layer", record),
      head: numberField(metadata, "head", record),
      queryIndex: numberField(metadata, "query_idx", record),
      keyIndex: numberField(metadata, "key_idx", record),
      salience: numberField(metadata, "salience", record),
      age: numberField(metadata, "age", record),
      trainingStep: numberField(metadata, "training_step", record),
    };
  }
}
