import { asciiPieceEnd, regexPieceEnd } from "./o200k-split.js";
import { TokenRanks } from "./token-ranks.js";

/** One table per rank table and thread (~50 ms to build): o200k_base and harmony share it. */
const built = new WeakMap<object, TokenRanks>();

/**
 * tiktoken's `encode_ordinary` for o200k_base and o200k_harmony (one rank table, one split):
 * ASCII pieces split by `asciiPieceEnd` and looked up from the text's characters, every other
 * piece split by tiktoken's pattern and encoded from its UTF-8. 2-3x gpt-tokenizer's speed on
 * mostly-ASCII text, and tiktoken's ids where gpt-tokenizer's split differs (`o200k-split.ts`).
 *
 * @param rankTable gpt-tokenizer's o200k rank table (`gpt-tokenizer/bpeRanks/o200k_base`).
 * @returns text → ids; special tokens' text is encoded as ordinary text.
 */
export function o200kEncoder(
  rankTable: readonly (string | readonly number[] | undefined)[],
): (text: string) => number[] {
  let ranks = built.get(rankTable);
  if (ranks === undefined) {
    ranks = new TokenRanks(rankTable);
    built.set(rankTable, ranks);
  }
  const table = ranks;
  return (text) => {
    const ids: number[] = [];
    for (let start = 0; start < text.length; ) {
      let end = asciiPieceEnd(text, start);
      if (end >= 0) table.encodeAscii(text, start, end, ids);
      else {
        end = regexPieceEnd(text, start);
        table.encodeText(text.slice(start, end), ids);
      }
      start = end;
    }
    return ids;
  };
}
