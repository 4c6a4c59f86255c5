import type { Readable } from "node:stream";
import tar from "tar-stream";
import { AiosError, isAiosError } from "../../core/errors.js";
import { shardError } from "./open-shard.js";

/** One WebDataset sample: the files of a tar that share a key, by extension. */
export interface WdsSample {
  readonly key: string;
  readonly url: string;
  readonly fields: ReadonlyMap<string, Buffer>;
}

/**
 * The Python `webdataset` library's `base_plus_ext` (src/webdataset/tariterators.py), regex for
 * regex: the key is the path up to the first dot of the file name, the field all the rest.
 * Python's `.` never matches a newline, hence `[^\n]`.
 */
const BASE_PLUS_EXT = /^((?:[^\n]*\/|)[^.]+)[.]([^/]*)$/;

/**
 * Splits a tar member name into sample key and field: `a/b.en.TXT` → key `a/b`, field `en.txt`.
 * Fields are lower-cased (`group_by_keys(lcase=True)`); keys are kept as written. Null for a
 * name that `base_plus_ext` does not split (no dot in the file name, or a name such as `.hidden`
 * with nothing before its first dot): webdataset drops such members.
 */
export function splitMemberName(name: string): { key: string; field: string } | null {
  const match = BASE_PLUS_EXT.exec(name);
  if (match === null) return null;
  return { key: match[1] as string, field: (match[2] as string).toLowerCase() };
}

/**
 * Metadata members that webdataset's `tar_file_iterator` skips before grouping: a top-level
 * `__name__`, and anything matching its default `skip_meta`, `__[^/]*__($|/)`, from the start of
 * the name (so `__meta__/x.txt` too).
 */
export function isMetaMember(name: string): boolean {
  if (!name.includes("/") && name.startsWith("__") && name.endsWith("__")) return true;
  return /^__[^/]*__($|\/)/.test(name);
}

/** `tarfile.TarInfo.isreg()`: regular (`0`, `\0`) and contiguous (`7`) files hold sample data. */
const REGULAR_TYPES = new Set(["file", "contiguous-file"]);

export interface ShardSampleOptions {
  /**
   * A second file with the same field in one sample: webdataset's `group_by_keys` raises
   * (`raise`); under a handler that continues it drops that file and keeps the sample (`skip`).
   */
  readonly onDuplicate: "raise" | "skip";
  /** Counts a member that gives no data, by reason (no extension, duplicate). */
  readonly count: (reason: string) => void;
}

export const NO_EXTENSION = "tar member without an extension";
export const DUPLICATE_FIELD = "duplicate field in a sample";

/**
 * Streams a tar (ustar, GNU long names and pax headers, as tar-stream reads them) and yields its
 * samples in file order, by webdataset's rules (`tar_file_iterator`, `group_by_keys`): only
 * regular files, metadata members skipped, consecutive files with one key form one sample, and
 * samples never span shards. A truncated or malformed tar is an error naming the shard.
 */
export async function* samplesOfShard(
  stream: Readable,
  url: string,
  options: ShardSampleOptions,
): AsyncGenerator<WdsSample> {
  const extract = tar.extract();
  stream.on("error", (error) => extract.destroy(error));
  stream.pipe(extract);
  let key: string | null = null;
  let fields = new Map<string, Buffer>();
  try {
    for await (const entry of extract) {
      const { name, type } = entry.header;
      if (type === null || !REGULAR_TYPES.has(type) || isMetaMember(name)) {
        entry.resume();
        continue;
      }
      const member = splitMemberName(name);
      if (member === null) {
        options.count(NO_EXTENSION);
        entry.resume();
        continue;
      }
      if (member.key !== key) {
        if (key !== null) yield { key, url, fields };
        key = member.key;
        fields = new Map();
      }
      if (fields.has(member.field)) {
        if (options.onDuplicate === "raise") {
          throw new AiosError(
            "SHARD_READ",
            `shard ${url}: ${name}: sample "${key}" already has a .${member.field} file (suffixes are compared lower-cased, as webdataset does)`,
            {
              hint: "give each sample one file per extension, or pass --wds-on-error skip to count and drop the later file",
            },
          );
        }
        options.count(DUPLICATE_FIELD);
        entry.resume();
        continue;
      }
      const chunks: Buffer[] = [];
      for await (const chunk of entry) chunks.push(chunk as Buffer);
      fields.set(member.field, Buffer.concat(chunks));
    }
  } catch (error) {
    if (isAiosError(error)) throw error;
    const message = (error as Error).message;
    throw shardError(
      url,
      /unexpected end|premature|truncat|invalid tar|header/i.test(message)
        ? `truncated or not a tar file (${message})`
        : message,
      error,
    );
  } finally {
    stream.destroy();
  }
  if (key !== null) yield { key, url, fields };
}
