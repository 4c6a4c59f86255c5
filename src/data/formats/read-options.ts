import type { EncodingErrors } from "./encoding-errors.js";

/** How the row readers read a dataset file; one object for every backend that uses them. */
export interface ReadOptions {
  /** CSV column / JSON field holding the text; null to guess (see pick-text.ts). */
  readonly textColumn: string | null;
  /** The flag that sets `textColumn`, for messages: `--text-column`, `--hf-text-field`. */
  readonly textColumnFlag: string;
  /** CSV field delimiter (one character); null to detect it (`.tsv`: tab). */
  readonly csvDelimiter: string | null;
  readonly encodingErrors: EncodingErrors;
  /**
   * A choice the reader made for the user (a guessed column, a detected delimiter): one line
   * for stderr. `key` names the choice, so that a backend says each one once per run, however
   * many files and epochs make it again.
   */
  readonly notice: (key: string, message: string) => void;
  /**
   * How `.txt` files become rows as `datasets`' text builder makes them (the hf backend): a row
   * per line (blank lines are rows, counted as empty), per paragraph (text between blank
   * lines), or the whole file; line breaks kept or not. Unset: one row per non-blank line,
   * blank lines not rows (the custom backend).
   */
  readonly text?: TextSampling;
  /** CSV beyond the delimiter, as `datasets`' csv builder reads it through pandas (the hf backend). */
  readonly csv?: CsvDialect;
  /** `.json` files are one object whose `jsonField` holds the rows (`datasets`' json `field`). */
  readonly jsonField?: string | null;
  /**
   * Told the delimiter and the name of the text column a CSV file is read with, once both are
   * settled (before its first row): the custom backend reads the rest of a large file block by
   * block with the same, instead of detecting and guessing again from each block.
   */
  readonly onCsvSettled?: (settled: {
    readonly delimiter: string;
    readonly column: string;
  }) => void;
}

export interface TextSampling {
  readonly sampleBy: "line" | "paragraph" | "document";
  readonly keepLinebreaks: boolean;
}

export interface CsvDialect {
  /** Quote character (pandas' `quotechar`). */
  readonly quote: string;
  /** Record holding the column names; null for none (columns "0", "1", ...); "infer": 0 unless `names`. */
  readonly header: number | null | "infer";
  /** Column names (pandas' `names`): with header "infer" every record is data. */
  readonly names: readonly string[] | null;
  /** Cells read as missing (pandas' `na_values`), so their rows have no text. */
  readonly naValues: readonly string[];
}

export const DEFAULT_READ_OPTIONS: ReadOptions = {
  textColumn: null,
  textColumnFlag: "--text-column",
  csvDelimiter: null,
  encodingErrors: "skip",
  notice: () => {},
};

/** `say`, once per key: what a backend passes as `notice`. */
export function oncePerKey(say: (message: string) => void): ReadOptions["notice"] {
  const said = new Set<string>();
  return (key, message) => {
    if (said.has(key)) return;
    said.add(key);
    say(message);
  };
}
