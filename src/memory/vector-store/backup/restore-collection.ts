import { AiosError, isAiosError } from "../../../core/errors.js";
import { literalsOf } from "../json-numbers.js";
import type { Metadata, VectorInput, VectorStoreClient } from "../types.js";
import { type UpsertProgress, upsertInBatches } from "../upsert-batches.js";
import { checkId, checkMetadata, checkVector } from "../validate.js";
import { type BackupHeader, backupError, parseBodyLine, parseHeader } from "./backup-format.js";
import { readLines } from "./jsonl-file.js";

/** A backup file read through once and found whole: what a restore may then write. */
export interface BackupCheck {
  readonly header: BackupHeader;
  readonly count: number;
  /** The records' dimension; null when there are none. */
  readonly dimension: number | null;
  /** The line of the first record; 0 when there is none. */
  readonly firstLine: number;
}

interface BackupRecord {
  readonly id: string;
  readonly vector: Float32Array;
  readonly metadata: Metadata;
  readonly line: number;
}

/** The header, records (checked with the store's rules) and trailer of a backup, in order. */
async function* readBackup(
  file: string,
  name: string,
): AsyncGenerator<
  | { kind: "header"; header: BackupHeader }
  | { kind: "record"; record: BackupRecord }
  | { kind: "trailer"; count: number; line: number }
> {
  let header: BackupHeader | null = null;
  let trailerLine = 0;
  let dimension: number | null = null;
  let dimensionSource = "the header";
  for await (const { line, number } of readLines(file)) {
    if (header === null) {
      header = parseHeader(line, name);
      dimension = header.dimension;
      yield { kind: "header", header };
      continue;
    }
    const where = `${name}:${number}`;
    if (trailerLine !== 0) throw backupError(`${where}: data after the trailer`);
    const parsed = parseBodyLine(line, where);
    if (parsed.kind === "trailer") {
      trailerLine = number;
      yield { kind: "trailer", count: parsed.count, line: number };
      continue;
    }
    if (dimension !== null && parsed.vector.length !== dimension) {
      throw new AiosError(
        "VECTOR_INPUT",
        `${where}: vector has ${parsed.vector.length} dimensions but ${dimensionSource} has ${dimension}`,
        { hint: "every record of a backup has the dimension its header gives" },
      );
    }
    const vector = checkVector(parsed.vector as VectorInput, null, where);
    if (dimension === null) {
      dimension = vector.length;
      dimensionSource = `line ${number}`;
    }
    yield {
      kind: "record",
      record: {
        id: checkId(parsed.id, where),
        vector,
        metadata: checkMetadata(parsed.metadata, `${where} metadata`, literalsOf(line)),
        line: number,
      },
    };
  }
  if (header === null) throw backupError(`${name} is empty`);
}

/**
 * Reads a whole backup once and checks everything a restore depends on (header, every record
 * by the store's rules, one dimension, the trailer and its count) without writing anything,
 * so that a damaged or truncated file is refused before the first record is restored.
 * `name` names the file in messages ("stdin" for a spooled copy).
 */
export async function checkBackup(file: string, name: string = file): Promise<BackupCheck> {
  let header: BackupHeader | null = null;
  let count = 0;
  let dimension: number | null = null;
  let firstLine = 0;
  let trailer: number | null = null;
  for await (const item of readBackup(file, name)) {
    if (item.kind === "header") header = item.header;
    else if (item.kind === "trailer") trailer = item.count;
    else {
      if (count === 0) {
        dimension = item.record.vector.length;
        firstLine = item.record.line;
      }
      count += 1;
    }
  }
  if (header === null) throw backupError(`${name} is empty`);
  if (trailer === null) {
    throw backupError(
      `${name} ends without its trailer: the backup is incomplete (it holds ${count} records; nothing was restored)`,
    );
  }
  if (trailer !== count) {
    throw backupError(`${name} holds ${count} records but its trailer says ${trailer}`);
  }
  return { header, count, dimension, firstLine };
}

export interface RestoreOptions {
  readonly batchSize?: number;
  readonly onProgress?: (done: number, total: number) => void;
  /** The result of `checkBackup` on this file, when the caller ran it already. */
  readonly checked?: BackupCheck;
  /** How messages name the file (default: the path). */
  readonly name?: string;
}

/**
 * Upserts every record of a backup into `store`. The whole file is checked first
 * (`checkBackup`), so a bad record or a missing trailer writes nothing; then records go in
 * batch by batch. Upserts replace by id, so a restore that stopped half-way (the store failed)
 * can simply be run again, and its error says which lines were written.
 */
export async function restoreCollection(
  store: VectorStoreClient,
  file: string,
  options: RestoreOptions = {},
): Promise<{ count: number }> {
  const name = options.name ?? file;
  const batchSize = options.batchSize ?? 2000;
  const checked = options.checked ?? (await checkBackup(file, name));
  const { dimension } = await store.stats();
  if (checked.dimension !== null && dimension !== null && checked.dimension !== dimension) {
    throw new AiosError(
      "VECTOR_INPUT",
      `${name}:${checked.firstLine}: vector has ${checked.dimension} dimensions but ${store.collection} holds ${dimension}-dimensional vectors (nothing was restored)`,
      { hint: "restore into another collection with --collection" },
    );
  }
  const progress: UpsertProgress = { written: 0, lastLine: 0 };
  try {
    await upsertInBatches(store, backupRecords(file, name), batchSize, progress, ({ written }) =>
      options.onProgress?.(written, checked.count),
    );
  } catch (error) {
    if (!isAiosError(error)) throw error;
    const written =
      progress.written === 0
        ? "nothing was restored"
        : `${progress.written} of ${checked.count} records (${name} lines ${checked.firstLine} to ${progress.lastLine}) were restored before this error`;
    throw new AiosError(error.code, `${error.message} (${written})`, {
      hint: `${error.hint === undefined ? "" : `${error.hint}; `}a restore replaces by id, so running it again is safe`,
      exitCode: error.exitCode,
      cause: error,
    });
  }
  return { count: progress.written };
}

async function* backupRecords(file: string, name: string): AsyncGenerator<BackupRecord> {
  for await (const item of readBackup(file, name)) if (item.kind === "record") yield item.record;
}
