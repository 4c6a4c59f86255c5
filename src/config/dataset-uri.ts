import { AiosError } from "../core/errors.js";

/** What a `--dataset-file` value says about the backend, per the design's URI appendix. */
export type DatasetUri =
  | { backend: "custom"; path: string }
  | { backend: "hf"; name: string; config: string | null; split: string | null }
  | { backend: "webdataset"; pattern: string };

const SHARD_HINT = /(\{[^}]*\.\.[^}]*\}.*\.(tar|tgz|tar\.gz)$)|\.(tar|tgz|tar\.gz)$/i;

/**
 * `file://PATH` → custom; `hf://NAME[:CONFIG[:SPLIT]]` → hf (NAME may be `org/name`);
 * `wds://PATTERN` → webdataset; anything else is a local path for the custom backend.
 */
export function parseDatasetUri(value: string): DatasetUri {
  if (value.startsWith("file://")) {
    const path = decodeURIComponent(value.slice("file://".length));
    if (path === "") throw badUri(value, "file:// needs a path, e.g. file:///data/train.txt");
    return { backend: "custom", path };
  }
  if (value.startsWith("hf://")) {
    const [name = "", config = "", split = "", ...rest] = value.slice("hf://".length).split(":");
    if (name === "" || rest.length > 0) {
      throw badUri(
        value,
        "write it as hf://NAME:CONFIG:SPLIT, e.g. hf://wikitext:wikitext-2-v1:train",
      );
    }
    return { backend: "hf", name, config: config || null, split: split || null };
  }
  if (value.startsWith("wds://")) {
    const pattern = value.slice("wds://".length);
    if (pattern === "")
      throw badUri(value, "write it as wds://PATTERN, e.g. wds://shards/shard-{000..009}.tar");
    return { backend: "webdataset", pattern };
  }
  const scheme = /^([a-z][a-z0-9+.-]*):\/\//i.exec(value);
  if (scheme) {
    throw badUri(value, "supported schemes are file://, hf:// and wds:// (or a plain local path)");
  }
  return { backend: "custom", path: value };
}

/** A raw path that names tar shards: the custom backend cannot read it, webdataset can. */
export function looksLikeShards(path: string): boolean {
  return SHARD_HINT.test(path);
}

function badUri(value: string, fix: string): AiosError {
  return new AiosError("CONFIG_INVALID", `--dataset-file "${value}" is not a valid dataset URI`, {
    hint: fix,
  });
}

/**
 * The inverse of `parseDatasetUri` for the hf and webdataset backends (the GUI keeps its inline
 * dataset field in step with the backend's fields this way); a custom path is returned as is.
 * An hf URI without a name, or a wds URI without a pattern, is the empty string: nothing to say.
 */
export function formatDatasetUri(uri: DatasetUri): string {
  switch (uri.backend) {
    case "custom":
      return uri.path;
    case "hf": {
      if (uri.name === "") return "";
      const parts = [uri.name, uri.config ?? "", uri.split ?? ""];
      while (parts.length > 1 && parts[parts.length - 1] === "") parts.pop();
      return `hf://${parts.join(":")}`;
    }
    case "webdataset":
      return uri.pattern === "" ? "" : `wds://${uri.pattern}`;
  }
}
