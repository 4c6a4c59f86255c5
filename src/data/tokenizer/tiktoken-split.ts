/**
 * A tiktoken encoding's pre-tokenizer split: its pattern (`split-patterns.ts`) and a scanner
 * that decides the pieces made of ASCII without it. The pattern matches where the previous
 * piece ended (every character is matched by one of its alternatives), so scanning piece by
 * piece, by the scanner or else the pattern sticky at the same position, gives exactly the
 * pieces of the pattern run over the whole text; property tests check it for each encoding.
 */
export interface TiktokenSplit {
  /** tiktoken's pattern, global: for splitting a whole text (tests, reference). */
  readonly pattern: RegExp;
  /**
   * End (exclusive, in UTF-16 code units) of the piece starting at `start` in `text` when
   * ASCII characters alone decide it; -1 when a character the decision depends on is not
   * ASCII. `start` must be where the previous piece ended (0 for the first).
   */
  asciiPieceEnd(text: string, start: number): number;
  /** End of the piece at `start` by the pattern (where `asciiPieceEnd` answered -1). */
  regexPieceEnd(text: string, start: number): number;
}

/** The split of `pattern` (global, `u`) with the scanner `asciiPieceEnd`. */
export function tiktokenSplit(
  pattern: RegExp,
  asciiPieceEnd: (text: string, start: number) => number,
): TiktokenSplit {
  const sticky = new RegExp(pattern.source, "uy");
  return {
    pattern,
    asciiPieceEnd,
    regexPieceEnd(text, start) {
      sticky.lastIndex = start;
      if (sticky.exec(text) === null) {
        throw new Error(
          `tiktoken split: no piece at ${start} (the pattern matches every character)`,
        );
      }
      return sticky.lastIndex;
    },
  };
}

/**
 * The pieces of `text` as `[start, end)` offsets, ASCII pieces by the scanner and the others
 * by the pattern: the same pieces as `text.match(split.pattern)`.
 */
export function splitPieces(
  split: TiktokenSplit,
  text: string,
): Array<[start: number, end: number]> {
  const pieces: Array<[number, number]> = [];
  for (let start = 0; start < text.length; ) {
    let end = split.asciiPieceEnd(text, start);
    if (end < 0) end = split.regexPieceEnd(text, start);
    pieces.push([start, end]);
    start = end;
  }
  return pieces;
}
