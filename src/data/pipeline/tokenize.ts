import type { Tokenizer } from "../tokenizer.js";
import type { PositionedSample, TokenizedSample } from "./samples.js";

/** Each sample's tokens followed by end-of-text, so the model learns where documents end. */
export async function* tokenizeSamples(
  samples: AsyncIterable<PositionedSample>,
  tokenizer: Tokenizer,
): AsyncGenerator<TokenizedSample> {
  for await (const { text, position } of samples) {
    const ids = tokenizer.encode(text);
    ids.push(tokenizer.eotId);
    yield { ids, position };
  }
}
