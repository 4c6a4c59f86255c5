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

/** Adds every training field as an option. No commander defaults: unset flags stay undefined, so a YAML value is not overridden by a default. */
export function addTrainingOptions(command: Command): Command {
  for (const key of Object.keys(trainingFields) as TrainingFieldKey[]) {
    const spec: FieldSpec = trainingFields[key];
    const base = baseSchema(spec.schema);
    const fallback = defaultOf(spec.schema);
    const shownDefault = fallback === null ? "none" : JSON.stringify(fallback);
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
      `${spec.help}${choices} (default: ${shownDefault})`,
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
