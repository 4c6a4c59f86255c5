/**
 * aios as a library: what a TypeScript program builds on, the same functions the `aios` CLI
 * and GUI call. Everything else under `src/` is internal and may change without notice.
 *
 * - Configuration: `resolveConfig` (defaults < YAML < values), `resolveTrainingConfig`,
 *   `resolveMemoryConfig`, `loadConfigFile`.
 * - Data: `buildBackend` opens the configured dataset backend (custom, hf, webdataset), or
 *   the mixture of several (`--dataset-mix`);
 *   `openSequenceStream` turns it into packed token sequences; `previewSamples`, `writeShards`;
 *   `openTokenizer` (any `--model` value: tiktoken encodings, tokenizer.json, Hub model ids).
 * - Training: `trainActV1`, the HRM-ACTV1 trainer behind `aios hrm-hf train-actv1`.
 * - Memory: `createVectorStore` (LanceDB, pgvector, Qdrant behind one `VectorStoreClient`),
 *   `openTraceStore` and `openMotifStore`.
 * - Errors: every failure a user can act on is an `AiosError` with a stable `code` and a `hint`.
 *
 * examples/library.ts uses it end to end.
 */

export {
  type ConfigFileValues,
  type ConfigSources,
  loadConfigFile,
  type ResolvedConfig,
  resolveConfig,
  resolveMemoryConfig,
} from "./config/load-config.js";
export type {
  MemoryConfig,
  VectorStoreBackend,
  VectorStoreConfig,
} from "./config/memory-config.js";
export {
  type RawTrainingConfig,
  resolveTrainingConfig,
  type TrainingConfig,
} from "./config/training-config.js";
export { AiosError, type AiosErrorCode, isAiosError } from "./core/errors.js";

export { type BuildBackendOptions, buildBackend } from "./data/build-backend.js";
export {
  type Batch,
  collateBatch,
  IGNORE_LABEL,
  openSequenceStream,
  previewSamples,
  type SamplePreview,
  type SequenceStream,
  type SequenceStreamOptions,
} from "./data/pipeline/sequence-stream.js";
export {
  openTokenizer,
  resolveTokenizer,
  type TokenizerSource,
  tokenizerSource,
} from "./data/tokenizer/resolve-tokenizer.js";
export {
  loadTokenizer,
  type Tokenizer,
  type TokenizerSpec,
} from "./data/tokenizer/tokenizer.js";
export type {
  BackendPosition,
  BackendStats,
  DatasetBackend,
  IterTextOptions,
  PackedSequence,
  StreamPosition,
} from "./data/types.js";
export {
  type WriteShardsOptions,
  type WrittenShards,
  writeShards,
} from "./data/webdataset/write-shards.js";
export type { MotifHit, MotifVectorStore } from "./memory/cognitive/motif-vector-store.js";
export { openMotifStore, openTraceStore } from "./memory/cognitive/open-stores.js";
export type { TraceHit, TraceVectorStore } from "./memory/cognitive/trace-vector-store.js";
export type { AttentionTrace, CrystallizedMotif } from "./memory/cognitive/types.js";
export {
  type CreateVectorStoreOptions,
  createVectorStore,
} from "./memory/vector-store/create-vector-store.js";
export type { VectorFilter } from "./memory/vector-store/filter.js";
export type {
  CollectionStats,
  JsonValue,
  Metadata,
  QueryHit,
  StoredVector,
  VectorInput,
  VectorStoreClient,
} from "./memory/vector-store/types.js";

export type { TrainEvent } from "./train/events.js";
export { type TrainOptions, type TrainSummary, trainActV1 } from "./train/trainer.js";
