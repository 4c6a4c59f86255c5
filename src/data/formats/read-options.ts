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
