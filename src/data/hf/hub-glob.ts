/**
 * Glob patterns as `datasets` 5 resolves `data_files` on the Hub: fsspec's `glob_translate`
 * (fsspec >= 2023.12, itself CPython's `glob.translate` with recursive=True,
 * include_hidden=True), then `datasets.data_files.resolve_pattern`'s filters. `*` matches within
 * a path segment, `**` as a whole segment matches any number of segments (`**` inside a segment
 * is an error), `?` one character, `[...]` / `[!...]` a class; there are no braces. Paths are
 * matched whole and case-sensitively.
 */

import { AiosError } from "../../core/errors.js";

/** Files `resolve_pattern` never returns unless the pattern names them (`FILES_TO_IGNORE`). */
const FILES_TO_IGNORE = new Set([
  "README.md",
  "config.json",
  "dataset_info.json",
  "dataset_infos.json",
  "dummy_data.zip",
  "dataset_dict.json",
]);

/** Python's `glob.has_magic`: whether a pattern is a glob rather than a literal path. */
export function hasMagic(pattern: string): boolean {
  return /[*?[]/.test(pattern);
}

/**
 * The regular expression fsspec's `glob_translate` makes of `pattern` (a `/`-separated path).
 * @throws AiosError `DATASET_CARD` for `**` that is not a whole path segment, as fsspec refuses it.
 */
export function globRegExp(pattern: string): RegExp {
  const parts = pattern.split("/");
  const last = parts.length - 1;
  const out: string[] = [];
  for (const [index, part] of parts.entries()) {
    if (part === "*") {
      out.push(index < last ? "[^/]+/" : "[^/]+");
      continue;
    }
    if (part === "**") {
      out.push(index < last ? "(?:.+/)?" : ".*");
      continue;
    }
    if (part.includes("**")) {
      throw new AiosError(
        "DATASET_CARD",
        `the glob ${pattern} is invalid: '**' can only be an entire path component`,
        { hint: "write ** only as a whole path segment, e.g. data/**/*.jsonl" },
      );
    }
    if (part !== "") out.push(translateSegment(part));
    if (index < last) out.push("/");
  }
  try {
    return new RegExp(`^(?:${out.join("")})$`, "s");
  } catch (error) {
    throw new AiosError(
      "DATASET_CARD",
      `the glob ${pattern} is invalid: ${(error as Error).message}`,
      {
        hint: "check the data_files globs (fsspec's: *, **, ?, [...])",
      },
    );
  }
}

/** CPython's `fnmatch._translate` for one segment: `*` as `[^/]*`, `?` as `[^/]`. */
function translateSegment(pattern: string): string {
  const STAR = "[^/]*";
  const out: string[] = [];
  const n = pattern.length;
  let i = 0;
  while (i < n) {
    const c = pattern[i] as string;
    i += 1;
    if (c === "*") {
      if (out.at(-1) !== STAR) out.push(STAR);
    } else if (c === "?") {
      out.push("[^/]");
    } else if (c === "[") {
      let j = i;
      if (j < n && pattern[j] === "!") j += 1;
      if (j < n && pattern[j] === "]") j += 1;
      while (j < n && pattern[j] !== "]") j += 1;
      if (j >= n) {
        out.push("\\[");
        continue;
      }
      let stuff = pattern.slice(i, j);
      if (!stuff.includes("-")) {
        stuff = stuff.replaceAll("\\", "\\\\");
      } else {
        const chunks: string[] = [];
        let k = pattern[i] === "!" ? i + 2 : i + 1;
        for (;;) {
          k = pattern.indexOf("-", k);
          if (k < 0 || k >= j) break;
          chunks.push(pattern.slice(i, k));
          i = k + 1;
          k += 3;
        }
        const chunk = pattern.slice(i, j);
        if (chunk !== "") chunks.push(chunk);
        else chunks[chunks.length - 1] += "-";
        // Remove empty ranges: invalid in a regular expression.
        for (let m = chunks.length - 1; m > 0; m--) {
          const before = chunks[m - 1] as string;
          const after = chunks[m] as string;
          if ((before.at(-1) ?? "") > (after[0] ?? "")) {
            chunks[m - 1] = before.slice(0, -1) + after.slice(1);
            chunks.splice(m, 1);
          }
        }
        stuff = chunks.map((s) => s.replaceAll("\\", "\\\\").replaceAll("-", "\\-")).join("-");
      }
      stuff = stuff.replace(/([&~|])/g, "\\$1");
      i = j + 1;
      if (stuff === "") out.push("(?!)");
      else if (stuff === "!") out.push(".");
      else {
        if (stuff[0] === "!") stuff = `^${stuff.slice(1)}`;
        else if (stuff[0] === "^" || stuff[0] === "[") stuff = `\\${stuff}`;
        out.push(`[${stuff}]`);
      }
    } else {
      out.push(escapeRegExp(c));
    }
  }
  return out.join("");
}

function escapeRegExp(c: string): string {
  return /[\\^$.*+?()[\]{}|/-]/.test(c) ? `\\${c}` : c;
}

/**
 * The repo paths `pattern` matches, as `resolve_pattern` returns them: in path order (fsspec
 * sorts), files only, without README.md and the other FILES_TO_IGNORE (unless the pattern names
 * that file), without hidden files or files in hidden or `__special__` directories unless the
 * pattern asks for as many of them.
 *
 * @param paths every file of the repo, `/`-separated from its root.
 * @param pattern relative to the repo's root (a `data_dir` already joined in front).
 */
export function matchPattern(paths: readonly string[], pattern: string): string[] {
  const regexp = globRegExp(pattern);
  const ignore = new Set(FILES_TO_IGNORE);
  ignore.delete(basename(pattern));
  const hiddenInPattern = hiddenParts(pattern);
  const specialInPattern = specialParentParts(pattern);
  const out: string[] = [];
  for (const path of paths) {
    if (!regexp.test(path) || ignore.has(basename(path))) continue;
    if (specialParentParts(path) !== specialInPattern) continue;
    if (hiddenParts(path) !== hiddenInPattern) continue;
    out.push(path);
  }
  return out.sort(byCodePoint);
}

export function basename(path: string): string {
  return path.slice(path.lastIndexOf("/") + 1);
}

/** Python's string order (by code point), which fsspec's `sorted()` uses. */
export function byCodePoint(a: string, b: string): number {
  if (a === b) return 0;
  const ai = a[Symbol.iterator]();
  const bi = b[Symbol.iterator]();
  for (;;) {
    const x = ai.next();
    const y = bi.next();
    if (x.done) return y.done ? 0 : -1;
    if (y.done) return 1;
    const cx = x.value.codePointAt(0) as number;
    const cy = y.value.codePointAt(0) as number;
    if (cx !== cy) return cx - cy;
  }
}

/** Segments starting with "." that are not all dots (`_is_unrequested_hidden_file_or_...`). */
function hiddenParts(path: string): number {
  return path.split("/").filter((part) => part.startsWith(".") && !/^\.+$/.test(part)).length;
}

/** Parent segments starting with "__" (`_is_inside_unrequested_special_dir`). */
function specialParentParts(path: string): number {
  return path
    .split("/")
    .slice(0, -1)
    .filter((part) => part.startsWith("__")).length;
}
