import type { FilterCondition } from "../filter.js";

/**
 * A filter as a parameterised WHERE clause over the `metadata jsonb` column; values travel as
 * parameters, never inside the SQL text. `params` receives them and numbering continues from
 * its length. Returns null for "everything".
 *
 * Equality is jsonb containment, typed like the reference (3 is not "3"): `{"k": v}` for a
 * scalar field and `{"k": [v]}` for an array field holding v. Both forms can use a GIN index.
 * Ranges read the field only where jsonb says it is a number.
 */
export function filterToSql(
  conditions: readonly FilterCondition[],
  params: unknown[],
): string | null {
  if (conditions.length === 0) return null;
  const param = (value: unknown, cast: string): string => {
    params.push(value);
    return `$${params.length}::${cast}`;
  };
  return conditions
    .map((condition) => {
      if (condition.op === "in") {
        const alternatives = condition.values.flatMap((value) => [
          `metadata @> ${param(JSON.stringify({ [condition.key]: value }), "jsonb")}`,
          `metadata @> ${param(JSON.stringify({ [condition.key]: [value] }), "jsonb")}`,
        ]);
        return `(${alternatives.join(" OR ")})`;
      }
      const key = param(condition.key, "text");
      const field = `(CASE WHEN jsonb_typeof(metadata -> ${key}) = 'number' THEN (metadata ->> ${key})::float8 END)`;
      const parts: string[] = [];
      if (condition.gt !== undefined) parts.push(`${field} > ${param(condition.gt, "float8")}`);
      if (condition.gte !== undefined) parts.push(`${field} >= ${param(condition.gte, "float8")}`);
      if (condition.lt !== undefined) parts.push(`${field} < ${param(condition.lt, "float8")}`);
      if (condition.lte !== undefined) parts.push(`${field} <= ${param(condition.lte, "float8")}`);
      return `(${parts.join(" AND ")})`;
    })
    .join(" AND ");
}
