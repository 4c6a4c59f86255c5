import type { VectorStoreClient } from "../types.js";
import {
  BACKUP_FORMAT,
  BACKUP_VERSION,
  type BackupHeader,
  type BackupTrailer,
  encodeRecord,
} from "./backup-format.js";
import { writeLines } from "./jsonl-file.js";

export interface BackupOptions {
  /** The collection's name without prefix, recorded as restore's default target. */
  readonly collection: string;
  readonly batchSize?: number;
  /** Called after each batch with records written so far and the expected total. */
  readonly onProgress?: (done: number, total: number) => void;
}

export interface BackupSummary {
  readonly count: number;
  readonly dimension: number | null;
}

/** Streams every record of `store` into `file` (see backup-format.ts); `.gz` compresses. */
export async function backupCollection(
  store: VectorStoreClient,
  file: string,
  options: BackupOptions,
): Promise<BackupSummary> {
  const stats = await store.stats();
  const header: BackupHeader = {
    format: BACKUP_FORMAT,
    version: BACKUP_VERSION,
    collection: options.collection,
    dimension: stats.dimension,
    metric: "cosine",
    vector_encoding: "f32le-base64",
    expected_count: stats.count,
    source: { backend: store.backend, collection: store.collection },
    created_at: new Date().toISOString(),
  };
  const out = writeLines(file);
  let count = 0;
  try {
    await out.write(JSON.stringify(header));
    for await (const batch of store.scan(options.batchSize ?? 2000)) {
      await out.write(batch.map(encodeRecord).join("\n"));
      count += batch.length;
      options.onProgress?.(count, Math.max(count, stats.count));
    }
    const trailer: BackupTrailer = { end: BACKUP_FORMAT, count };
    await out.write(JSON.stringify(trailer));
  } finally {
    await out.close();
  }
  return { count, dimension: stats.dimension };
}
