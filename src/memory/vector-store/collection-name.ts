import { AiosError } from "../../core/errors.js";

export const DEFAULT_COLLECTION = "default";
const NAME = /^[A-Za-z0-9_]{1,40}$/;

/**
 * `prefix_name`: every driver stores collection `traces` as `aios_memory_traces`. Names are
 * limited to letters, digits and _ so they are valid as a table, a directory and a Qdrant
 * collection alike, and short enough (16 + 1 + 40 + an index suffix) for PostgreSQL's
 * 63-byte identifiers.
 */
export function collectionName(prefix: string, name: string): string {
  if (!NAME.test(name)) {
    throw new AiosError(
      "VECTOR_INPUT",
      `Collection name ${JSON.stringify(name)} is not valid: use 1-40 letters, digits or _`,
      { hint: "e.g. --collection traces" },
    );
  }
  return `${prefix}_${name}`;
}
