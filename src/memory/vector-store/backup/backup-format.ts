import { AiosError } from "../../../core/errors.js";
import type { Metadata, StoredVector } from "../types.js";

/**
 * The portable backup of one collection: JSON Lines, readable by any driver's restore.
 *
 *   line 1     header   {"format":"aios-vector-backup","version":1,"collection":"default",
 *                        "dimension":128,"metric":"cosine","vector_encoding":"f32le-base64",
 *                        "expected_count":1000,"source":{"backend":"lancedb",
 *                        "collection":"aios_memory_default"},"created_at":"2026-..."}
 *   lines 2..  records  {"id":"a","vector":"<base64>","metadata":{...}}
 *   last line  trailer  {"end":"aios-vector-backup","count":1000}
 *
 * Vectors are base64 of little-endian float32: exact, and a third of the size of decimal text.
 * A record may instead give `vector` as a JSON array of numbers (hand-written files). The
 * trailer proves the file is complete: a restore without it, or with another count, fails.
 */
export const BACKUP_FORMAT = "aios-vector-backup";
export const BACKUP_VERSION = 1;

export interface BackupHeader {
  readonly format: typeof BACKUP_FORMAT;
  readonly version: typeof BACKUP_VERSION;
  /** The collection's name without prefix: restore's default target. */
  readonly collection: string;
  readonly dimension: number | null;
  readonly metric: "cosine";
  readonly vector_encoding: "f32le-base64";
  /** Records the source held when the backup began (for progress; the trailer is authoritative). */
  readonly expected_count: number;
  readonly source: { readonly backend: string; readonly collection: string };
  readonly created_at: string;
}

export interface BackupTrailer {
  readonly end: typeof BACKUP_FORMAT;
  readonly count: number;
}

export function encodeVector(vector: ArrayLike<number>): string {
  const bytes = Buffer.alloc(vector.length * 4);
  for (let i = 0; i < vector.length; i++) bytes.writeFloatLE(vector[i] as number, i * 4);
  return bytes.toString("base64");
}

export function decodeVector(encoded: string, where: string): Float32Array {
  const bytes = Buffer.from(encoded, "base64");
  if (bytes.length % 4 !== 0 || bytes.length === 0) {
    throw backupError(`${where}: vector is not base64 of float32 values`);
  }
  const out = new Float32Array(bytes.length / 4);
  for (let i = 0; i < out.length; i++) out[i] = bytes.readFloatLE(i * 4);
  return out;
}

export function encodeRecord(record: StoredVector): string {
  return JSON.stringify({
    id: record.id,
    vector: encodeVector(record.vector),
    metadata: record.metadata,
  });
}

export function backupError(message: string): AiosError {
  return new AiosError("VECTOR_BACKUP", message, {
    hint: "pass a file written by `aios memory vs-backup` (JSON Lines: header, records, trailer)",
  });
}

export type BackupLine =
  | {
      readonly kind: "record";
      readonly id: unknown;
      readonly vector: Float32Array | unknown[];
      readonly metadata: Metadata | undefined;
    }
  | { readonly kind: "trailer"; readonly count: number };

export function parseHeader(line: string | undefined, file: string): BackupHeader {
  const value = parseJson(line ?? "", `${file}:1`);
  if (!isObject(value) || value.format !== BACKUP_FORMAT) {
    throw backupError(`${file} does not start with an ${BACKUP_FORMAT} header`);
  }
  if (value.version !== BACKUP_VERSION) {
    throw backupError(
      `${file} is backup format version ${String(value.version)}; this aios reads version ${BACKUP_VERSION}`,
    );
  }
  if (
    typeof value.collection !== "string" ||
    (value.dimension !== null && typeof value.dimension !== "number")
  ) {
    throw backupError(`${file}:1: the header lacks collection or dimension`);
  }
  return value as unknown as BackupHeader;
}

/** One line after the header: a record (vector decoded when base64) or the trailer. */
export function parseBodyLine(line: string, where: string): BackupLine {
  const value = parseJson(line, where);
  if (!isObject(value)) throw backupError(`${where}: expected a JSON object`);
  if (value.end === BACKUP_FORMAT) {
    if (typeof value.count !== "number") throw backupError(`${where}: the trailer lacks its count`);
    return { kind: "trailer", count: value.count };
  }
  const vector =
    typeof value.vector === "string"
      ? decodeVector(value.vector, where)
      : Array.isArray(value.vector)
        ? (value.vector as unknown[])
        : null;
  if (vector === null)
    throw backupError(`${where}: vector must be base64 float32 or an array of numbers`);
  return { kind: "record", id: value.id, vector, metadata: value.metadata as Metadata | undefined };
}

function parseJson(line: string, where: string): unknown {
  try {
    return JSON.parse(line);
  } catch (error) {
    throw backupError(
      `${where}: not JSON (${error instanceof Error ? error.message : String(error)})`,
    );
  }
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
