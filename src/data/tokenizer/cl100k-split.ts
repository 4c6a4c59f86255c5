import {
  APOSTROPHE,
  CLASS,
  CR_LF,
  contractionEnd,
  DIGIT,
  digitsEnd,
  LETTER,
  runEnd,
  SPACE_CHAR,
  SpaceRule,
  SYMBOL,
  SymbolTail,
  spacesEnd,
  symbolsEnd,
} from "./ascii-scan.js";
import { CL100K_PATTERN } from "./split-patterns.js";
import { type TiktokenSplit, tiktokenSplit } from "./tiktoken-split.js";

/**
 * cl100k_base's split: `CL100K_PATTERN` and its ASCII scanner.
 *
 * The alternatives, in the order the pattern tries them (`P` = `[^\r\n\p{L}\p{N}]`), as they
 * read on ASCII: 1. `'s|'t|'re|'ve|'m|'ll|'d` in either case   2. `P? [A-Za-z]+`
 * 3. `\d{1,3}`   4. ` ?[^\s\p{L}\p{N}]+[\r\n]*`   5. `\s++$`   6. `\s*[\r\n]`
 * 7. `\s+(?!\S)`   8. `\s`
 */
export function cl100kAsciiPieceEnd(text: string, start: number): number {
  const n = text.length;
  const first = text.charCodeAt(start);
  if (first >= 128) return -1;
  if (first === APOSTROPHE) {
    const end = contractionEnd(text, start, n, true);
    if (end !== start) return end; // a contraction, or -1
  }
  const kind = CLASS[first] as number;
  if (kind & LETTER) return runEnd(text, start, n, LETTER);
  if (!(kind & (DIGIT | CR_LF)) && start + 1 < n) {
    // A prefix `P` (a symbol, or a space other than CR/LF) followed by a letter starts a word.
    const next = text.charCodeAt(start + 1);
    if (next >= 128) return -1;
    if ((CLASS[next] as number) & LETTER) return runEnd(text, start + 1, n, LETTER);
  }
  if (kind & DIGIT) return digitsEnd(text, start, n, 3);
  if (kind & SYMBOL) return symbolsEnd(text, start, n, SymbolTail.LineEnds);
  if (first === SPACE_CHAR && start + 1 < n) {
    const next = text.charCodeAt(start + 1);
    if (next >= 128) return -1;
    if ((CLASS[next] as number) & SYMBOL)
      return symbolsEnd(text, start + 1, n, SymbolTail.LineEnds);
  }
  return spacesEnd(text, start, n, SpaceRule.Cl100k);
}

export const CL100K_SPLIT: TiktokenSplit = tiktokenSplit(CL100K_PATTERN, cl100kAsciiPieceEnd);
