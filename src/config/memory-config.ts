import { z } from "zod";

/**
 * The unified `memory:` namespace of `config/default.yaml`, minus `memory.dataset`, whose keys
 * are training fields (see `fields.ts`) and are validated there. Strict objects: a misspelt key
 * is an error, not a silently ignored setting.
 */
export const vectorStoreBackends = ["lancedb", "qdrant", "pgvector", "disabled"] as const;

/** Null means "the server's own default" for Qdrant's shard and replica settings. */
const optionalCount = () => z.number().int().min(1).nullable().default(null);

export const vectorStoreConfigSchema = z.strictObject({
  backend: z.enum(vectorStoreBackends).default("lancedb"),
  // One prefix for every driver: collection "traces" is stored as aios_memory_traces.
  collection_prefix: z
    .string()
    .regex(/^[A-Za-z0-9_]{1,16}$/, "must be 1-16 letters, digits or _")
    .default("aios_memory"),
  // Below this many vectors a collection is searched exactly; at it an ANN index is built.
  index_min_rows: z.number().int().min(256).default(50_000),
  // Embedded stores only (LanceDB writes, a PGlite directory): how long a process waits for
  // another process's lock before giving up with exit 2. No effect on Qdrant or a server URL.
  lock_timeout_s: z.number().min(0).default(30),
  qdrant: z
    .strictObject({
      host: z.string().min(1).default("localhost"),
      port: z.number().int().min(1).max(65535).default(6333),
      https: z.boolean().default(false),
      api_key: z.string().min(1).nullable().default(null),
      shard_number: optionalCount(),
      replication_factor: optionalCount(),
      write_consistency_factor: optionalCount(),
      timeout_s: z.number().gt(0).default(30),
    })
    .prefault({}),
  lancedb: z
    .strictObject({
      path: z.string().min(1).default("artifacts/memory/lancedb"),
      // hnsw: an HNSW graph (hnswlib or usearch) beside the table answers unfiltered queries;
      // ivf_flat: LanceDB's own IVF_FLAT index. Trade-offs in docs/MEMORY.md.
      index: z.enum(["hnsw", "ivf_flat"]).default("hnsw"),
      // HNSW links per node: higher is better recall, more memory, slower build.
      hnsw_m: z.number().int().min(2).max(100).default(32),
      // HNSW candidate list while building: higher is a better graph, slower build.
      hnsw_ef_construction: z.number().int().min(4).max(1000).default(64),
      // The library holding the HNSW graph: hnswlib (aios's native addon, built by npm
      // install) builds 1M vectors in about half usearch's time; auto takes hnswlib when the
      // addon loads, else usearch with a note. A graph saved by the other library is rebuilt.
      hnsw_library: z.enum(["auto", "hnswlib", "usearch"]).default("auto"),
      // How the HNSW graph stores vectors: f32 exact; f16 in half the memory, but query scores
      // are then half-precision (off by ~1e-4) and recall a little lower. (hnswlib builds f32
      // graphs on half-precision distances already, so f16 no longer builds much faster.)
      hnsw_scalar: z.enum(["f32", "f16"]).default("f32"),
      // HNSW candidate list per query (at least top-k): higher is better recall, slower queries.
      ef_search: z.number().int().min(1).max(1000).default(128),
      // Threads building the HNSW graph; 0: every core.
      build_threads: z.number().int().min(0).default(0),
      // Worker threads answering concurrent queries from the saved HNSW graph; 0: every core,
      // 1: none (each search runs on the thread that asked). Off by default: on the shared
      // 2-core machine the workers lowered queries/s (docs/BENCHMARKS.md, issue 20).
      search_threads: z.number().int().min(0).default(1),
      // index ivf_flat only: IVF partitions searched (exactly) per query once indexed.
      nprobes: z.number().int().min(1).default(20),
    })
    .prefault({}),
  pgvector: z
    .strictObject({
      // postgres://user:pass@host:5432/db for a real server; null runs PGlite embedded at path.
      url: z.string().min(1).nullable().default(null),
      path: z.string().min(1).default("artifacts/memory/pgvector"),
      hnsw_m: z.number().int().min(2).max(100).default(16),
      hnsw_ef_construction: z.number().int().min(4).max(1000).default(64),
      ef_search: z.number().int().min(1).max(1000).default(100),
      // Memory for building the HNSW index (PostgreSQL's maintenance_work_mem, in MiB) while
      // vs-index runs; null keeps the database's own setting (64 MiB unless the server sets it).
      maintenance_work_mem_mb: z.number().int().min(1).max(2047).nullable().default(null),
    })
    .prefault({}),
});

export type VectorStoreConfig = z.output<typeof vectorStoreConfigSchema>;
export type VectorStoreBackend = VectorStoreConfig["backend"];

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
    if (memory.vector_store.backend !== "disabled") return;
    // Every memory feature that reads or writes the vector store (design: "Validation rules").
    const needsStore = [
      [
        "persistent_traces",
        "persist_to_vector_store",
        memory.persistent_traces.persist_to_vector_store,
      ],
      ["persistent_traces", "warm_start", memory.persistent_traces.warm_start],
      [
        "semantic_crystallization",
        "persist_motifs",
        memory.semantic_crystallization.persist_motifs,
      ],
    ] as const;
    for (const [section, key, on] of needsStore) {
      if (!on) continue;
      ctx.addIssue({
        code: "custom",
        path: [section, key],
        message: `needs a vector store, but memory.vector_store.backend is "disabled". Fix: set memory.vector_store.backend to lancedb (embedded), pgvector or qdrant, or ${key} to false`,
      });
    }
  });

export type MemoryConfig = z.output<typeof memoryConfigSchema>;
