/**
 * o200k's pre-tokenizer split, exactly tiktoken's (`pat_str` of o200k_base and o200k_harmony
 * in `tiktoken_ext/openai_public.py`, run by Rust's fancy-regex), with a hand-written scanner
 * for pieces made of ASCII and a regex for the rest.
 *
 * The regex is tiktoken's pattern in JavaScript's syntax. Two things need spelling out, where
 * gpt-tokenizer's copy of the pattern (and so its ids) differs from tiktoken: Rust's `\s` is
 * Unicode's White_Space, which has U+0085 (NEL) and not U+FEFF (BOM), where JavaScript's `\s`
 * has U+FEFF and not U+0085; and the contractions are matched case-insensitively (`(?i:'s|…)`),
 * where Unicode case folding also takes `ſ` (U+017F) as `s`.
 *
 * V8 runs the regex at ~30-40 MB/s: every position goes through its seven Unicode-property
 * alternatives. The scanner decides an ASCII piece with one table look-up per character. It
 * never guesses: whenever the piece's extent depends on a character outside ASCII (a letter,
 * mark, digit or space of another script might continue the run), it answers -1 and the caller
 * asks the regex, sticky at the same position. The regex always matches where the previous
 * piece ended (every character is matched by one of its alternatives), so scanning piece by
 * piece, either way, gives exactly the pieces of the regex run over the whole text; a property
 * test checks it.
 *
 * The alternatives, in the order the regex tries them (`P` = `[^\r\n\p{L}\p{N}]`, the optional
 * prefix; `C` = `'s|'t|'re|'ve|'m|'ll|'d` in either case), as they read on ASCII:
 *  1. `P? [A-Z]* [a-z]+ C?`   2. `P? [A-Z]+ [a-z]* C?`   (together: P? + uppers + lowers + C?)
 *  3. `\d{1,3}`   4. ` ?[^\s\p{L}\p{N}]+[\r\n/]*`   5. `\s*[\r\n]+`   6. `\s+(?!\S)`   7. `\s+`
 */
const WHITE_SPACE = String.raw`\t-\r \x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000`;
const CONTRACTION = String.raw`(?:'(?:[sS\u017f]|[tT]|[rR][eE]|[vV][eE]|[mM]|[lL][lL]|[dD]))?`;
const UPPERISH = String.raw`[\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]`;
const LOWERISH = String.raw`[\p{Ll}\p{Lm}\p{Lo}\p{M}]`;
const PREFIX = String.raw`[^\r\n\p{L}\p{N}]`;

/** tiktoken's o200k pattern; global, for splitting a whole text (tests, reference). */
export const O200K_PATTERN: RegExp = new RegExp(
  [
    `${PREFIX}?${UPPERISH}*${LOWERISH}+${CONTRACTION}`,
    `${PREFIX}?${UPPERISH}+${LOWERISH}*${CONTRACTION}`,
    String.raw`\p{N}{1,3}`,
    String.raw` ?[^${WHITE_SPACE}\p{L}\p{N}]+[\r\n/]*`,
    String.raw`[${WHITE_SPACE}]*[\r\n]+`,
    `[${WHITE_SPACE}]+(?![^${WHITE_SPACE}])`,
    `[${WHITE_SPACE}]+`,
  ].join("|"),
  "gu",
);

/** The same, sticky: the piece at `lastIndex`. */
const O200K_PIECE = new RegExp(O200K_PATTERN.source, "uy");

const UPPER = 1;
const LOWER = 2;
const DIGIT = 4;
/** `\s`: on ASCII, Unicode's White_Space and JavaScript's `\s` agree. */
const SPACE = 8;
const CR_LF = 16;
/** Neither space, letter nor digit: what alternative 4's run takes (controls included). */
const SYMBOL = 32;
const LETTER = UPPER | LOWER;

const CLASS = new Uint8Array(128);
for (let c = 0; c < 128; c++) {
  if (c >= 65 && c <= 90) CLASS[c] = UPPER;
  else if (c >= 97 && c <= 122) CLASS[c] = LOWER;
  else if (c >= 48 && c <= 57) CLASS[c] = DIGIT;
  else if (c === 10 || c === 13) CLASS[c] = SPACE | CR_LF;
  else if (c === 9 || c === 11 || c === 12 || c === 32) CLASS[c] = SPACE;
  else CLASS[c] = SYMBOL;
}

const APOSTROPHE = 39;
const SPACE_CHAR = 32;
const SLASH = 47;

/**
 * End (exclusive, in UTF-16 code units) of the o200k piece starting at `start` in `text`, when
 * ASCII characters alone decide it; -1 when a character at or after `start` that the decision
 * depends on is not ASCII (then `O200K_PIECE`, sticky at `start`, gives the piece).
 * `start` must be where the previous piece ended (0 for the first).
 */
export function asciiPieceEnd(text: string, start: number): number {
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
  if (kind & DIGIT) return digitsEnd(text, start, n);
  if (kind & SYMBOL) return symbolsEnd(text, start, n);
  if (first === SPACE_CHAR && start + 1 < n) {
    const next = text.charCodeAt(start + 1);
    if (next >= 128) return -1;
    if ((CLASS[next] as number) & SYMBOL) return symbolsEnd(text, start + 1, n);
  }
  return spacesEnd(text, start, n);
}

/** Alternatives 1-2 from the first letter: uppers, then lowers, then a contraction. */
function wordEnd(text: string, at: number, n: number): number {
  const uppersEnd = runEnd(text, at, n, UPPER);
  if (uppersEnd < 0) return -1;
  const lowersEnd = runEnd(text, uppersEnd, n, LOWER);
  return lowersEnd < 0 ? -1 : contractionEnd(text, lowersEnd, n);
}

/**
 * End of the run of ASCII characters of class `kind` from `at`; -1 when it stops on a
 * character outside ASCII, which may be a letter or mark that continues the run.
 */
function runEnd(text: string, at: number, n: number, kind: number): number {
  let end = at;
  while (end < n) {
    const c = text.charCodeAt(end);
    if (c >= 128) return -1;
    if (!((CLASS[c] as number) & kind)) break;
    end++;
  }
  return end;
}

/** `'s|'t|'re|'ve|'m|'ll|'d` (either case) at `at`, taken if there; -1 on `'` + non-ASCII. */
function contractionEnd(text: string, at: number, n: number): number {
  if (at + 1 >= n || text.charCodeAt(at) !== APOSTROPHE) return at;
  const next = text.charCodeAt(at + 1);
  if (next >= 128) return -1; // `ſ` folds to `s`: leave the case folding to the regex
  // `| 32` lower-cases ASCII letters; it maps no other code unit onto a lower-case letter.
  const a = next | 32;
  if (a === 115 || a === 116 || a === 109 || a === 100) return at + 2; // s t m d
  if (at + 2 >= n) return at;
  const b = text.charCodeAt(at + 2) | 32;
  if ((a === 108 && b === 108) || ((a === 118 || a === 114) && b === 101)) return at + 3; // ll ve re
  return at;
}

/** Alternative 3: up to three digits. */
function digitsEnd(text: string, at: number, n: number): number {
  let end = at;
  while (end < n && end - at < 3) {
    const c = text.charCodeAt(end);
    if (c >= 128) return -1; // another script's digit would belong to the run
    if (!((CLASS[c] as number) & DIGIT)) break;
    end++;
  }
  return end;
}

/** Alternative 4 after its optional space: a run of symbols, then any `\r`, `\n`, `/`. */
function symbolsEnd(text: string, at: number, n: number): number {
  let end = runEnd(text, at, n, SYMBOL);
  if (end < 0) return -1;
  while (end < n) {
    const c = text.charCodeAt(end);
    if (c !== 13 && c !== 10 && c !== SLASH) break;
    end++;
  }
  return end;
}

/** Alternatives 5-7 on a run of spaces (one that no letter or symbol claimed). */
function spacesEnd(text: string, at: number, n: number): number {
  const end = runEnd(text, at, n, SPACE);
  if (end < 0) return -1;
  // 5: `\s*[\r\n]+` backtracks to end just after the run's last CR or LF.
  for (let i = end - 1; i >= at; i--) {
    if ((CLASS[text.charCodeAt(i)] as number) & CR_LF) return i + 1;
  }
  // 6: `\s+(?!\S)` takes the whole run at the end of the text, else all but its last space;
  // 7: `\s+` takes the lone space before a non-space.
  if (end === n || end - at === 1) return end;
  return end - 1;
}

/**
 * The o200k pieces of `text` as `[start, end)` offsets, ASCII pieces by the scanner and the
 * others by the regex: the same pieces as `text.match(O200K_PATTERN)`.
 */
export function o200kPieces(text: string): Array<[start: number, end: number]> {
  const pieces: Array<[number, number]> = [];
  for (let start = 0; start < text.length; ) {
    const end = pieceEnd(text, start);
    pieces.push([start, end]);
    start = end;
  }
  return pieces;
}

/** End of the piece at `start`, by the scanner or else the regex. */
export function pieceEnd(text: string, start: number): number {
  const end = asciiPieceEnd(text, start);
  return end >= 0 ? end : regexPieceEnd(text, start);
}

/** End of the piece at `start` by the regex (where `asciiPieceEnd` answered -1). */
export function regexPieceEnd(text: string, start: number): number {
  O200K_PIECE.lastIndex = start;
  if (O200K_PIECE.exec(text) === null) {
    throw new Error(`o200k split: no piece at ${start} (the pattern matches every character)`);
  }
  return O200K_PIECE.lastIndex;
}
