import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import braces from "braces";
import { AiosError } from "../../core/errors.js";

/** Where one shard's bytes come from. `url` names it in errors and in `__url__`. */
export type ShardSource =
  | { readonly kind: "file"; readonly path: string; readonly url: string }
  | { readonly kind: "http"; readonly url: string }
  | { readonly kind: "pipe"; readonly command: string; readonly url: string };

/** Patterns joined by `::`, each brace-expanded bash-style (`{000..099}` keeps its padding). */
export function expandShardPattern(pattern: string): string[] {
  return pattern
    .split("::")
    .map((part) => part.trim())
    .filter((part) => part !== "")
    .flatMap((part) => braces.expand(part));
}

export function shardSource(spec: string): ShardSource {
  if (spec.startsWith("pipe:")) return { kind: "pipe", command: spec.slice(5), url: spec };
  if (/^https?:\/\//i.test(spec)) return { kind: "http", url: spec };
  if (spec.startsWith("file://")) return { kind: "file", path: fileURLToPath(spec), url: spec };
  return { kind: "file", path: spec, url: spec };
}

/**
 * The shards a pattern names. Local files are checked now, so a wrong pattern fails before
 * training starts; URLs and commands bind late and are reported when read.
 */
export function resolveShards(
  pattern: string,
  onError: "raise" | "skip",
  warn: (message: string) => void,
): ShardSource[] {
  const names = expandShardPattern(pattern);
  const shown = describeExpansion(names);
  if (names.length === 0) {
    throw new AiosError("DATASET_NOT_FOUND", `--wds-pattern "${pattern}" names no shard`, {
      hint: 'give a path, URL or pipe:COMMAND, e.g. "shards/shard-{000000..000009}.tar"',
    });
  }
  const sources = names.map(shardSource);
  const missing = sources.filter((s) => s.kind === "file" && !existsSync(s.path));
  if (missing.length === sources.length) {
    throw new AiosError(
      "DATASET_NOT_FOUND",
      `no shard of --wds-pattern "${pattern}" exists; it expands to ${shown}`,
      {
        hint: "check the directory and the brace range (quote the pattern so the shell leaves the braces alone)",
      },
    );
  }
  if (missing.length > 0) {
    const list = describeExpansion(missing.map((s) => s.url));
    if (onError === "raise") {
      throw new AiosError(
        "DATASET_NOT_FOUND",
        `${missing.length} of ${sources.length} shards of --wds-pattern "${pattern}" are missing: ${list}`,
        {
          hint: "fix the pattern, or pass --wds-on-error skip to train on the shards that exist",
        },
      );
    }
    warn(`skipping ${missing.length} missing shards of ${sources.length}: ${list}`);
  }
  return sources.filter((s) => !missing.includes(s));
}

function describeExpansion(names: readonly string[]): string {
  if (names.length <= 4) return names.join(", ") || "(nothing)";
  return `${names.slice(0, 2).join(", ")}, …, ${names.at(-1)} (${names.length} names)`;
}
