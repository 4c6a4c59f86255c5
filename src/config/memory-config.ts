import { z } from "zod";

/**
 * The unified `memory:` namespace of `config/default.yaml`, minus `memory.dataset`, whose keys
 * are training fields (see `fields.ts`) and are validated there. Strict objects: a misspelt key
 * is an error, not a silently ignored setting.
 */
export const vectorStoreConfigSchema = z.strictObject({
  backend: z.enum(["lancedb", "qdrant", "disabled"]).default("lancedb"),
  qdrant: z
    .strictObject({
      host: z.string().min(1).default("localhost"),
      port: z.number().int().min(1).max(65535).default(6333),
      collection_prefix: z.string().min(1).default("aios_memory"),
      api_key: z.string().min(1).nullable().default(null),
    })
    .prefault({}),
  lancedb: z
    .strictObject({
      path: z.string().min(1).default("artifacts/memory/lancedb"),
    })
    .prefault({}),
});

export const persistentTracesConfigSchema = z.strictObject({
  enabled: z.boolean().default(false),
  sparsity: z.number().gt(0).max(1).default(0.001),
  quota_per_head: z.number().int().min(1).default(2048),
  salience_threshold: z.number().min(0).default(0.05),
  retention_rate: z.number().min(0).max(1).default(0.95),
  decay_rate: z.number().min(0).max(1).default(0.98),
  bias_strength: z.number().min(0).default(0.1),
  update_interval: z.number().int().min(1).default(100),
  warmup_steps: z.number().int().min(0).default(1000),
  persist_to_vector_store: z.boolean().default(false),
  trace_sync_interval: z.number().int().min(1).default(1000),
  embedding_dim: z.number().int().min(8).default(128),
  warm_start: z.boolean().default(false),
  task_tag: z.string().min(1).nullable().default(null),
});

export const semanticCrystallizationConfigSchema = z.strictObject({
  enabled: z.boolean().default(false),
  min_frequency: z.number().int().min(1).default(100),
  min_utility: z.number().min(0).default(0.05),
  max_entropy: z.number().min(0).default(1.0),
  min_age: z.number().int().min(0).default(500),
  max_motifs: z.number().int().min(1).default(512),
  persist_motifs: z.boolean().default(false),
  motif_embedding_dim: z.number().int().min(8).default(256),
  share_across_models: z.boolean().default(false),
});

export const memoryConfigSchema = z
  .strictObject({
    vector_store: vectorStoreConfigSchema.prefault({}),
    persistent_traces: persistentTracesConfigSchema.prefault({}),
    semantic_crystallization: semanticCrystallizationConfigSchema.prefault({}),
  })
  .superRefine((memory, ctx) => {
    const disabled = memory.vector_store.backend === "disabled";
    if (disabled && memory.persistent_traces.persist_to_vector_store) {
      ctx.addIssue({
        code: "custom",
        path: ["persistent_traces", "persist_to_vector_store"],
        message:
          'needs a vector store, but memory.vector_store.backend is "disabled". Fix: set memory.vector_store.backend to lancedb (embedded) or qdrant, or persist_to_vector_store to false',
      });
    }
    if (disabled && memory.semantic_crystallization.persist_motifs) {
      ctx.addIssue({
        code: "custom",
        path: ["semantic_crystallization", "persist_motifs"],
        message:
          'needs a vector store, but memory.vector_store.backend is "disabled". Fix: set memory.vector_store.backend to lancedb (embedded) or qdrant, or persist_motifs to false',
      });
    }
  });

export type MemoryConfig = z.output<typeof memoryConfigSchema>;
