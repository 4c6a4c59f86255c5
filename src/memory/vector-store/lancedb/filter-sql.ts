import type { FilterCondition } from "../filter.js";
import { facetToken } from "./facets.js";

/** A SQL string literal (DataFusion dialect: a quote is doubled, nothing else is special). */
export function sqlString(value: string): string {
  return `'${value.replaceAll("'", "''")}'`;
}

/** A number as SQL, via a string cast so that 1e+21 and -0 parse the same everywhere. */
function sqlNumber(value: number): string {
  return `CAST(${sqlString(String(value))} AS DOUBLE)`;
}

/**
 * The WHERE clause of a filter for the LanceDB table, or null for "everything". Equality uses
 * the facet tokens (see facets.ts); ranges read the JSON column, where TRY_CAST yields NULL for
 * anything that is not a JSON number, so strings, booleans and arrays never match a range.
 */
export function filterToSql(conditions: readonly FilterCondition[]): string | null {
  if (conditions.length === 0) return null;
  return conditions
    .map((condition) => {
      if (condition.op === "in") {
        const tokens = condition.values.map((value) => sqlString(facetToken(condition.key, value)));
        return `array_has_any(facets, [${tokens.join(", ")}])`;
      }
      const field = `TRY_CAST(json_extract(metadata, ${sqlString(`$.${condition.key}`)}) AS DOUBLE)`;
      const parts: string[] = [];
      if (condition.gt !== undefined) parts.push(`${field} > ${sqlNumber(condition.gt)}`);
      if (condition.gte !== undefined) parts.push(`${field} >= ${sqlNumber(condition.gte)}`);
      if (condition.lt !== undefined) parts.push(`${field} < ${sqlNumber(condition.lt)}`);
      if (condition.lte !== undefined) parts.push(`${field} <= ${sqlNumber(condition.lte)}`);
      return `(${parts.join(" AND ")})`;
    })
    .join(" AND ");
}

/** `id IN (...)` for a list of ids. */
export function idsToSql(ids: readonly string[]): string {
  return `id IN (${ids.map(sqlString).join(", ")})`;
}
