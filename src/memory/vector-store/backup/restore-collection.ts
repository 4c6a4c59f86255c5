import { AiosError, isAiosError } from "../../../core/errors.js";
import type { Metadata, VectorInput, VectorStoreClient } from "../types.js";
import { type BackupHeader, backupError, parseBodyLine, parseHeader } from "./backup-format.js";
import { readLines } from "./jsonl-file.js";

export async function readBackupHeader(file: string): Promise<BackupHeader> {
  for await (const { line } of readLines(file)) return parseHeader(line, file);
  throw backupError(`${file} is empty`);
}

export interface RestoreOptions {
  readonly batchSize?: number;
  readonly onProgress?: (done: number, total: number) => void;
}

/**
 * Upserts every record of a backup into `store`, batch by batch. Records are checked by the
 * store like any upsert; an error names the file's lines. Upserts replace by id, so a restore
 * that stopped half-way can simply be run again.
 */
export async function restoreCollection(
  store: VectorStoreClient,
  file: string,
  options: RestoreOptions = {},
): Promise<{ count: number }> {
  const batchSize = options.batchSize ?? 2000;
  let header: BackupHeader | null = null;
  let trailerCount: number | null = null;
  let restored = 0;
  let batch: {
    ids: unknown[];
    vectors: VectorInput[];
    metadata: (Metadata | undefined)[];
    firstLine: number;
    lastLine: number;
  } = emptyBatch();

  const flush = async () => {
    if (batch.ids.length === 0) return;
    try {
      await store.upsert(batch.ids as string[], batch.vectors, batch.metadata);
    } catch (error) {
      if (isAiosError(error)) {
        throw new AiosError(
          error.code,
          `${file} lines ${batch.firstLine}-${batch.lastLine}: ${error.message}`,
          {
            ...(error.hint === undefined ? {} : { hint: error.hint }),
            exitCode: error.exitCode,
            cause: error,
          },
        );
      }
      throw error;
    }
    restored += batch.ids.length;
    options.onProgress?.(restored, Math.max(restored, header?.expected_count ?? 0));
    batch = emptyBatch();
  };

  for await (const { line, number } of readLines(file)) {
    if (header === null) {
      header = parseHeader(line, file);
      continue;
    }
    if (trailerCount !== null) throw backupError(`${file}:${number}: data after the trailer`);
    const parsed = parseBodyLine(line, `${file}:${number}`);
    if (parsed.kind === "trailer") {
      trailerCount = parsed.count;
      continue;
    }
    if (batch.ids.length === 0) batch.firstLine = number;
    batch.lastLine = number;
    batch.ids.push(parsed.id);
    batch.vectors.push(parsed.vector as VectorInput);
    batch.metadata.push(parsed.metadata);
    if (batch.ids.length >= batchSize) await flush();
  }
  if (header === null) throw backupError(`${file} is empty`);
  await flush();
  if (trailerCount === null) {
    throw backupError(
      `${file} ends without its trailer: the backup is incomplete (${restored} records were restored)`,
    );
  }
  if (trailerCount !== restored) {
    throw backupError(`${file} holds ${restored} records but its trailer says ${trailerCount}`);
  }
  return { count: restored };
}

function emptyBatch() {
  return {
    ids: [] as unknown[],
    vectors: [] as VectorInput[],
    metadata: [] as (Metadata | undefined)[],
    firstLine: 0,
    lastLine: 0,
  };
}
