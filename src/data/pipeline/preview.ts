import type { TrainingConfig } from "../../config/training-config.js";
import { loadTokenizer } from "../tokenizer.js";
import type { DatasetBackend } from "../types.js";

export interface SamplePreview {
  readonly text: string;
  /** Tokens of the text under `--model`, without the end-of-text appended in training. */
  readonly tokens: number;
}

/** The first `n` samples, for `--dry-run`: shows what the trainer would read, reads no more. */
export async function previewSamples(
  backend: DatasetBackend,
  config: Pick<TrainingConfig, "model">,
  n: number,
): Promise<SamplePreview[]> {
  const tokenizer = loadTokenizer(config.model);
  const previews: SamplePreview[] = [];
  if (n <= 0) return previews;
  for await (const text of backend.iterText({ loop: false })) {
    previews.push({ text, tokens: tokenizer.encode(text).length });
    // `break` closes the backend's iteration, and with it the open file.
    if (previews.length >= n) break;
  }
  return previews;
}
