/**
 * `--dataset-mix` / `memory.dataset.mix` as written: a list of sources, each a dataset URI with
 * an optional weight, an optional name and optional dataset options of its own.
 *
 * On the command line, `URI=WEIGHT,URI=WEIGHT,...`: entries are separated by commas outside
 * `{…}` (so a brace pattern `wds://s-{a,b}.tar` stays whole), and the weight is what follows an
 * entry's last `=` (so a URI may hold `=` when a weight follows it). An entry without `=` has
 * no weight. Anything this cannot say (a comma outside braces, per-source options) is written as
 * JSON, the list a YAML file holds: `--dataset-mix '[{"uri": "a.txt", "weight": 2}]'`.
 */

/** One source as a YAML file holds it; keys beside uri, weight and name are dataset options. */
export interface MixEntry {
  readonly uri: string;
  /** Relative weight (any positive scale); null in every entry means round robin. */
  readonly weight: number | null;
  /** What logs and metrics call the source (default: its URI). */
  readonly name?: string;
  readonly [option: string]: unknown;
}

/** What `sourceName` calls an entry: its name, else its URI. */
export function sourceName(entry: MixEntry): string {
  return entry.name ?? entry.uri;
}

/** How an entry is named in a message: `source 2 (hf://wikitext)`, counting from 1. */
export function describeSource(entry: Pick<MixEntry, "uri" | "name">, index: number): string {
  return `source ${index + 1} (${entry.name ?? entry.uri})`;
}

/**
 * A mixture from a flag (compact or JSON text) or from YAML (a list), checked.
 * @returns the entries, or the problem (naming the source at fault) as a string.
 */
export function parseMixEntries(value: unknown): MixEntry[] | string {
  let list: unknown = value;
  if (typeof value === "string") {
    const text = value.trim();
    if (text === "") return "names no source: a mixture needs at least one";
    if (text.startsWith("[")) {
      try {
        list = JSON.parse(text);
      } catch (error) {
        return `is not valid JSON: ${(error as Error).message}`;
      }
    } else {
      const parsed = parseCompact(text);
      if (typeof parsed === "string") return parsed;
      list = parsed;
    }
  }
  if (!Array.isArray(list)) return "must be a list of sources (uri, weight)";
  if (list.length === 0) return "names no source: a mixture needs at least one";
  const entries: MixEntry[] = [];
  for (const [index, item] of list.entries()) {
    const entry = checkEntry(item, index);
    if (typeof entry === "string") return entry;
    entries.push(entry);
  }
  const weighted = entries.filter((entry) => entry.weight !== null).length;
  if (weighted !== 0 && weighted !== entries.length) {
    const bare = entries.findIndex((entry) => entry.weight === null);
    return `${describeSource(entries[bare] as MixEntry, bare)} has no weight while others have one: give every source a weight, or none (round robin)`;
  }
  const seen = new Map<string, number>();
  for (const [index, entry] of entries.entries()) {
    const earlier = seen.get(sourceName(entry));
    if (earlier !== undefined) {
      return `${describeSource(entry, index)} has the same name as source ${earlier + 1}: give one of them a name of its own (name: …, in the JSON or YAML form)`;
    }
    seen.set(sourceName(entry), index);
  }
  return entries;
}

function checkEntry(item: unknown, index: number): MixEntry | string {
  if (typeof item !== "object" || item === null || Array.isArray(item))
    return `source ${index + 1} must be a mapping with a uri and a weight`;
  const record = item as Record<string, unknown>;
  const { uri, weight, name } = record;
  if (typeof uri !== "string" || uri.trim() === "")
    return `source ${index + 1} has no uri (a dataset path or URI: file://, hf://, wds://)`;
  const label = describeSource({ uri, name: typeof name === "string" ? name : undefined }, index);
  if (name !== undefined && (typeof name !== "string" || name.trim() === ""))
    return `${label}: name must be non-empty text`;
  let checked: number | null = null;
  if (weight !== undefined && weight !== null) {
    const number = typeof weight === "string" && weight.trim() !== "" ? Number(weight) : weight;
    if (typeof number !== "number" || !Number.isFinite(number) || number <= 0)
      return `${label}: weight ${JSON.stringify(weight)} is not a positive number`;
    checked = number;
  }
  return { ...record, uri, weight: checked };
}

/** `URI=W,URI=W` → entries (weights still text, checked with the rest). */
function parseCompact(text: string): Record<string, unknown>[] | string {
  const entries: Record<string, unknown>[] = [];
  for (const [index, part] of splitOutsideBraces(text).entries()) {
    const item = part.trim();
    if (item === "")
      return `entry ${index + 1} is empty: write URI=WEIGHT,URI=WEIGHT (no trailing comma)`;
    const at = item.lastIndexOf("=");
    if (at < 0) {
      entries.push({ uri: item });
      continue;
    }
    const uri = item.slice(0, at).trim();
    const weight = item.slice(at + 1).trim();
    if (uri === "") return `entry ${index + 1} "${item}" has a weight but no URI`;
    entries.push({ uri, weight: weight === "" ? "(empty)" : weight });
  }
  return entries;
}

/** Splits at commas that are not inside `{…}` (brace expansions of shard patterns). */
function splitOutsideBraces(text: string): string[] {
  const parts: string[] = [];
  let depth = 0;
  let start = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === "{") depth++;
    else if (c === "}" && depth > 0) depth--;
    else if (c === "," && depth === 0) {
      parts.push(text.slice(start, i));
      start = i + 1;
    }
  }
  parts.push(text.slice(start));
  return parts;
}

/**
 * Entries back as flag text, so that parsing it gives them again: the compact form where it can
 * say everything, else JSON. (The GUI runs training through flags.)
 */
export function formatMixFlag(entries: readonly MixEntry[]): string {
  const compact = entries.every((entry) => {
    const extra = Object.keys(entry).some((key) => key !== "uri" && key !== "weight");
    const parts = splitOutsideBraces(entry.uri);
    return (
      !extra &&
      parts.length === 1 &&
      entry.uri.trim() === entry.uri &&
      !entry.uri.startsWith("[") &&
      (entry.weight !== null || !entry.uri.includes("="))
    );
  });
  if (!compact) return JSON.stringify(entries);
  return entries
    .map((entry) => (entry.weight === null ? entry.uri : `${entry.uri}=${entry.weight}`))
    .join(",");
}
