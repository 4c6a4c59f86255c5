import { AiosError } from "../../core/errors.js";
import { inexactNumberProblem, isExactNumber, type LiteralOf } from "./json-numbers.js";
import type { JsonValue, Metadata } from "./metadata.js";

/**
 * The one filter model every driver translates. A filter is an object of top-level metadata
 * keys, all of which must match (AND):
 *
 *   {kind: "motif"}                  equality; also true when the field is an array holding "motif"
 *   {kind: {$in: ["a", "b"]}}        equal to (or, for an array field, holding) any of the values
 *   {age: {$gte: 10, $lt: 20}}       numeric range; only a field holding a number matches
 *   {kind: {$eq: "motif"}}           the same as {kind: "motif"}
 *
 * Equality is typed: 3 does not match "3", true does not match 1. Numbers must lie within
 * ±(2^53 − 1), as in metadata (json-numbers.ts): beyond it a double cannot tell ids apart.
 */
export type FilterScalar = string | number | boolean;

export interface FilterOperators {
  $eq?: FilterScalar;
  $in?: readonly FilterScalar[];
  $gt?: number;
  $gte?: number;
  $lt?: number;
  $lte?: number;
}

export type VectorFilter = Readonly<Record<string, FilterScalar | FilterOperators>>;

export interface RangeBounds {
  readonly gt?: number;
  readonly gte?: number;
  readonly lt?: number;
  readonly lte?: number;
}

export type FilterCondition =
  | { readonly op: "in"; readonly key: string; readonly values: readonly FilterScalar[] }
  | ({ readonly op: "range"; readonly key: string } & RangeBounds);

/** Filterable keys are plain identifiers, so every driver can name them in its query language. */
const FILTER_KEY = /^[A-Za-z_][A-Za-z0-9_]{0,63}$/;
const RANGE_OPS = { $gt: "gt", $gte: "gte", $lt: "lt", $lte: "lte" } as const;
const FILTER_HINT =
  'write a JSON object such as {"kind": "motif", "tags": {"$in": ["QA", "gen"]}, "age": {"$gte": 10}}';

function filterError(message: string, hint = FILTER_HINT): AiosError {
  return new AiosError("VECTOR_FILTER", `Invalid filter: ${message}`, { hint });
}

/** Refuses a number outside ±(2^53 − 1) anywhere in the filter, naming where it is. */
function checkFilterNumbers(value: unknown, path: string, literalOf: LiteralOf | undefined): void {
  if (typeof value === "number" && Number.isFinite(value) && !isExactNumber(value)) {
    const { message, hint } = inexactNumberProblem(path, value, literalOf);
    throw filterError(message, hint);
  }
  if (Array.isArray(value)) {
    value.forEach((item, i) => {
      checkFilterNumbers(item, `${path}[${i}]`, literalOf);
    });
  } else if (isPlainObject(value)) {
    for (const [key, item] of Object.entries(value)) {
      checkFilterNumbers(item, `${path}.${key}`, literalOf);
    }
  }
}

function isScalar(value: unknown): value is FilterScalar {
  return (
    typeof value === "string" ||
    typeof value === "boolean" ||
    (typeof value === "number" && Number.isFinite(value))
  );
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/**
 * Checks a filter and turns it into conditions (an empty list matches everything). `literalOf`
 * gives the digits of a filter parsed from JSON text, for the message on a number out of range.
 */
export function parseFilter(filter: unknown, literalOf?: LiteralOf): FilterCondition[] {
  if (filter === undefined || filter === null) return [];
  if (!isPlainObject(filter))
    throw filterError(`expected an object, got ${JSON.stringify(filter)}`);
  const conditions: FilterCondition[] = [];
  for (const [key, spec] of Object.entries(filter)) {
    if (!FILTER_KEY.test(key)) {
      throw filterError(
        `key ${JSON.stringify(key)} is not filterable: keys are top-level metadata names of letters, digits and _ (not starting with a digit)`,
      );
    }
    checkFilterNumbers(spec, key, literalOf);
    if (isScalar(spec)) conditions.push({ op: "in", key, values: [spec] });
    else if (isPlainObject(spec)) conditions.push(...parseOperators(key, spec));
    else {
      throw filterError(
        `${key}: ${typeof spec === "number" ? String(spec) : (JSON.stringify(spec) ?? String(spec))} is neither a string, finite number or boolean nor an operator object`,
      );
    }
  }
  return conditions;
}

function parseOperators(key: string, spec: Record<string, unknown>): FilterCondition[] {
  const entries = Object.entries(spec);
  if (entries.length === 0) throw filterError(`${key}: empty operator object`);
  const conditions: FilterCondition[] = [];
  const range: { gt?: number; gte?: number; lt?: number; lte?: number } = {};
  let hasRange = false;
  for (const [op, operand] of entries) {
    if (op === "$eq") {
      if (!isScalar(operand))
        throw filterError(`${key}.$eq must be a string, finite number or boolean`);
      conditions.push({ op: "in", key, values: [operand] });
    } else if (op === "$in") {
      if (!Array.isArray(operand) || operand.length === 0 || !operand.every(isScalar)) {
        throw filterError(
          `${key}.$in must be a non-empty array of strings, finite numbers or booleans`,
        );
      }
      conditions.push({ op: "in", key, values: operand });
    } else if (op in RANGE_OPS) {
      if (typeof operand !== "number" || !Number.isFinite(operand)) {
        throw filterError(`${key}.${op} must be a finite number, got ${JSON.stringify(operand)}`);
      }
      range[RANGE_OPS[op as keyof typeof RANGE_OPS]] = operand;
      hasRange = true;
    } else {
      throw filterError(`${key}: unknown operator ${op} (known: $eq, $in, $gt, $gte, $lt, $lte)`);
    }
  }
  if (hasRange) conditions.push({ op: "range", key, ...range });
  return conditions;
}

/** The reference semantics, in JavaScript: drivers must agree with it (the conformance suite checks). */
export function matchesFilter(metadata: Metadata, conditions: readonly FilterCondition[]): boolean {
  return conditions.every((condition) => matchesCondition(metadata[condition.key], condition));
}

function matchesCondition(field: JsonValue | undefined, condition: FilterCondition): boolean {
  if (condition.op === "in") {
    const candidates = Array.isArray(field) ? field : [field];
    return candidates.some((item) => condition.values.some((value) => item === value));
  }
  if (typeof field !== "number") return false;
  return withinRange(field, condition);
}

export function withinRange(value: number, bounds: RangeBounds): boolean {
  return (
    (bounds.gt === undefined || value > bounds.gt) &&
    (bounds.gte === undefined || value >= bounds.gte) &&
    (bounds.lt === undefined || value < bounds.lt) &&
    (bounds.lte === undefined || value <= bounds.lte)
  );
}

/** The keys a filter reads (drivers with payload indexes index them). */
export function filterKeys(conditions: readonly FilterCondition[]): string[] {
  return [...new Set(conditions.map((condition) => condition.key))];
}
