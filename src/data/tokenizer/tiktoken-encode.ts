import type { TiktokenSplit } from "./tiktoken-split.js";
import { TokenRanks } from "./token-ranks.js";

/** One table per rank table and thread (~50 ms to build for o200k): encodings share it. */
const built = new WeakMap<object, TokenRanks>();

/**
 * tiktoken's `encode_ordinary` for one encoding: its split (`split`), tiktoken's merge on its
 * rank table. ASCII pieces are split by the scanner and looked up from the text's characters,
 * every other piece split by tiktoken's pattern and encoded from its UTF-8. Faster than
 * gpt-tokenizer on mostly-ASCII text (docs/BENCHMARKS.md), and tiktoken's ids where
 * gpt-tokenizer's patterns differ (`split-patterns.ts`).
 *
 * @param rankTable gpt-tokenizer's rank table (`gpt-tokenizer/bpeRanks/<name>`).
 * @param split the encoding's split (`R50K_SPLIT`, `CL100K_SPLIT`, `O200K_SPLIT`).
 * @returns text → ids; special tokens' text is encoded as ordinary text.
 */
export function tiktokenEncoder(
  rankTable: readonly (string | readonly number[] | undefined)[],
  split: TiktokenSplit,
): (text: string) => number[] {
  let ranks = built.get(rankTable);
  if (ranks === undefined) {
    ranks = new TokenRanks(rankTable);
    built.set(rankTable, ranks);
  }
  const table = ranks;
  const { asciiPieceEnd } = split;
  return (text) => {
    const ids: number[] = [];
    for (let start = 0; start < text.length; ) {
      let end = asciiPieceEnd(text, start);
      if (end >= 0) table.encodeAscii(text, start, end, ids);
      else {
        end = split.regexPieceEnd(text, start);
        table.encodeText(text.slice(start, end), ids);
      }
      start = end;
    }
    return ids;
  };
}
