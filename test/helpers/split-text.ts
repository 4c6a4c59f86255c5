import fc from "fast-check";

/**
 * Characters that steer each alternative of the tiktoken split patterns: ASCII letters of both
 * cases (those of the contractions among them) and whole contractions, digits, every ASCII
 * space, CR/LF, `/`, symbols and controls; letters of other scripts, title case (ǅ), modifier
 * letters (ʰ), runs of digits and spaces, combining and spacing marks, digits and numbers outside ASCII (٣, ², Ⅻ), spaces
 * outside ASCII (NBSP, em space, ideographic space, line separator, NEL, BOM), punctuation and
 * an emoji (a surrogate pair).
 */
const UNITS = [
  ..."abdelmrstvxzAEDLMRSTVXZ",
  "'s",
  "'T",
  "'ll",
  "'LL",
  "'vE",
  "'re",
  "'d",
  "'m",
  "'",
  ..."0179",
  "2024",
  " ",
  " ",
  " ",
  "\t",
  "\n",
  "\r",
  "\r\n",
  "  ",
  "\n\n",
  "\v",
  "\f",
  ...'.,/-!("<|=_',
  "\u0000",
  "\u001f",
  "\u007f",
  ..."éßÄǅʰωΩжЖ中اſ",
  "\u0301",
  "\u0300",
  "\u093f",
  ..."²٣Ⅻ",
  "\u00a0",
  "\u2003",
  "\u3000",
  "\u2028",
  "\u0085",
  "\ufeff",
  ..."—€“…",
  "😀",
];

/**
 * Random text for the split: 0-40 of the units above. `loneSurrogates` adds unpaired halves of
 * a surrogate pair, which JavaScript strings can hold and UTF-8 (so Python) cannot; units
 * holding a character of `without` are left out.
 */
export function splitText({ loneSurrogates = false, without = "" } = {}): fc.Arbitrary<string> {
  const units = (loneSurrogates ? [...UNITS, "\ud83d", "\ude00"] : UNITS).filter(
    (unit) => ![...without].some((char) => unit.includes(char)),
  );
  return fc.string({ unit: fc.constantFrom(...units), maxLength: 40 });
}
