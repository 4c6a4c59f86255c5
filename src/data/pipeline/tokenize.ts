import type { Tokenizer } from "../tokenizer/tokenizer.js";
import { type PositionedSample, type TokenizedSample, withSource } from "./samples.js";

/** Characters per call at most, whatever `samplesPerCall` says: long documents go one by one. */
const BATCH_CHARS = 16 * 1024;

/**
 * Each sample's tokens followed by the tokenizer's end of sequence, so the model learns where
 * documents end. Samples go to the tokenizer `samplesPerCall` at a time (one for tiktoken
 * encodings, 16 for tokenizer.json), which is how far this stage reads ahead.
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
    if (batch.length < tokenizer.samplesPerCall && chars < BATCH_CHARS) continue;
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
    yield withSource({ ids, position: sample.position }, sample.source);
  }
}
