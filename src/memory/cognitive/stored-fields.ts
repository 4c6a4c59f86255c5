import { AiosError } from "../../core/errors.js";
import type { JsonValue, Metadata } from "../vector-store/types.js";

/**
 * Reading typed fields back out of stored metadata. A collection can hold anything another
 * program wrote, so a field of the wrong type is an error naming the record, not a NaN later.
 */
export function numberField(metadata: Metadata, key: string, record: string): number {
  const value = metadata[key];
  if (typeof value !== "number" || !Number.isFinite(value)) throw notOurs(record, key, value);
  return value;
}

export function stringField(metadata: Metadata, key: string, record: string): string {
  const value = metadata[key];
  if (typeof value !== "string") throw notOurs(record, key, value);
  return value;
}

export function numberArrayField(metadata: Metadata, key: string, record: string): number[] {
  const value = metadata[key];
  if (!Array.isArray(value) || !value.every((item) => typeof item === "number")) {
    throw notOurs(record, key, value);
  }
  return value as number[];
}

export function stringArrayField(metadata: Metadata, key: string, record: string): string[] {
  const value = metadata[key];
  if (!Array.isArray(value) || !value.every((item) => typeof item === "string")) {
    throw notOurs(record, key, value);
  }
  return value as string[];
}

function notOurs(record: string, key: string, value: JsonValue | undefined): AiosError {
  return new AiosError(
    "VECTOR_STORE",
    `${record}: metadata field ${key} is ${value === undefined ? "missing" : JSON.stringify(value)}, not what this version writes`,
    { hint: "the collection holds records written by something else; use another collection" },
  );
}
