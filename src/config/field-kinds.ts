import { z } from "zod";
import { type FieldSpec, type TrainingFieldKey, trainingFields } from "./fields.js";

/** What kind of value a field takes, read off its schema: what a flag or a form control needs. */
export type FieldKind = "string" | "number" | "boolean" | "enum";

export interface FieldValueShape {
  readonly kind: FieldKind;
  /** The allowed values of an enum field. */
  readonly choices: readonly string[] | null;
  /** The schema's default (null where the field has none). */
  readonly fallback: string | number | boolean | null;
  /** Whether null is a valid value (an optional field). */
  readonly nullable: boolean;
}

/** The innermost schema under default/nullable wrappers: what kind of value the field takes. */
export function baseSchema(schema: z.ZodType): z.ZodType {
  let inner: z.ZodType = schema;
  for (;;) {
    if (inner instanceof z.ZodDefault || inner instanceof z.ZodPrefault)
      inner = inner.unwrap() as z.ZodType;
    else if (inner instanceof z.ZodNullable || inner instanceof z.ZodOptional)
      inner = inner.unwrap() as z.ZodType;
    else return inner;
  }
}

/** The value the schema gives an unset field. */
export function defaultOf(schema: z.ZodType): unknown {
  const parsed = schema.safeParse(undefined);
  return parsed.success ? parsed.data : undefined;
}

export function fieldValueShape(key: TrainingFieldKey): FieldValueShape {
  const spec: FieldSpec = trainingFields[key];
  const base = baseSchema(spec.schema);
  const fallback = defaultOf(spec.schema);
  const kind: FieldKind =
    base instanceof z.ZodBoolean
      ? "boolean"
      : base instanceof z.ZodNumber
        ? "number"
        : base instanceof z.ZodEnum
          ? "enum"
          : "string";
  return {
    kind,
    choices: base instanceof z.ZodEnum ? (base.options as string[]) : null,
    fallback:
      typeof fallback === "string" || typeof fallback === "number" || typeof fallback === "boolean"
        ? fallback
        : null,
    nullable: spec.schema.safeParse(null).success,
  };
}

/**
 * Numbers arrive as text (flags, form inputs); convert the ones that look numeric and leave the
 * rest, so that the schema reports `--steps = "ten": expected number` rather than a generic error.
 */
export function softNumber(value: string): number | string {
  const trimmed = value.trim();
  return trimmed !== "" && Number.isFinite(Number(trimmed)) ? Number(trimmed) : value;
}
