import {
  CLASS,
  CR_LF,
  contractionEnd,
  DIGIT,
  digitsEnd,
  LETTER,
  LOWER,
  runEnd,
  SPACE_CHAR,
  SpaceRule,
  SYMBOL,
  SymbolTail,
  spacesEnd,
  symbolsEnd,
  UPPER,
} from "./ascii-scan.js";
import { O200K_PATTERN } from "./split-patterns.js";
import { type TiktokenSplit, tiktokenSplit } from "./tiktoken-split.js";

/**
 * o200k's split (o200k_base, o200k_harmony): `O200K_PATTERN` and its ASCII scanner.
 *
 * The alternatives, in the order the pattern tries them (`P` = `[^\r\n\p{L}\p{N}]`, the
 * optional prefix; `C` = `'s|'t|'re|'ve|'m|'ll|'d` in either case), as they read on ASCII:
 *  1. `P? [A-Z]* [a-z]+ C?`   2. `P? [A-Z]+ [a-z]* C?`   (together: P? + uppers + lowers + C?)
 *  3. `\d{1,3}`   4. ` ?[^\s\p{L}\p{N}]+[\r\n/]*`   5. `\s*[\r\n]+`   6. `\s+(?!\S)`   7. `\s+`
 */
export function o200kAsciiPieceEnd(text: string, start: number): number {
  const n = text.length;
  const first = text.charCodeAt(start);
  if (first >= 128) return -1;
  const kind = CLASS[first] as number;
  let word = -1;
  if (kind & LETTER) word = start;
  else if (!(kind & (DIGIT | CR_LF)) && start + 1 < n) {
    // A prefix `P` (a symbol, or a space other than CR/LF) followed by a letter starts a word.
    const next = text.charCodeAt(start + 1);
    if (next >= 128) return -1;
    if ((CLASS[next] as number) & LETTER) word = start + 1;
  }
  if (word >= 0) return wordEnd(text, word, n);
  if (kind & DIGIT) return digitsEnd(text, start, n, 3);
  if (kind & SYMBOL) return symbolsEnd(text, start, n, SymbolTail.LineEndsAndSlash);
  if (first === SPACE_CHAR && start + 1 < n) {
    const next = text.charCodeAt(start + 1);
    if (next >= 128) return -1;
    if ((CLASS[next] as number) & SYMBOL) {
      return symbolsEnd(text, start + 1, n, SymbolTail.LineEndsAndSlash);
    }
  }
  return spacesEnd(text, start, n, SpaceRule.O200k);
}

/** Alternatives 1-2 from the first letter: uppers, then lowers, then a contraction. */
function wordEnd(text: string, at: number, n: number): number {
  const uppersEnd = runEnd(text, at, n, UPPER);
  if (uppersEnd < 0) return -1;
  const lowersEnd = runEnd(text, uppersEnd, n, LOWER);
  return lowersEnd < 0 ? -1 : contractionEnd(text, lowersEnd, n, true);
}

export const O200K_SPLIT: TiktokenSplit = tiktokenSplit(O200K_PATTERN, o200kAsciiPieceEnd);
