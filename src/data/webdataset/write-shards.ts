import { createWriteStream } from "node:fs";
import { mkdir } from "node:fs/promises";
import { join } from "node:path";
import { pipeline } from "node:stream/promises";
import tar from "tar-stream";

export interface WriteShardsOptions {
  readonly dir: string;
  /** Shard file names: `<prefix>-000000.tar`, `<prefix>-000001.tar`, ... */
  readonly prefix: string;
  readonly maxSamples: number;
  readonly maxBytes: number;
  /** Extension of each sample's text file. */
  readonly field: string;
  /** Called after each shard is closed. */
  readonly onShard?: (path: string, samples: number) => void;
}

export interface WrittenShards {
  readonly files: readonly string[];
  readonly samples: number;
  /** The brace pattern naming every shard, for `--wds-pattern`. */
  readonly pattern: string;
}

const pad = (n: number) => String(n).padStart(6, "0");

/**
 * Writes samples into standard (ustar/pax) tar shards, one `<key>.<field>` file per sample, a new
 * shard when `maxSamples` or `maxBytes` would be exceeded.
 */
export async function writeShards(
  texts: AsyncIterable<string>,
  options: WriteShardsOptions,
): Promise<WrittenShards> {
  await mkdir(options.dir, { recursive: true });
  const files: string[] = [];
  let pack: tar.Pack | null = null;
  let done: Promise<void> | null = null;
  let inShard = 0;
  let bytes = 0;
  let total = 0;
  const close = async () => {
    if (pack === null || done === null) return;
    pack.finalize();
    await done;
    options.onShard?.(files.at(-1) as string, inShard);
    pack = null;
  };
  for await (const text of texts) {
    const body = Buffer.from(text, "utf8");
    if (
      pack !== null &&
      (inShard >= options.maxSamples || (inShard > 0 && bytes + body.length > options.maxBytes))
    ) {
      await close();
    }
    if (pack === null) {
      const path = join(options.dir, `${options.prefix}-${pad(files.length)}.tar`);
      files.push(path);
      pack = tar.pack();
      done = pipeline(pack, createWriteStream(path));
      inShard = 0;
      bytes = 0;
    }
    const key = `sample${String(total).padStart(9, "0")}`;
    await new Promise<void>((resolve, reject) =>
      (pack as tar.Pack).entry(
        { name: `${key}.${options.field}`, size: body.length },
        body,
        (error) => (error ? reject(error) : resolve()),
      ),
    );
    inShard += 1;
    bytes += body.length;
    total += 1;
  }
  await close();
  const last = Math.max(0, files.length - 1);
  return {
    files,
    samples: total,
    pattern: join(options.dir, `${options.prefix}-{${pad(0)}..${pad(last)}}.tar`),
  };
}
