import type { RecordBatch } from "apache-arrow";
import { AiosError } from "../../../core/errors.js";
import type { Metadata, StoredVector } from "../types.js";

/** Metadata as read back: the JSON column arrives as text. */
export function parseMetadata(text: unknown): Metadata {
  if (typeof text !== "string") return {};
  const value: unknown = JSON.parse(text);
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw new AiosError(
      "VECTOR_STORE",
      `Stored metadata is not a JSON object: ${text.slice(0, 80)}`,
    );
  }
  return value as Metadata;
}

/** The records of one Arrow batch with id, vector and metadata columns. */
export function recordsOf(batch: RecordBatch): StoredVector[] {
  const ids = batch.getChild("id");
  const vectors = batch.getChild("vector");
  const metadata = batch.getChild("metadata");
  if (ids === null || vectors === null || metadata === null) {
    throw new AiosError("VECTOR_STORE", "LanceDB table lacks the id, vector or metadata column");
  }
  const records: StoredVector[] = [];
  for (let i = 0; i < batch.numRows; i++) {
    const vector: { toArray(): ArrayLike<number> } = vectors.get(i);
    records.push({
      id: String(ids.get(i)),
      vector: Array.from(vector.toArray()),
      metadata: parseMetadata(metadata.get(i)),
    });
  }
  return records;
}
