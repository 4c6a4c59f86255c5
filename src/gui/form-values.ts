import { fieldValueShape, softNumber } from "../config/field-kinds.js";
import type { TrainingFieldKey } from "../config/fields.js";
import type { RawTrainingConfig } from "../config/training-config.js";
import type { FormValue, FormValues } from "./api-types.js";
import { fieldView, PANEL_KEYS } from "./panel-layout.js";

/**
 * The panel's values as the raw config `resolveTrainingConfig` takes, as a flag would give them:
 * numbers are converted where they look numeric (so "ten" is reported by the schema, not
 * swallowed), an empty optional field is null, and an empty field with a default takes it.
 */
export function rawConfigFromForm(values: FormValues): RawTrainingConfig {
  const raw: RawTrainingConfig = {};
  for (const key of PANEL_KEYS) {
    const value = values[key];
    if (value === undefined) continue;
    const converted = convert(key, value);
    if (converted !== undefined) raw[key] = converted;
  }
  return raw;
}

function convert(key: TrainingFieldKey, value: FormValue): unknown {
  const shape = fieldValueShape(key);
  if (typeof value === "boolean") return value;
  if (shape.kind === "boolean") return value === "true";
  if (value.trim() === "") return shape.nullable ? null : undefined;
  return shape.kind === "number" ? softNumber(value) : value.trim();
}

/** The panel's starting values: every shown field at its schema default. */
export function defaultFormValues(): FormValues {
  return Object.fromEntries(PANEL_KEYS.map((key) => [key, fieldView(key).initial]));
}
