/**
 * `--hf-data-files`, written once in a flag or a YAML string, as `load_dataset(data_files=...)`
 * takes it: `GLOB[,GLOB...]` (all of it the train split), `SPLIT=GLOB[,GLOB...][;SPLIT=...]`,
 * or the same in JSON (a list of globs, or an object of split → glob or list of globs).
 */
export type HfDataFiles = string[] | Record<string, string[]>;

/** @throws Error saying what is wrong, for the config's message. */
export function parseHfDataFiles(value: string): HfDataFiles {
  const text = value.trim();
  if (text.startsWith("[") || text.startsWith("{")) return fromJson(text);
  const globs = (list: string) =>
    list
      .split(",")
      .map((glob) => glob.trim())
      .filter((glob) => glob !== "");
  if (!text.includes("=")) {
    const list = globs(text);
    if (list.length === 0) throw new Error("names no files");
    return list;
  }
  const splits: Record<string, string[]> = {};
  for (const part of text.split(";")) {
    if (part.trim() === "") continue;
    const at = part.indexOf("=");
    const split = part.slice(0, at).trim();
    const list = globs(part.slice(at + 1));
    if (at < 0 || !/^\w+(\.\w+)*$/.test(split) || list.length === 0)
      throw new Error(`"${part.trim()}" is not SPLIT=GLOB[,GLOB...]`);
    if (split in splits) throw new Error(`names split "${split}" twice`);
    splits[split] = list;
  }
  return splits;
}

function fromJson(text: string): HfDataFiles {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw new Error(`is not JSON: ${(error as Error).message}`);
  }
  const strings = (v: unknown): string[] | null =>
    typeof v === "string"
      ? [v]
      : Array.isArray(v) && v.length > 0 && v.every((s) => typeof s === "string")
        ? (v as string[])
        : null;
  if (Array.isArray(parsed)) {
    const list = strings(parsed);
    if (list === null) throw new Error("must be a non-empty list of globs");
    return list;
  }
  const splits: Record<string, string[]> = {};
  for (const [split, globs] of Object.entries(parsed as Record<string, unknown>)) {
    const list = strings(globs);
    if (list === null) throw new Error(`split "${split}" must map to a glob or a list of globs`);
    splits[split] = list;
  }
  if (Object.keys(splits).length === 0) throw new Error("names no split");
  return splits;
}
