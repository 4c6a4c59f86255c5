import type { MemoryConfig } from "../../config/memory-config.js";
import { createVectorStore } from "../vector-store/create-vector-store.js";
import { MotifEmbedder } from "./motif-embedder.js";
import { MOTIF_COLLECTION, MotifVectorStore } from "./motif-vector-store.js";
import { TraceEmbedder } from "./trace-embedder.js";
import { TRACE_COLLECTION, TraceVectorStore } from "./trace-vector-store.js";

/**
 * The trace store `memory:` configures: the vector store backend of `memory.vector_store`
 * (an error when it is "disabled"), collection `attention_traces`, embeddings of
 * `persistent_traces.embedding_dim`, traces scoped to `modelId` and `persistent_traces.task_tag`.
 */
export async function openTraceStore(
  memory: MemoryConfig,
  modelId: string | null,
): Promise<TraceVectorStore> {
  const client = await createVectorStore(memory.vector_store.backend, memory.vector_store, {
    collection: TRACE_COLLECTION,
  });
  return new TraceVectorStore(client, {
    modelId,
    taskTag: memory.persistent_traces.task_tag,
    embedder: new TraceEmbedder(memory.persistent_traces.embedding_dim),
  });
}

/** The motif store `memory:` configures: collection `crystallized_motifs`, `motif_embedding_dim`. */
export async function openMotifStore(memory: MemoryConfig): Promise<MotifVectorStore> {
  const client = await createVectorStore(memory.vector_store.backend, memory.vector_store, {
    collection: MOTIF_COLLECTION,
  });
  return new MotifVectorStore(client, {
    embedder: new MotifEmbedder(memory.semantic_crystallization.motif_embedding_dim),
  });
}
