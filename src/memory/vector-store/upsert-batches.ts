import type { Metadata, VectorStoreClient } from "./types.js";

/** One record of a line-oriented input (JSONL, a backup), with the line it came from. */
export interface LineRecord {
  readonly id: string;
  readonly vector: Float32Array;
  readonly metadata: Metadata;
  /** 1-based line number in the input. */
  readonly line: number;
}

/** How far `upsertInBatches` got: read it in a `catch` to say what was written before a failure. */
export interface UpsertProgress {
  written: number;
  /** Input line of the last record written (0 before the first batch). */
  lastLine: number;
}

/**
 * Upserts `records` in batches of at most `batchSize`. A repeated id starts a new batch, so it
 * replaces the earlier record as two separate upserts would (one batch may not repeat an id).
 * `progress` is updated after each batch, and `onBatch` called with it.
 */
export async function upsertInBatches(
  store: VectorStoreClient,
  records: AsyncIterable<LineRecord>,
  batchSize: number,
  progress: UpsertProgress,
  onBatch?: (progress: UpsertProgress) => void,
): Promise<void> {
  let batch: LineRecord[] = [];
  const inBatch = new Set<string>();
  const flush = async () => {
    if (batch.length === 0) return;
    await store.upsert(
      batch.map((r) => r.id),
      batch.map((r) => r.vector),
      batch.map((r) => r.metadata),
    );
    progress.written += batch.length;
    progress.lastLine = batch[batch.length - 1]?.line ?? progress.lastLine;
    onBatch?.(progress);
    batch = [];
    inBatch.clear();
  };
  for await (const record of records) {
    if (inBatch.has(record.id) || batch.length >= batchSize) await flush();
    batch.push(record);
    inBatch.add(record.id);
  }
  await flush();
}
