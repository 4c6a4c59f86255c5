import type { Tokenizer } from "../tokenizer/tokenizer.js";
import type { PositionedSample, TokenizedSample } from "./samples.js";

/** Samples encoded per call, and characters: a call costs little beside the encoding itself. */
const BATCH_SAMPLES = 256;
const BATCH_CHARS = 64 * 1024;

/**
 * Each sample's tokens followed by the tokenizer's end of sequence, so the model learns where
 * documents end. Samples are encoded a batch at a time (one tokenizer call per batch), which
 * reads up to `BATCH_SAMPLES` samples ahead.
 */
export async function* tokenizeSamples(
  samples: AsyncIterable<PositionedSample>,
  tokenizer: Tokenizer,
): AsyncGenerator<TokenizedSample> {
  let batch: PositionedSample[] = [];
  let chars = 0;
  for await (const sample of samples) {
    batch.push(sample);
    chars += sample.text.length;
    if (batch.length < BATCH_SAMPLES && chars < BATCH_CHARS) continue;
    yield* encodeSamples(batch, tokenizer);
    batch = [];
    chars = 0;
  }
  if (batch.length > 0) yield* encodeSamples(batch, tokenizer);
}

async function* encodeSamples(
  batch: readonly PositionedSample[],
  tokenizer: Tokenizer,
): AsyncGenerator<TokenizedSample> {
  const encoded = await tokenizer.encodeBatch(batch.map((sample) => sample.text));
  for (const [i, sample] of batch.entries()) {
    const ids = encoded[i] ?? [];
    ids.push(tokenizer.eosId);
    yield { ids, position: sample.position };
  }
}
