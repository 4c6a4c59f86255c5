import { AiosError } from "../../../core/errors.js";
import { readLines } from "../../../memory/vector-store/backup/jsonl-file.js";
import type { Metadata } from "../../../memory/vector-store/types.js";
import { checkId, checkMetadata, checkVector } from "../../../memory/vector-store/validate.js";

export interface VectorRecord {
  readonly id: string;
  readonly vector: Float32Array;
  readonly metadata: Metadata;
}

/**
 * Records of a JSONL file of `{"id": ..., "vector": [...], "metadata": {...}}`, each checked
 * with the store's own rules (validate.ts) and named by its line, so a bad line is reported as
 * `file:12` rather than as a position inside some batch. `dimension` is the collection's, or
 * null to take the first record's.
 */
export async function* readVectorJsonl(
  file: string,
  dimension: number | null,
): AsyncGenerator<VectorRecord> {
  let expected = dimension;
  for await (const { line, number } of readLines(file)) {
    const where = `${file === "-" ? "stdin" : file}:${number}`;
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch (error) {
      throw lineError(
        where,
        `not JSON (${error instanceof Error ? error.message : String(error)})`,
      );
    }
    if (typeof value !== "object" || value === null || Array.isArray(value)) {
      throw lineError(where, "expected an object with id, vector and metadata");
    }
    const record = value as { id?: unknown; vector?: unknown; metadata?: unknown };
    if (!Array.isArray(record.vector)) throw lineError(where, "vector must be an array of numbers");
    const vector = checkVector(record.vector as number[], expected, where);
    expected ??= vector.length;
    yield {
      id: checkId(record.id, where),
      vector,
      metadata: checkMetadata(record.metadata, `${where} metadata`),
    };
  }
}

function lineError(where: string, message: string): AiosError {
  return new AiosError("VECTOR_INPUT", `${where}: ${message}`, {
    hint: 'each line must be {"id": "a", "vector": [0.1, 0.2], "metadata": {"kind": "x"}}',
  });
}
