import { AiosError } from "../../core/errors.js";
import { inexactNumberProblem, isExactNumber, type LiteralOf } from "./json-numbers.js";
import type { CheckedBatch, JsonValue, Metadata, VectorInput } from "./types.js";

/**
 * Every check on what callers hand a vector store, in one place, run before anything is
 * written. Rules shared by all drivers, including those one backend alone would need (NUL
 * characters, which PostgreSQL text cannot hold), so that a batch one driver accepts every
 * driver accepts.
 */

export const MAX_TOP_K = 10_000;
export const MAX_DIMENSION = 65_535;
const MAX_METADATA_DEPTH = 32;

function inputError(message: string, hint?: string): AiosError {
  return new AiosError("VECTOR_INPUT", message, hint === undefined ? {} : { hint });
}

export function checkId(id: unknown, where: string): string {
  if (typeof id !== "string") throw inputError(`${where}: id must be a string, got ${typeof id}`);
  if (id.length === 0)
    throw inputError(`${where}: id is empty`, "give every record a non-empty id");
  if (id.includes("\u0000")) throw inputError(`${where}: id contains a NUL character`);
  return id;
}

/** Ids for delete: each valid; duplicates are harmless there. */
export function checkIds(ids: readonly unknown[]): string[] {
  if (!Array.isArray(ids)) throw inputError("ids must be an array of strings");
  return ids.map((id, i) => checkId(id, `ids[${i}]`));
}

/**
 * A float32 copy of `vector` after checking it: the expected dimension, finite values (also
 * after rounding to float32), and a non-zero norm, without which cosine similarity is undefined.
 */
export function checkVector(
  vector: VectorInput,
  expectedDimension: number | null,
  where: string,
): Float32Array {
  if (vector === null || typeof vector !== "object" || typeof vector.length !== "number") {
    throw inputError(`${where}: vector must be an array of numbers`);
  }
  const { length } = vector;
  if (length === 0 || length > MAX_DIMENSION) {
    throw inputError(`${where}: vector has ${length} dimensions; expected 1 to ${MAX_DIMENSION}`);
  }
  if (expectedDimension !== null && length !== expectedDimension) {
    throw inputError(
      `${where}: vector has ${length} dimensions but the collection holds ${expectedDimension}-dimensional vectors`,
      "use vectors of the collection's dimension, or another --collection",
    );
  }
  const out = new Float32Array(length);
  let normSquared = 0;
  for (let i = 0; i < length; i++) {
    const value = vector[i];
    if (typeof value !== "number" || !Number.isFinite(value)) {
      throw inputError(
        `${where}: vector[${i}] is ${String(value)}; every component must be a finite number`,
      );
    }
    const rounded = Math.fround(value);
    if (!Number.isFinite(rounded)) {
      throw inputError(`${where}: vector[${i}] = ${value} overflows 32-bit floating point`);
    }
    out[i] = rounded;
    normSquared += rounded * rounded;
  }
  if (normSquared === 0) {
    throw inputError(`${where}: vector is all zeros; cosine similarity is undefined for it`);
  }
  return out;
}

export function checkTopK(topK: unknown): number {
  if (typeof topK !== "number" || !Number.isInteger(topK) || topK < 1 || topK > MAX_TOP_K) {
    throw inputError(`topK must be an integer from 1 to ${MAX_TOP_K}, got ${String(topK)}`);
  }
  return topK;
}

/**
 * A deep copy of `metadata` that is plain JSON, or an error naming the first bad field. Numbers
 * must lie within ±(2^53 − 1) (json-numbers.ts); `literalOf` gives the digits the JSON text
 * wrote, for the message, when the metadata was parsed from text.
 */
export function checkMetadata(metadata: unknown, where: string, literalOf?: LiteralOf): Metadata {
  if (metadata === undefined || metadata === null) return {};
  if (typeof metadata !== "object" || Array.isArray(metadata)) {
    throw inputError(`${where}: metadata must be an object of JSON values`);
  }
  return checkJson(metadata, where, 0, literalOf) as Metadata;
}

function checkJson(
  value: unknown,
  path: string,
  depth: number,
  literalOf: LiteralOf | undefined,
): JsonValue {
  if (depth > MAX_METADATA_DEPTH)
    throw inputError(`${path}: metadata nests deeper than ${MAX_METADATA_DEPTH} levels`);
  if (value === null || typeof value === "boolean") return value;
  if (typeof value === "number") {
    if (!Number.isFinite(value))
      throw inputError(`${path} is ${value}; JSON has no NaN or Infinity`);
    if (!isExactNumber(value)) {
      const { message, hint } = inexactNumberProblem(path, value, literalOf);
      throw inputError(message, hint);
    }
    return value;
  }
  if (typeof value === "string") {
    if (value.includes("\u0000")) throw inputError(`${path} contains a NUL character`);
    return value;
  }
  if (Array.isArray(value))
    return value.map((item, i) => checkJson(item, `${path}[${i}]`, depth + 1, literalOf));
  if (typeof value === "object" && Object.getPrototypeOf(value) === Object.prototype) {
    const out: Metadata = {};
    for (const [key, item] of Object.entries(value)) {
      if (key.includes("\u0000")) throw inputError(`${path}: a key contains a NUL character`);
      out[key] = checkJson(item, `${path}.${key}`, depth + 1, literalOf);
    }
    return out;
  }
  throw inputError(
    `${path} is a ${typeof value === "object" ? (value.constructor?.name ?? "object") : typeof value}; metadata holds only JSON values`,
  );
}

/**
 * The whole upsert batch, checked. `expectedDimension` is the collection's (null when it does
 * not exist yet: the first vector then sets it for the batch).
 */
export function checkBatch(
  ids: readonly unknown[],
  vectors: readonly VectorInput[],
  metadata: readonly unknown[] | undefined,
  expectedDimension: number | null,
): CheckedBatch {
  if (!Array.isArray(ids) || !Array.isArray(vectors)) {
    throw inputError("upsert needs an array of ids and an array of vectors");
  }
  if (ids.length === 0)
    throw inputError("upsert got no records", "pass at least one id and vector");
  if (vectors.length !== ids.length) {
    throw inputError(`upsert got ${ids.length} ids but ${vectors.length} vectors`);
  }
  if (metadata !== undefined && (!Array.isArray(metadata) || metadata.length !== ids.length)) {
    throw inputError(
      `upsert got ${ids.length} ids but ${Array.isArray(metadata) ? metadata.length : "no array of"} metadata objects`,
    );
  }
  const seen = new Map<string, number>();
  const checkedIds = ids.map((id, i) => {
    const checked = checkId(id, `record ${i}`);
    const first = seen.get(checked);
    if (first !== undefined) {
      throw inputError(
        `record ${i}: id ${JSON.stringify(checked)} repeats record ${first} of the same batch`,
        "give each record of a batch its own id",
      );
    }
    seen.set(checked, i);
    return checked;
  });
  let dimension = expectedDimension;
  const checkedVectors = vectors.map((vector, i) => {
    const checked = checkVector(
      vector,
      dimension,
      `record ${i} (${JSON.stringify(checkedIds[i])})`,
    );
    dimension ??= checked.length;
    return checked;
  });
  const checkedMetadata = checkedIds.map((id, i) =>
    checkMetadata(metadata?.[i], `record ${i} (${JSON.stringify(id)}) metadata`),
  );
  return {
    ids: checkedIds,
    vectors: checkedVectors,
    metadata: checkedMetadata,
    dimension: dimension ?? 0,
  };
}
