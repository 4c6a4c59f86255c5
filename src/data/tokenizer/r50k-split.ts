import {
  APOSTROPHE,
  CLASS,
  contractionEnd,
  DIGIT,
  LETTER,
  runEnd,
  SPACE,
  SPACE_CHAR,
  SpaceRule,
  SYMBOL,
  SymbolTail,
  spacesEnd,
  symbolsEnd,
} from "./ascii-scan.js";
import { R50K_PATTERN } from "./split-patterns.js";
import { type TiktokenSplit, tiktokenSplit } from "./tiktoken-split.js";

/**
 * The split of r50k_base, p50k_base and p50k_edit (and gpt2): `R50K_PATTERN` and its ASCII
 * scanner.
 *
 * The alternatives, in the order the pattern tries them, as they read on ASCII:
 * 1. `'s|'t|'re|'ve|'m|'ll|'d` (lower case)   2. ` ?[A-Za-z]+`   3. ` ?\d+`
 * 4. ` ?[^\s\p{L}\p{N}]+`   5. `\s++$`   6. `\s+(?!\S)`   7. `\s`
 */
export function r50kAsciiPieceEnd(text: string, start: number): number {
  const n = text.length;
  const first = text.charCodeAt(start);
  if (first >= 128) return -1;
  if (first === APOSTROPHE) {
    const end = contractionEnd(text, start, n, false);
    if (end !== start) return end;
  }
  let at = start;
  if (first === SPACE_CHAR && start + 1 < n) {
    // The optional space of alternatives 2-4 (a space before a space starts a run of spaces).
    const next = text.charCodeAt(start + 1);
    if (next >= 128) return -1;
    if (!((CLASS[next] as number) & SPACE)) at = start + 1;
  }
  const kind = CLASS[text.charCodeAt(at)] as number;
  if (kind & LETTER) return runEnd(text, at, n, LETTER);
  if (kind & DIGIT) return runEnd(text, at, n, DIGIT);
  if (kind & SYMBOL) return symbolsEnd(text, at, n, SymbolTail.None);
  return spacesEnd(text, start, n, SpaceRule.R50k);
}

export const R50K_SPLIT: TiktokenSplit = tiktokenSplit(R50K_PATTERN, r50kAsciiPieceEnd);
