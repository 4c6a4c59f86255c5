import type { Metadata } from "../types.js";

/**
 * How a record sits in a Qdrant payload. Metadata is kept under its own key so it can never
 * collide with the fields aios needs:
 *   aios_id       the caller's id (point ids are UUIDs derived from it)
 *   aios_norm     the vector's length: a Cosine collection stores vectors normalised, and this
 *                 gives the caller back the vector it stored
 *   aios_numbers  the top-level fields that hold a single number; ranges are evaluated here,
 *                 because Qdrant would also match an array with one element in range, and
 *                 every other driver matches only numeric fields
 *   metadata      the metadata as given
 */
export const PAYLOAD = {
  id: "aios_id",
  norm: "aios_norm",
  numbers: "aios_numbers",
  metadata: "metadata",
} as const;

export interface RecordPayload {
  [PAYLOAD.id]: string;
  [PAYLOAD.norm]: number;
  [PAYLOAD.numbers]: Record<string, number>;
  [PAYLOAD.metadata]: Metadata;
}

export function toPayload(id: string, vector: Float32Array, metadata: Metadata): RecordPayload {
  let squared = 0;
  for (const x of vector) squared += x * x;
  const numbers: Record<string, number> = {};
  for (const [key, value] of Object.entries(metadata)) {
    if (typeof value === "number") numbers[key] = value;
  }
  return {
    [PAYLOAD.id]: id,
    [PAYLOAD.norm]: Math.sqrt(squared),
    [PAYLOAD.numbers]: numbers,
    [PAYLOAD.metadata]: metadata,
  };
}

/** The fields of a payload read back, tolerating points aios did not write. */
export function fromPayload(
  payload: Record<string, unknown> | null | undefined,
  fallbackId: string,
): { id: string; norm: number; metadata: Metadata } {
  const id = payload?.[PAYLOAD.id];
  const norm = payload?.[PAYLOAD.norm];
  const metadata = payload?.[PAYLOAD.metadata];
  return {
    id: typeof id === "string" ? id : fallbackId,
    norm: typeof norm === "number" && norm > 0 ? norm : 1,
    metadata:
      typeof metadata === "object" && metadata !== null && !Array.isArray(metadata)
        ? (metadata as Metadata)
        : {},
  };
}
