/**
 * The pieces of tiktoken's split patterns that ASCII characters alone decide, with one table
 * look-up per character: shared by the scanners of `r50k-split.ts`, `cl100k-split.ts` and
 * `o200k-split.ts`.
 *
 * V8 runs the patterns at ~30-40 MB/s: every position goes through their Unicode-property
 * alternatives. A scanner never guesses: whenever a piece's extent depends on a character
 * outside ASCII (a letter, mark, digit or space of another script might continue a run), it
 * answers -1 and the caller asks the pattern, sticky at the same position. Every helper here
 * answers -1 the same way.
 */

export const UPPER = 1;
export const LOWER = 2;
export const DIGIT = 4;
/** `\s`: on ASCII, Unicode's White_Space and JavaScript's `\s` agree. */
export const SPACE = 8;
export const CR_LF = 16;
/** Neither space, letter nor digit: what a pattern's `[^\s\p{L}\p{N}]+` takes (controls too). */
export const SYMBOL = 32;
export const LETTER = UPPER | LOWER;

/** The class bits of each ASCII code. */
export const CLASS = new Uint8Array(128);
for (let c = 0; c < 128; c++) {
  if (c >= 65 && c <= 90) CLASS[c] = UPPER;
  else if (c >= 97 && c <= 122) CLASS[c] = LOWER;
  else if (c >= 48 && c <= 57) CLASS[c] = DIGIT;
  else if (c === 10 || c === 13) CLASS[c] = SPACE | CR_LF;
  else if (c === 9 || c === 11 || c === 12 || c === 32) CLASS[c] = SPACE;
  else CLASS[c] = SYMBOL;
}

export const APOSTROPHE = 39;
export const SPACE_CHAR = 32;
const SLASH = 47;

/**
 * End of the run of ASCII characters of class `kind` from `at`; -1 when it stops on a
 * character outside ASCII, which may be a letter, mark, digit or space that continues the run.
 */
export function runEnd(text: string, at: number, n: number, kind: number): number {
  let end = at;
  while (end < n) {
    const c = text.charCodeAt(end);
    if (c >= 128) return -1;
    if (!((CLASS[c] as number) & kind)) break;
    end++;
  }
  return end;
}

/**
 * `'s|'t|'re|'ve|'m|'ll|'d` at `at`, taken if there: its end, or `at` when there is none; in
 * either case when `anyCase` (tiktoken's `(?i:…)`), else lower case only. -1 on `'` followed
 * by a character outside ASCII when `anyCase`: `ſ` folds to `s`, left to the pattern.
 */
export function contractionEnd(text: string, at: number, n: number, anyCase: boolean): number {
  if (at + 1 >= n || text.charCodeAt(at) !== APOSTROPHE) return at;
  const next = text.charCodeAt(at + 1);
  if (next >= 128) return anyCase ? -1 : at;
  // `| 32` lower-cases ASCII letters; it maps no other code unit onto a lower-case letter.
  const fold = anyCase ? 32 : 0;
  const a = next | fold;
  if (a === 115 || a === 116 || a === 109 || a === 100) return at + 2; // s t m d
  if (at + 2 >= n) return at;
  const b = text.charCodeAt(at + 2) | fold;
  if ((a === 108 && b === 108) || ((a === 118 || a === 114) && b === 101)) return at + 3; // ll ve re
  return at;
}

/** `\p{N}{1,max}` on ASCII digits from `at`. */
export function digitsEnd(text: string, at: number, n: number, max: number): number {
  let end = at;
  while (end < n && end - at < max) {
    const c = text.charCodeAt(end);
    if (c >= 128) return -1; // another script's digit would belong to the run
    if (!((CLASS[c] as number) & DIGIT)) break;
    end++;
  }
  return end;
}

/** What may follow a run of symbols: nothing (r50k), `[\r\n]*` (cl100k), `[\r\n/]*` (o200k). */
export const SymbolTail = { None: 0, LineEnds: 1, LineEndsAndSlash: 2 } as const;
export type SymbolTail = (typeof SymbolTail)[keyof typeof SymbolTail];

/** `[^\s\p{L}\p{N}]+` from `at` (after the pattern's optional space), then `tail`. */
export function symbolsEnd(text: string, at: number, n: number, tail: SymbolTail): number {
  let end = runEnd(text, at, n, SYMBOL);
  if (end < 0 || tail === SymbolTail.None) return end;
  while (end < n) {
    const c = text.charCodeAt(end);
    if (c !== 13 && c !== 10 && (c !== SLASH || tail !== SymbolTail.LineEndsAndSlash)) break;
    end++;
  }
  return end;
}

/** How a pattern ends a run of spaces that no letter, digit or symbol claimed. */
export const SpaceRule = {
  /** r50k: `\s++$|\s+(?!\S)|\s`. */
  R50k: 0,
  /** cl100k: `\s++$|\s*[\r\n]|\s+(?!\S)|\s`. */
  Cl100k: 1,
  /** o200k: `\s*[\r\n]+|\s+(?!\S)|\s+`. */
  O200k: 2,
} as const;
export type SpaceRule = (typeof SpaceRule)[keyof typeof SpaceRule];

/** The end of the piece at `at`, the start of a run of spaces. */
export function spacesEnd(text: string, at: number, n: number, rule: SpaceRule): number {
  const end = runEnd(text, at, n, SPACE);
  if (end < 0) return -1;
  // `\s++$`: the whole run at the end of the text (before the line-break rule in cl100k).
  if (end === n && rule !== SpaceRule.O200k) return end;
  if (rule !== SpaceRule.R50k) {
    // `\s*[\r\n]` (and `+`) backtracks to end just after the run's last CR or LF.
    for (let i = end - 1; i >= at; i--) {
      if ((CLASS[text.charCodeAt(i)] as number) & CR_LF) return i + 1;
    }
  }
  // `\s+(?!\S)` takes the whole run at the end of the text, else all but its last space;
  // `\s` (or `\s+`) takes the lone space before a non-space.
  if (end === n || end - at === 1) return end;
  return end - 1;
}
