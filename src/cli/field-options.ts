import { type Command, Option } from "commander";
import { z } from "zod";
import { baseSchema, defaultOf, softNumber } from "../config/field-kinds.js";
import { type FieldSpec, type TrainingFieldKey, trainingFields } from "../config/fields.js";
import type { RawTrainingConfig } from "../config/training-config.js";

const GROUP_HEADINGS: Record<FieldSpec["group"], string> = {
  data: "Dataset options:",
  hf: "Hugging Face backend options (--dataset-backend hf):",
  webdataset: "WebDataset backend options (--dataset-backend webdataset):",
  training: "Training options:",
  architecture: "Model architecture options:",
  run: "Run options:",
};

/** Which training fields a command takes; all of them by default. */
export type FieldFilter = (key: TrainingFieldKey, spec: FieldSpec) => boolean;

/** The fields of commands that only read a dataset (`data preview`, `data make-shards`). */
export const datasetFieldsOnly: FieldFilter = (key, spec) =>
  spec.group === "data" || spec.group === "hf" || spec.group === "webdataset" || key === "seed";

/**
 * Adds the training fields `only` selects as options. No commander defaults: unset flags stay
 * undefined, so a YAML value is not overridden by a default.
 */
export function addTrainingOptions(command: Command, only: FieldFilter = () => true): Command {
  for (const key of Object.keys(trainingFields) as TrainingFieldKey[]) {
    const spec: FieldSpec = trainingFields[key];
    if (!only(key, spec)) continue;
    const base = baseSchema(spec.schema);
    const fallback = defaultOf(spec.schema);
    // A help text that already explains its default (e.g. "default $RANK, else 0") says it once.
    const ownDefault = /\(default\b|\bdefault \$|, default /.test(spec.help);
    const shownDefault =
      fallback === null
        ? "none"
        : typeof fallback === "string"
          ? fallback
          : JSON.stringify(fallback);
    const heading = GROUP_HEADINGS[spec.group];
    if (base instanceof z.ZodBoolean) {
      command.addOption(
        new Option(
          `--${spec.flag}`,
          `${spec.help} (default: ${fallback ? "on" : "off"})`,
        ).helpGroup(heading),
      );
      command.addOption(
        new Option(`--no-${spec.flag}`, `turn --${spec.flag} off`).helpGroup(heading),
      );
      continue;
    }
    const isNumber = base instanceof z.ZodNumber;
    const choices = base instanceof z.ZodEnum ? ` (${(base.options as string[]).join("|")})` : "";
    const option = new Option(
      `--${spec.flag} <${isNumber ? "n" : "value"}>`,
      `${spec.help}${choices}${ownDefault ? "" : ` (default: ${shownDefault})`}`,
    ).helpGroup(heading);
    if (isNumber) option.argParser(softNumber);
    command.addOption(option);
  }
  return command;
}

/** The training values the user typed, keyed by TrainingConfig key. */
export function trainingFlagValues(command: Command): RawTrainingConfig {
  const opts = command.opts<Record<string, unknown>>();
  const values: RawTrainingConfig = {};
  for (const key of Object.keys(trainingFields) as TrainingFieldKey[]) {
    const attribute = camel(trainingFields[key].flag);
    const source = command.getOptionValueSource(attribute);
    if (source === "cli" || source === "env") values[key] = opts[attribute];
  }
  return values;
}

function camel(flag: string): string {
  return flag.replace(/-([a-z])/g, (_, letter: string) => letter.toUpperCase());
}
