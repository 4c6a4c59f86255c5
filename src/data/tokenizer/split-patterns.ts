/**
 * tiktoken's pre-tokenizer patterns (`pat_str` in `tiktoken_ext/openai_public.py`, tiktoken
 * 0.14, run by Rust's fancy-regex), written for JavaScript's `RegExp` so that they split every
 * text into the same pieces. gpt-tokenizer's copies differ from tiktoken's on three characters,
 * and so do its ids; these follow Rust's rules where JavaScript's differ:
 *
 * - Rust's `\s` is Unicode's White_Space, which has U+0085 (NEL) and not U+FEFF (BOM), where
 *   JavaScript's `\s` has U+FEFF and not U+0085: every `\s` is spelled as `WHITE_SPACE`.
 * - `(?i:…)` folds case with Unicode's simple case folding, which also takes `ſ` (U+017F) as
 *   `s` (Python tiktoken gives `'ſ` as a contraction); the contractions are spelled out by case.
 * - Possessive quantifiers (`?+`, `++`, `{1,3}+`, `*+`), which JavaScript lacks, are written
 *   greedy: in each place what follows the quantified atom cannot match what it gave back
 *   (`\p{L}` after the prefix class that excludes it, end of alternative after a run, `[\r\n]`
 *   after a class without `\s`, `$` after the whole run of spaces), so backtracking into it
 *   never finds another match and greedy and possessive agree.
 *
 * Without the `m` flag `$` is the end of the text in both. All three are global (`gu`): each
 * alternative matches any character, so the matches tile the text.
 */

/** Unicode's White_Space: Rust's `\s`. */
export const WHITE_SPACE = String.raw`\t-\r \x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000`;
const S = `[${WHITE_SPACE}]`;
const NOT_S = `[^${WHITE_SPACE}]`;
/** `[^\s\p{L}\p{N}]`: neither space, letter nor number. */
const SYMBOL = String.raw`[^${WHITE_SPACE}\p{L}\p{N}]`;
/** `(?i:'s|'t|'re|'ve|'m|'ll|'d)`, with `ſ` folding to `s`. */
const CONTRACTION_ANY_CASE = String.raw`'(?:[sS\u017f]|[tT]|[rR][eE]|[vV][eE]|[mM]|[lL][lL]|[dD])`;

/**
 * r50k_base, p50k_base, p50k_edit (and gpt2):
 * `'(?:[sdmt]|ll|ve|re)| ?\p{L}++| ?\p{N}++| ?[^\s\p{L}\p{N}]++|\s++$|\s+(?!\S)|\s`.
 * Its contractions are lower case only.
 */
export const R50K_PATTERN: RegExp = new RegExp(
  [
    "'(?:[sdmt]|ll|ve|re)",
    String.raw` ?\p{L}+`,
    String.raw` ?\p{N}+`,
    ` ?${SYMBOL}+`,
    `${S}+$`,
    `${S}+(?!${NOT_S})`,
    S,
  ].join("|"),
  "gu",
);

/**
 * cl100k_base: `'(?i:[sdmt]|ll|ve|re)|[^\r\n\p{L}\p{N}]?+\p{L}++|\p{N}{1,3}+|
 * ?[^\s\p{L}\p{N}]++[\r\n]*+|\s++$|\s*[\r\n]|\s+(?!\S)|\s`.
 */
export const CL100K_PATTERN: RegExp = new RegExp(
  [
    CONTRACTION_ANY_CASE,
    String.raw`[^\r\n\p{L}\p{N}]?\p{L}+`,
    String.raw`\p{N}{1,3}`,
    ` ?${SYMBOL}+[\\r\\n]*`,
    `${S}+$`,
    `${S}*[\\r\\n]`,
    `${S}+(?!${NOT_S})`,
    S,
  ].join("|"),
  "gu",
);

const UPPERISH = String.raw`[\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]`;
const LOWERISH = String.raw`[\p{Ll}\p{Lm}\p{Lo}\p{M}]`;
const PREFIX = String.raw`[^\r\n\p{L}\p{N}]`;

/**
 * o200k_base and o200k_harmony: seven alternatives (`P` = `[^\r\n\p{L}\p{N}]`, `C` =
 * `(?i:'s|'t|'re|'ve|'m|'ll|'d)`): `P?[\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]*[\p{Ll}\p{Lm}\p{Lo}\p{M}]+C?`,
 * `P?[\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]+[\p{Ll}\p{Lm}\p{Lo}\p{M}]*C?`, `\p{N}{1,3}`,
 * ` ?[^\s\p{L}\p{N}]+[\r\n/]*`, `\s*[\r\n]+`, `\s+(?!\S)`, `\s+`.
 */
export const O200K_PATTERN: RegExp = new RegExp(
  [
    `${PREFIX}?${UPPERISH}*${LOWERISH}+(?:${CONTRACTION_ANY_CASE})?`,
    `${PREFIX}?${UPPERISH}+${LOWERISH}*(?:${CONTRACTION_ANY_CASE})?`,
    String.raw`\p{N}{1,3}`,
    ` ?${SYMBOL}+[\\r\\n/]*`,
    `${S}*[\\r\\n]+`,
    `${S}+(?!${NOT_S})`,
    `${S}+`,
  ].join("|"),
  "gu",
);
