import type { Schemas } from "@qdrant/js-client-rest";
import type { FilterCondition, FilterScalar } from "../filter.js";
import { PAYLOAD } from "./payload.js";

type Condition = Schemas["Condition"];
export type PayloadIndexType = Extract<
  Schemas["PayloadSchemaType"],
  "keyword" | "integer" | "float" | "bool"
>;

/**
 * The shared filter model as a Qdrant filter. Qdrant's `match` already treats an array
 * payload as "any element equals" and is typed (2 does not match "2"); it matches only
 * strings, integers and booleans, so a fractional number is compared as the range [v, v].
 * Ranges read `aios_numbers` (see payload.ts).
 */
export function filterToQdrant(
  conditions: readonly FilterCondition[],
): Schemas["Filter"] | undefined {
  if (conditions.length === 0) return undefined;
  return {
    must: conditions.map((condition): Condition => {
      if (condition.op === "in") {
        const alternatives = condition.values.map((value) => equals(condition.key, value));
        return alternatives.length === 1
          ? (alternatives[0] as Condition)
          : { should: alternatives };
      }
      const { gt, gte, lt, lte } = condition;
      return { key: `${PAYLOAD.numbers}.${condition.key}`, range: { gt, gte, lt, lte } };
    }),
  };
}

function equals(key: string, value: FilterScalar): Condition {
  const field = `${PAYLOAD.metadata}.${key}`;
  if (typeof value === "number" && !Number.isSafeInteger(value)) {
    return { key: field, range: { gte: value, lte: value } };
  }
  return { key: field, match: { value } };
}

/**
 * Payload indexes that make these conditions fast, by field: keyword for strings, integer or
 * float for numbers, bool for booleans. A field filtered with values of several types gets none.
 */
export function payloadIndexesFor(
  conditions: readonly FilterCondition[],
): Map<string, PayloadIndexType> {
  const wanted = new Map<string, PayloadIndexType | null>();
  const want = (field: string, type: PayloadIndexType) => {
    const previous = wanted.get(field);
    wanted.set(field, previous === undefined || previous === type ? type : null);
  };
  for (const condition of conditions) {
    if (condition.op === "range") {
      want(`${PAYLOAD.numbers}.${condition.key}`, "float");
      continue;
    }
    for (const value of condition.values) {
      const type: PayloadIndexType =
        typeof value === "string"
          ? "keyword"
          : typeof value === "boolean"
            ? "bool"
            : Number.isSafeInteger(value)
              ? "integer"
              : "float";
      want(`${PAYLOAD.metadata}.${condition.key}`, type);
    }
  }
  const indexes = new Map<string, PayloadIndexType>();
  for (const [field, type] of wanted) if (type !== null) indexes.set(field, type);
  return indexes;
}
