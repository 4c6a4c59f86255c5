import { type FieldSpec, type TrainingFieldKey, trainingFields } from "../config/fields.js";
import { formatMixFlag } from "../config/mix-syntax.js";
import type { TrainingConfig } from "../config/training-config.js";

/**
 * A resolved config as `train-actv1` flags: the CLI resolves them back to the same config, so a
 * run started from the GUI is exactly the CLI run these flags describe (and can be repeated by
 * pasting them). Null values are left out; booleans use `--flag` / `--no-flag`.
 */
export function trainingFlags(config: TrainingConfig): string[] {
  const flags: string[] = [];
  for (const key of Object.keys(trainingFields) as TrainingFieldKey[]) {
    const spec: FieldSpec = trainingFields[key];
    const value = config[key];
    if (value === null) continue;
    if (typeof value === "boolean") flags.push(value ? `--${spec.flag}` : `--no-${spec.flag}`);
    else if (Array.isArray(value)) flags.push(`--${spec.flag}`, formatMixFlag(value));
    else flags.push(`--${spec.flag}`, String(value));
  }
  return flags;
}
