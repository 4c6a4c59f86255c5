import type { TrainingConfig } from "../config/training-config.js";
import { buildBackend } from "../data/build-backend.js";
import { previewSamples } from "../data/pipeline/sequence-stream.js";
import type { Tokenizer } from "../data/tokenizer/tokenizer.js";
import type { DatasetEstimate } from "./api-types.js";

/** Characters of each sample the page shows. */
const SHOWN_CHARS = 200;

/**
 * The dataset estimator: the first samples the trainer would read (as `aios data preview` prints
 * them) and the mean tokens per sample under the configured tokenizer (`--model`, opened).
 */
export async function estimateDataset(
  config: TrainingConfig,
  tokenizer: Tokenizer,
  samples: number,
): Promise<DatasetEstimate> {
  const backend = await buildBackend(config, { warn: () => undefined, notice: () => undefined });
  try {
    const previews = await previewSamples(backend, config, samples, tokenizer);
    const tokens = previews.reduce((sum, p) => sum + p.tokens, 0);
    return {
      description: backend.description,
      samples: previews.map((p) => ({
        text: p.text.length > SHOWN_CHARS ? `${p.text.slice(0, SHOWN_CHARS)}…` : p.text,
        tokens: p.tokens,
      })),
      tokensPerSample: previews.length === 0 ? 0 : tokens / previews.length,
    };
  } finally {
    await backend.close?.();
  }
}
