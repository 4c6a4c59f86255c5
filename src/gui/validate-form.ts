import {
  ConfigError,
  resolveTrainingConfig,
  type TrainingConfig,
} from "../config/training-config.js";
import { isAiosError } from "../core/errors.js";
import { openTokenizer, tokenizerSource } from "../data/tokenizer/resolve-tokenizer.js";
import type { Tokenizer } from "../data/tokenizer/tokenizer.js";
import type { FieldProblem, FormValues } from "./api-types.js";
import { rawConfigFromForm } from "./form-values.js";

export type FormCheck =
  | { readonly ok: true; readonly config: TrainingConfig }
  | { readonly ok: false; readonly problems: readonly FieldProblem[] };

/**
 * The CLI's validation (`resolveTrainingConfig`, the same rules and messages) applied to the
 * panel's values, with each problem kept apart so the page can show it beside its field.
 */
export function checkForm(
  values: FormValues,
  options: { requireDataset?: boolean } = {},
): FormCheck {
  try {
    return { ok: true, config: resolveTrainingConfig(rawConfigFromForm(values), options) };
  } catch (error) {
    if (error instanceof ConfigError) {
      return {
        ok: false,
        problems: error.problems.map((p) => ({ key: p.key, message: p.problem, fix: p.fix })),
      };
    }
    // A malformed dataset URI is the only other configuration error: it names the dataset field.
    if (isAiosError(error) && error.code === "CONFIG_INVALID") {
      return {
        ok: false,
        problems: [{ key: "dataset_file", message: error.message, fix: error.hint ?? "" }],
      };
    }
    throw error;
  }
}

/** Errors of `openTokenizer` that are about the value of `--model` (or the Hub it names). */
const TOKENIZER_PROBLEMS: ReadonlySet<string> = new Set([
  "TOKENIZER",
  "CONFIG_INVALID",
  "HUB_AUTH",
  "HUB_REQUEST",
]);

/**
 * The tokenizer the panel's Tokenizer field names, opened as the CLI opens it (a Hub model is
 * fetched into the cache once); what is wrong with it is a problem shown beside that field.
 */
export async function checkTokenizer(
  config: TrainingConfig,
): Promise<
  | { readonly ok: true; readonly tokenizer: Tokenizer }
  | { readonly ok: false; readonly problems: readonly FieldProblem[] }
> {
  try {
    return { ok: true, tokenizer: await openTokenizer(config.model, tokenizerSource(config)) };
  } catch (error) {
    if (!isAiosError(error) || !TOKENIZER_PROBLEMS.has(error.code)) throw error;
    return {
      ok: false,
      problems: [{ key: "model", message: error.message, fix: error.hint ?? "" }],
    };
  }
}
