import { AiosError } from "../../../core/errors.js";
import { readLines } from "../../../memory/vector-store/backup/jsonl-file.js";
import { literalsOf } from "../../../memory/vector-store/json-numbers.js";
import type { Metadata } from "../../../memory/vector-store/types.js";
import { checkId, checkMetadata, checkVector } from "../../../memory/vector-store/validate.js";

export interface VectorRecord {
  readonly id: string;
  readonly vector: Float32Array;
  readonly metadata: Metadata;
  /** 1-based line number in the input. */
  readonly line: number;
}

/** What a full read of the input found: nothing is written before this is known. */
export interface VectorJsonlSummary {
  readonly count: number;
  /** The input's dimension; null when it holds no record. */
  readonly dimension: number | null;
  /** The line of the first record (which fixed the dimension); 0 when there is none. */
  readonly firstLine: number;
}

const LINE_HINT = 'each line must be {"id": "a", "vector": [0.1, 0.2], "metadata": {"kind": "x"}}';

/**
 * Records of a JSONL file of `{"id": ..., "vector": [...], "metadata": {...}}`, each checked
 * with the store's own rules (validate.ts) and named by its line, so a bad line is reported as
 * `file:12` rather than as a position inside some batch. Every record must have the dimension
 * of the first; the caller compares that one dimension with the collection's. `name` names the
 * input in messages ("stdin" for a spooled copy of standard input).
 */
export async function* readVectorJsonl(
  path: string,
  name: string = path,
): AsyncGenerator<VectorRecord> {
  let first: { line: number; dimension: number } | null = null;
  for await (const { line, number } of readLines(path)) {
    const where = `${name}:${number}`;
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
    if (first !== null && record.vector.length !== first.dimension) {
      throw new AiosError(
        "VECTOR_INPUT",
        `${where}: vector has ${record.vector.length} dimensions but line ${first.line} has ${first.dimension}`,
        { hint: "every record of one input must have the same dimension" },
      );
    }
    const vector = checkVector(record.vector as number[], null, where);
    first ??= { line: number, dimension: vector.length };
    yield {
      id: checkId(record.id, where),
      vector,
      metadata: checkMetadata(record.metadata, `${where} metadata`, literalsOf(line)),
      line: number,
    };
  }
}

/** Reads the whole input once, checking every record; writes nothing. */
export async function checkVectorJsonl(path: string, name: string): Promise<VectorJsonlSummary> {
  let count = 0;
  let dimension: number | null = null;
  let firstLine = 0;
  for await (const record of readVectorJsonl(path, name)) {
    if (count === 0) {
      dimension = record.vector.length;
      firstLine = record.line;
    }
    count += 1;
  }
  return { count, dimension, firstLine };
}

function lineError(where: string, message: string): AiosError {
  return new AiosError("VECTOR_INPUT", `${where}: ${message}`, { hint: LINE_HINT });
}
