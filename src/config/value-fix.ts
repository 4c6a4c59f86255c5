import type { z } from "zod";
import { fieldValueShape } from "./field-kinds.js";
import { type FieldSpec, type TrainingFieldKey, trainingFields } from "./fields.js";

/**
 * The "Fix:" line for a value the schema refused: what to change, with a value that works
 * (the field's default where it has one), rather than the flag's description again.
 */
export function fixForIssue(key: TrainingFieldKey, issue: z.core.$ZodIssue): string {
  const spec: FieldSpec = trainingFields[key];
  const shape = fieldValueShape(key);
  const example = shape.fallback === null ? "" : `, e.g. --${spec.flag} ${shape.fallback}`;
  const whole = issue.code === "invalid_type" && issue.expected === "int";
  // The mixture's own rule says what is wrong; its help is too long to repeat as the fix.
  if (key === "dataset_mix")
    return 'write it as "URI=WEIGHT,URI=WEIGHT", e.g. "data/a.txt=0.7,hf://wikitext:wikitext-2-raw-v1:train=0.3", or as a JSON list [{"uri": …, "weight": …}]';
  switch (issue.code) {
    case "too_small":
      return `pass a value ${issue.inclusive === false ? ">" : ">="} ${String(issue.minimum)}${example}`;
    case "too_big":
      return `pass a value ${issue.inclusive === false ? "<" : "<="} ${String(issue.maximum)}${example}`;
    case "invalid_value":
      return `pass one of ${issue.values.map(String).join(", ")}`;
    case "invalid_type":
      if (whole) return `pass a whole number${example}`;
      if (shape.kind === "number") return `pass a number${example}`;
      if (shape.kind === "boolean") return `use --${spec.flag} or --no-${spec.flag}`;
      return `pass text${example}${shape.nullable ? ", or leave it unset" : ""}`;
    default:
      return `pass a valid --${spec.flag} (${spec.help})${example}`;
  }
}
