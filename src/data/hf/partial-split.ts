import { parquetMetadataAsync } from "hyparquet";
import { formatBytes } from "../../core/format-bytes.js";
import { httpRangeBuffer } from "./http-range-buffer.js";
import type { HubClient } from "./hub-client.js";
import type { HfDataFile } from "./resolve-split.js";

/** Bytes fetched from the end of a file to find its footer. */
const FOOTER_GUESS = 64 * 1024;

/**
 * The warning for a `partial-{split}` of the parquet conversion (the Hub converts only about the
 * first 5 GB of a split): how many rows it holds (from the files' footers) and, where the
 * dataset card's `dataset_info` says how many the split has, which fraction that is.
 */
export async function describePartial(
  hub: HubClient,
  name: string,
  config: string,
  split: string,
  files: readonly HfDataFile[],
  card: Record<string, unknown> | null,
): Promise<string> {
  let rows = 0;
  for (const file of files) {
    const metadata = await parquetMetadataAsync(httpRangeBuffer(hub, file.location, file.size), {
      initialFetchSize: FOOTER_GUESS,
    });
    rows += Number(metadata.num_rows);
  }
  const bytes = files.reduce((sum, file) => sum + file.size, 0);
  const head = `${name}:${config}:${split} is read from the Hub's parquet conversion, which holds only the start of the split (partial-${split})`;
  const total = cardSplitRows(card, config, split);
  if (total !== null && total > 0) {
    const percent = (100 * rows) / total;
    return `${head}: ${rows.toLocaleString("en-US")} of ${total.toLocaleString("en-US")} rows (${percent < 0.1 ? percent.toPrecision(2) : percent.toFixed(1)}%), by the dataset card's count`;
  }
  return `${head}: ${rows.toLocaleString("en-US")} rows in ${formatBytes(bytes)} of parquet; the dataset card does not say how many rows the split has, so the fraction is unknown (the Hub converts about the first 5 GB of a split)`;
}

/** `dataset_info.splits[].num_examples` for the config's split, from a card's YAML. */
export function cardSplitRows(
  card: Record<string, unknown> | null,
  config: string,
  split: string,
): number | null {
  const info = card?.dataset_info;
  const entries = Array.isArray(info) ? info : info === undefined || info === null ? [] : [info];
  for (const entry of entries) {
    if (typeof entry !== "object" || entry === null) continue;
    const { config_name: name, splits } = entry as Record<string, unknown>;
    if ((typeof name === "string" ? name : "default") !== config || !Array.isArray(splits))
      continue;
    for (const item of splits) {
      const { name: splitName, num_examples: count } = (item ?? {}) as Record<string, unknown>;
      if (splitName === split && typeof count === "number") return count;
    }
  }
  return null;
}
