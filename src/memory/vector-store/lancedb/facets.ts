import type { FilterScalar } from "../filter.js";
import type { Metadata } from "../types.js";

/**
 * LanceDB evaluates filters as SQL over columns, but metadata is free-form. Besides the JSON
 * metadata column (used for ranges), each row gets a `facets` list of typed `key=value` tokens,
 * one per top-level scalar and per scalar inside a top-level array. Equality and `$in` then
 * become one `array_has_any(facets, [...])`, which also gives "an array containing the value"
 * for free, and JSON's types keep 3 and "3" apart.
 */
const SEPARATOR = "\u001f"; // ASCII unit separator: cannot appear in a filterable key

export function facetToken(key: string, value: FilterScalar): string {
  return `${key}${SEPARATOR}${JSON.stringify(value)}`;
}

export function facetTokens(metadata: Metadata): string[] {
  const tokens = new Set<string>();
  for (const [key, field] of Object.entries(metadata)) {
    for (const item of Array.isArray(field) ? field : [field]) {
      if (typeof item === "string" || typeof item === "number" || typeof item === "boolean") {
        tokens.add(facetToken(key, item));
      }
    }
  }
  return [...tokens];
}
