/**
 * Which files make each split, by `datasets`' own rules (`src/datasets/data_files.py`, 5.0):
 * `sanitize_patterns` for `data_files` given by a card or a user, `get_data_patterns` for a repo
 * that names none, and `DataFilesList.from_patterns` to resolve patterns into files. Patterns
 * are the same strings `datasets` builds, so the same globs match the same files.
 */
import { AiosError } from "../../core/errors.js";
import { basename, hasMagic, matchPattern } from "./hub-glob.js";

/** Split → its patterns, in the order `datasets` lists them. */
export type SplitPatterns = Map<string, string[]>;

const NON_WORDS_CHARS = "-._ 0-9";
const SPLIT_KEYWORDS: Readonly<Record<string, readonly string[]>> = {
  train: ["train", "training"],
  validation: ["validation", "valid", "dev", "val"],
  test: ["test", "testing", "eval", "evaluation"],
};
const DEFAULT_SPLITS = ["train", "validation", "test"];
const KEYWORDS_IN_FILENAME = ["**/{keyword}[{sep}]*", "**/*[{sep}]{keyword}[{sep}]*"];
const KEYWORDS_IN_DIR_NAME = [
  "**/{keyword}/**",
  "**/{keyword}[{sep}]*/**",
  "**/*[{sep}]{keyword}/**",
  "**/*[{sep}]{keyword}[{sep}]*/**",
];
/** `data/{split}-00000-of-00001.parquet`: what `push_to_hub` writes. */
const SPLIT_PATTERN_SHARDED =
  "data/{split}-[0-9][0-9][0-9][0-9][0-9]-of-[0-9][0-9][0-9][0-9][0-9]*.*";

function keywordPatterns(bases: readonly string[]): SplitPatterns {
  return new Map(
    DEFAULT_SPLITS.map((split) => [
      split,
      (SPLIT_KEYWORDS[split] ?? []).flatMap((keyword) =>
        bases.map((base) =>
          base.replaceAll("{keyword}", keyword).replaceAll("{sep}", NON_WORDS_CHARS),
        ),
      ),
    ]),
  );
}

/** `ALL_DEFAULT_PATTERNS`, in the order `datasets` tries them. */
const ALL_DEFAULT_PATTERNS: readonly SplitPatterns[] = [
  new Map([["logs", ["**/*.eval"]]]),
  keywordPatterns(KEYWORDS_IN_DIR_NAME),
  keywordPatterns(KEYWORDS_IN_FILENAME),
  new Map([["train", ["**"]]]),
];

/** `datasets.naming._split_re`. */
const SPLIT_NAME = /^[\p{L}\p{N}_]+(\.[\p{L}\p{N}_]+)*$/u;

/** Thrown where `datasets` raises EmptyDatasetError: no file matches any default pattern. */
export class NoDataFilesError extends Error {}

/**
 * `get_data_patterns`: the split patterns of a repo (or of `dataDir` inside it) that names no
 * `data_files`. First the sharded layout `data/{split}-NNNNN-of-NNNNN*.*`, whatever the split
 * names; else the first of: `.eval` logs, split names as directories, split names as words of
 * file names, everything as `train`. Any file counts here (not only data formats).
 *
 * @param paths every file of the repo. @param dataDir a directory to look in, or "".
 * @throws NoDataFilesError when nothing matches.
 */
export function getDataPatterns(paths: readonly string[], dataDir: string): SplitPatterns {
  const resolves = (pattern: string) => matchPattern(paths, joinBase(dataDir, pattern)).length > 0;
  const sharded = matchPattern(
    paths,
    joinBase(dataDir, SPLIT_PATTERN_SHARDED.replace("{split}", "*")),
  );
  if (sharded.length > 0) {
    const splits = new Set<string>();
    const shape = /(.+)-[0-9][0-9][0-9][0-9][0-9]-of-[0-9][0-9][0-9][0-9][0-9]*.*/s;
    for (const path of sharded) {
      const split = shape.exec(basename(path))?.[1];
      if (split === undefined) continue;
      if (!SPLIT_NAME.test(split)) {
        throw new AiosError(
          "DATASET_CARD",
          `${path}: "${split}" is not a split name as datasets reads one from file names (letters, digits, _ and .)`,
          { hint: "rename the file, or map files to splits with data_files in the card's configs" },
        );
      }
      splits.add(split);
    }
    const ordered = [
      ...DEFAULT_SPLITS.filter((split) => splits.has(split)),
      ...[...splits].filter((split) => !DEFAULT_SPLITS.includes(split)).sort(),
    ];
    return new Map(
      ordered.map((split) => [split, [SPLIT_PATTERN_SHARDED.replace("{split}", split)]]),
    );
  }
  for (const candidates of ALL_DEFAULT_PATTERNS) {
    const found: SplitPatterns = new Map();
    for (const [split, patterns] of candidates) {
      if (patterns.some(resolves)) found.set(split, patterns);
    }
    if (found.size > 0) return found;
  }
  throw new NoDataFilesError(`no data files under ${dataDir === "" ? "the repo" : dataDir}`);
}

/**
 * `sanitize_patterns`: `data_files` as a card or a user gives it (a string, a list of strings, a
 * list of `{split, path}`, or a mapping split → string or list) as split → patterns. A bare
 * string or list is the `train` split.
 *
 * @param where names the source in errors (`the card's config "x"`, `--hf-data-files`).
 * @throws AiosError `DATASET_CARD` for a shape `datasets` refuses.
 */
export function sanitizePatterns(spec: unknown, where: string): SplitPatterns {
  const asList = (value: unknown): string[] | null =>
    typeof value === "string"
      ? [value]
      : Array.isArray(value) && value.every((v) => typeof v === "string")
        ? (value as string[])
        : null;
  const invalid = (detail: string) =>
    new AiosError("DATASET_CARD", `${where}: data_files ${detail}`, {
      hint: "data_files is a glob, a list of globs, or a list of {split: NAME, path: GLOB or [GLOB, ...]}",
    });
  if (typeof spec === "string") return new Map([["train", [spec]]]);
  if (Array.isArray(spec)) {
    if (!spec.some((item) => typeof item === "object" && item !== null)) {
      const list = asList(spec);
      if (list === null)
        throw invalid(`holds something other than strings: ${JSON.stringify(spec)}`);
      return new Map([["train", list]]);
    }
    const out: SplitPatterns = new Map();
    for (const item of spec) {
      const entry =
        typeof item === "object" && item !== null ? (item as Record<string, unknown>) : null;
      const paths = entry === null ? null : asList(entry.path);
      if (
        entry === null ||
        Object.keys(entry).length !== 2 ||
        !("split" in entry) ||
        paths === null
      ) {
        throw invalid(
          `entry ${JSON.stringify(item)} is not {split: NAME, path: GLOB or [GLOB, ...]}`,
        );
      }
      const split = String(entry.split);
      if (out.has(split)) throw invalid(`names split "${split}" twice`);
      out.set(split, paths);
    }
    return out;
  }
  if (typeof spec === "object" && spec !== null) {
    const out: SplitPatterns = new Map();
    for (const [split, value] of Object.entries(spec)) {
      const list = asList(value);
      if (list === null) throw invalid(`gives split "${split}" ${JSON.stringify(value)}`);
      out.set(split, list);
    }
    return out;
  }
  throw invalid(`is ${JSON.stringify(spec)}`);
}

/**
 * `DataFilesList.from_patterns` for each split: the files each pattern matches, pattern after
 * pattern (a file two patterns match is listed twice, as `datasets` lists it), keeping only
 * names with an extension `datasets` knows (`allowed`). A pattern without wildcards must match.
 *
 * @param dataDir joined in front of every pattern ("" for the repo's root).
 * @throws AiosError `DATASET_NOT_FOUND` for a literal path that is not in the repo.
 */
export function resolvePatterns(
  patterns: SplitPatterns,
  paths: readonly string[],
  dataDir: string,
  allowed: (path: string) => boolean,
  where: string,
): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const [split, list] of patterns) {
    const files: string[] = [];
    for (const pattern of list) {
      const matched = matchPattern(paths, joinBase(dataDir, pattern)).filter(allowed);
      if (matched.length === 0 && !hasMagic(pattern)) {
        throw new AiosError(
          "DATASET_NOT_FOUND",
          `${where}: data file ${joinBase(dataDir, pattern)} is not in the dataset`,
          { hint: "check the path (it is relative to the repo's root, or to data_dir)" },
        );
      }
      files.push(...matched);
    }
    out.set(split, files);
  }
  return out;
}

/** `xjoin(base_path, pattern)` relative to the repo: `data_dir/pattern`. */
export function joinBase(dataDir: string, pattern: string): string {
  const base = dataDir.replace(/^\/+|\/+$/g, "");
  const rest = pattern.replace(/^\/+/, "");
  return base === "" ? rest : `${base}/${rest}`;
}
