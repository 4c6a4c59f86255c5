import type { TrainingConfig } from "../../config/training-config.js";
import { openTokenizer, tokenizerSource } from "../tokenizer/resolve-tokenizer.js";
import type { Tokenizer } from "../tokenizer/tokenizer.js";
import type { DatasetBackend } from "../types.js";

export interface SamplePreview {
  readonly text: string;
  /** Tokens of the text under `--model`, without the end of sequence appended in training. */
  readonly tokens: number;
  /** The mixture source it came from (`--dataset-mix`); absent for one dataset. */
  readonly source?: string;
}

/**
 * The first `n` samples, for `--dry-run` and `aios data preview`: shows what the trainer would
 * read, reads no more. Counts with `tokenizer`, else with the one `config.model` names.
 */
export async function previewSamples(
  backend: DatasetBackend,
  config: Pick<TrainingConfig, "model"> &
    Partial<Pick<TrainingConfig, "hf_token_env" | "hf_cache_dir">>,
  n: number,
  tokenizer?: Tokenizer,
): Promise<SamplePreview[]> {
  const counting = tokenizer ?? (await openTokenizer(config.model, tokenizerSource(config)));
  const texts: string[] = [];
  const sources: (string | null)[] = [];
  if (n <= 0) return [];
  for await (const text of backend.iterText({ loop: false })) {
    texts.push(text);
    sources.push(backend.lastSource?.() ?? null);
    // `break` closes the backend's iteration, and with it the open file.
    if (texts.length >= n) break;
  }
  const encoded = await counting.encodeBatch(texts);
  return texts.map((text, i) => {
    const source = sources[i] ?? null;
    const tokens = encoded[i]?.length ?? 0;
    return source === null ? { text, tokens } : { text, tokens, source };
  });
}
