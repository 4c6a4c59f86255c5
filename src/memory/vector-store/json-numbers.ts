/**
 * The rule for numbers in metadata and filters, shared by every driver. A JSON number reaches
 * aios as an IEEE 754 double, which holds every integer only up to 2^53 − 1: beyond it,
 * 12345678901234567890 and 12345678901234567891 both become 12345678901234567000, so a filter
 * on one id would match the other. Numbers outside ±(2^53 − 1) are therefore refused wherever
 * they enter (metadata, filters), on every driver, rather than stored rounded; fractions inside
 * the range are doubles like any float. A caller who needs larger integers stores them as
 * strings. (Every double beyond 2^53 is an integer, so "an integer that is not a safe integer"
 * and "a number beyond ±(2^53 − 1)" are the same set.)
 */
export const MAX_EXACT_INTEGER = Number.MAX_SAFE_INTEGER;

/** Whether `value` is a finite number that a double holds without rounding neighbours together. */
export function isExactNumber(value: number): boolean {
  return Number.isFinite(value) && Math.abs(value) <= MAX_EXACT_INTEGER;
}

/**
 * How the JSON text wrote a number that parsed to `value` (its first such literal), or
 * undefined; lets an error show the digits the user typed, not the rounded double.
 */
export type LiteralOf = (value: number) => string | undefined;

/**
 * The number literals of a JSON text, outside strings, looked up by parsed value. Node 20's
 * `JSON.parse` reviver has no access to the source text (`context.source` arrived in V8 11.4),
 * so the literals are found by a scan; it runs only when an error needs them.
 */
export function literalsOf(text: string): LiteralOf {
  let literals: string[] | null = null;
  return (value) => {
    literals ??= scanNumberLiterals(text);
    return literals.find((literal) => Object.is(Number(literal), value));
  };
}

/** Number tokens of a JSON text, in order; string contents (with their escapes) are skipped. */
function scanNumberLiterals(text: string): string[] {
  const found: string[] = [];
  let i = 0;
  while (i < text.length) {
    const c = text[i] as string;
    if (c === '"') {
      i += 1;
      while (i < text.length && text[i] !== '"') i += text[i] === "\\" ? 2 : 1;
      i += 1;
    } else if (c === "-" || (c >= "0" && c <= "9")) {
      const start = i;
      while (i < text.length && /[-+0-9.eE]/.test(text[i] as string)) i += 1;
      found.push(text.slice(start, i));
    } else {
      i += 1;
    }
  }
  return found;
}

/**
 * The message for a number outside ±(2^53 − 1) at `path` (e.g. `vectors.jsonl:3 metadata.user_id`),
 * naming the literal as written when known, and a hint to store it as a string.
 */
export function inexactNumberProblem(
  path: string,
  value: number,
  literalOf?: LiteralOf,
): { message: string; hint: string } {
  const literal = literalOf?.(value) ?? String(value);
  const rounded = literal === String(value) ? "" : ` (it would be stored as ${value})`;
  return {
    message: `${path} is ${literal}, beyond ±${MAX_EXACT_INTEGER} (2^53 − 1): a JSON number is a double, which cannot keep such integers apart${rounded}`,
    hint: `store it as a string (e.g. "${literal}"): numbers in metadata and filters must lie within ±${MAX_EXACT_INTEGER}`,
  };
}
