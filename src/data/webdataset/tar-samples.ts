import { posix } from "node:path";
import type { Readable } from "node:stream";
import tar from "tar-stream";
import { isAiosError } from "../../core/errors.js";
import { shardError } from "./open-shard.js";

/** One WebDataset sample: the files of a tar that share a key, by extension. */
export interface WdsSample {
  readonly key: string;
  readonly url: string;
  readonly fields: ReadonlyMap<string, Buffer>;
}

/**
 * The WebDataset grouping rule: a file's key is its path up to the first dot of its file name,
 * its field the rest (`a/b.en.txt` → key `a/b`, field `en.txt`).
 */
export function splitMemberName(name: string): { key: string; field: string } {
  const dir = posix.dirname(name);
  const base = posix.basename(name);
  const dot = base.indexOf(".");
  const stem = dot < 0 ? base : base.slice(0, dot);
  return { key: dir === "." ? stem : `${dir}/${stem}`, field: dot < 0 ? "" : base.slice(dot + 1) };
}

/**
 * Streams a tar (ustar, GNU long names and pax headers, as tar-stream reads them) and yields its
 * samples in file order; consecutive files with one key form one sample. A truncated or
 * malformed tar is an error naming the shard.
 */
export async function* samplesOfShard(stream: Readable, url: string): AsyncGenerator<WdsSample> {
  const extract = tar.extract();
  stream.on("error", (error) => extract.destroy(error));
  stream.pipe(extract);
  let key: string | null = null;
  let fields = new Map<string, Buffer>();
  try {
    for await (const entry of extract) {
      if (entry.header.type !== "file") {
        entry.resume();
        continue;
      }
      const member = splitMemberName(entry.header.name);
      const chunks: Buffer[] = [];
      for await (const chunk of entry) chunks.push(chunk as Buffer);
      if (member.key !== key) {
        if (key !== null) yield { key, url, fields };
        key = member.key;
        fields = new Map();
      }
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
