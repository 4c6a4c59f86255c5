import { parse } from "csv-parse/sync";

/** Delimiters told apart by `detectDelimiter`, in order of preference on a tie. */
export const DELIMITER_CANDIDATES: readonly string[] = [",", "\t", ";", "|"];

/**
 * The field delimiter of CSV text, from its first records (`head`: the start of the file, the
 * whole of it when `complete`). Each candidate is tried with the CSV parser itself, so quoted
 * fields holding delimiters or line breaks are read as one field. A candidate must split the
 * header into two or more fields; the winner is the one under which the largest share of the
 * other records has exactly the header's field count (a record the parser rejects counts
 * against it); on a tie the earlier candidate wins. Null when no candidate splits the header (a
 * one-column file: any delimiter reads it the same).
 */
export function detectDelimiter(head: string, complete: boolean): string | null {
  // A cut-off sample ends inside a record: keep whole lines, and forgive a quote the cut left open.
  const text = complete ? head : head.slice(0, head.lastIndexOf("\n") + 1);
  let best: { delimiter: string; share: number } | null = null;
  for (const delimiter of DELIMITER_CANDIDATES) {
    let rejected = 0;
    const records = parse(text, {
      delimiter,
      relax_column_count: true,
      relax_quotes: true,
      skip_empty_lines: true,
      skip_records_with_error: true,
      on_skip: (error) => {
        if (complete || error?.code !== "CSV_QUOTE_NOT_CLOSED") rejected++;
        return undefined;
      },
    }) as string[][];
    const fields = records[0]?.length ?? 0;
    if (fields < 2) continue;
    const others = records.length - 1 + rejected;
    const matching = records.slice(1).filter((record) => record.length === fields).length;
    const share = others === 0 ? 1 : matching / others;
    if (best === null || share > best.share) best = { delimiter, share };
  }
  return best?.delimiter ?? null;
}
