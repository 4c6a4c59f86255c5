import { createWriteStream } from "node:fs";
import { mkdir, readdir, rename, rm } from "node:fs/promises";
import { basename, join } from "node:path";
import { pipeline } from "node:stream/promises";
import tar from "tar-stream";
import { AiosError, errnoCode } from "../../core/errors.js";

export interface WriteShardsOptions {
  readonly dir: string;
  /** Shard file names: `<prefix>-000000.tar`, `<prefix>-000001.tar`, ... */
  readonly prefix: string;
  readonly maxSamples: number;
  readonly maxBytes: number;
  /** Extension of each sample's text file. */
  readonly field: string;
  /**
   * Files of this prefix's shard naming already in `dir` (an earlier run's shards): false
   * refuses to write, true replaces them (they are removed once the new shards are written).
   */
  readonly overwrite?: boolean;
  /** Called after each shard is closed, with the path it has once the run succeeds. */
  readonly onShard?: (path: string, samples: number) => void;
}

export interface WrittenShards {
  readonly files: readonly string[];
  readonly samples: number;
  /** The brace pattern naming every shard, for `--wds-pattern`. */
  readonly pattern: string;
}

const pad = (n: number) => String(n).padStart(6, "0");

/** Suffix of a shard while it is written: a crash never leaves a shard that looks complete. */
const PARTIAL = ".partial";

/** The names this writer gives the shards of `prefix`, finished (`.tar`) or being written. */
export function shardNamePattern(prefix: string): RegExp {
  const literal = prefix.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
  return new RegExp(`^${literal}-\\d{6,}\\.tar(${PARTIAL.replace(".", "\\.")})?$`);
}

/** Names of the files in `dir` that `shardNamePattern(prefix)` matches, sorted; none if no dir. */
export async function existingShards(dir: string, prefix: string): Promise<string[]> {
  let names: string[];
  try {
    names = await readdir(dir);
  } catch (error) {
    if (errnoCode(error) === "ENOENT") return [];
    throw outError(dir, error);
  }
  const pattern = shardNamePattern(prefix);
  return names.filter((name) => pattern.test(name)).sort();
}

/**
 * Writes samples into standard (ustar/pax) tar shards, one `<key>.<field>` file per sample, a new
 * shard when `maxSamples` or `maxBytes` would be exceeded. Each shard is written as
 * `<name>.partial` and renamed when all are written, so that a failed run (the source broke,
 * the disk filled) leaves no shard that looks complete and the earlier shards as they were.
 *
 * @throws AiosError `IO` when `dir` already holds shards of `prefix` and `overwrite` is not set
 *   (naming them), or when `dir` cannot be written.
 */
export async function writeShards(
  texts: AsyncIterable<string>,
  options: WriteShardsOptions,
): Promise<WrittenShards> {
  const { dir, prefix } = options;
  if (prefix === "" || /[/\\]/.test(prefix)) {
    throw new AiosError("CONFIG_INVALID", `--prefix "${prefix}" is not a file name`, {
      hint: "give a name without slashes, e.g. --prefix train",
    });
  }
  try {
    await mkdir(dir, { recursive: true });
  } catch (error) {
    throw outError(dir, error);
  }
  const earlier = await existingShards(dir, prefix);
  if (earlier.length > 0 && options.overwrite !== true) {
    const shown =
      earlier.length <= 5
        ? earlier.join(", ")
        : `${earlier.slice(0, 3).join(", ")}, …, ${earlier.at(-1)}`;
    throw new AiosError(
      "IO",
      `--out ${dir} already holds ${earlier.length} file${earlier.length === 1 ? "" : "s"} of shard prefix "${prefix}": ${shown}`,
      {
        hint: `pass --overwrite to replace them (only files named ${prefix}-NNNNNN.tar are removed), or another --out or --prefix`,
      },
    );
  }
  // Leftovers of a crashed run are no data: cleared now, so they cannot collide with this run's.
  await remove(
    dir,
    earlier.filter((n) => n.endsWith(PARTIAL)),
  );

  const files: string[] = [];
  try {
    const samples = await writePartials(texts, options, files);
    const kept = new Set(files.map((file) => basename(file)));
    try {
      for (const file of files) await rename(`${file}${PARTIAL}`, file);
    } catch (error) {
      throw outError(dir, error);
    }
    await remove(
      dir,
      earlier.filter((n) => !n.endsWith(PARTIAL) && !kept.has(n)),
    );
    const last = Math.max(0, files.length - 1);
    return {
      files,
      samples,
      pattern: join(dir, `${prefix}-{${pad(0)}..${pad(last)}}.tar`),
    };
  } catch (error) {
    for (const file of files) await rm(`${file}${PARTIAL}`, { force: true });
    throw error;
  }
}

interface OpenShard {
  readonly pack: tar.Pack;
  /** Settles when the file is written: rejected with the file's own error (disk full, ...). */
  readonly done: Promise<void>;
}

/** Writes the shards as `<file>.partial`, pushing each `<file>` to `files`; returns the samples. */
async function writePartials(
  texts: AsyncIterable<string>,
  options: WriteShardsOptions,
  files: string[],
): Promise<number> {
  let shard: OpenShard | null = null;
  let inShard = 0;
  let bytes = 0;
  let total = 0;
  // A failed write names the file's error, which says more than the pack's.
  const writeError = async (open: OpenShard, error: unknown): Promise<AiosError> => {
    open.pack.destroy();
    const cause = await open.done.then(
      () => error,
      (e: unknown) => e,
    );
    return outError(options.dir, cause);
  };
  const close = async () => {
    if (shard === null) return;
    const open = shard;
    open.pack.finalize();
    try {
      await open.done;
    } catch (error) {
      throw await writeError(open, error);
    }
    options.onShard?.(files.at(-1) as string, inShard);
    shard = null;
  };
  try {
    for await (const text of texts) {
      const body = Buffer.from(text, "utf8");
      if (
        shard !== null &&
        (inShard >= options.maxSamples || (inShard > 0 && bytes + body.length > options.maxBytes))
      ) {
        await close();
      }
      if (shard === null) {
        const path = join(options.dir, `${options.prefix}-${pad(files.length)}.tar`);
        files.push(path);
        const pack = tar.pack();
        const done = pipeline(pack, createWriteStream(`${path}${PARTIAL}`));
        // Awaited when the shard closes; a failure before then surfaces through the entry.
        done.catch(() => {});
        shard = { pack, done };
        inShard = 0;
        bytes = 0;
      }
      const open: OpenShard = shard;
      const key = `sample${String(total).padStart(9, "0")}`;
      try {
        await new Promise<void>((resolve, reject) => {
          const entry = open.pack.entry(
            { name: `${key}.${options.field}`, size: body.length },
            body,
            (error) => (error ? reject(error) : resolve()),
          );
          // The callback has the error; without a listener the entry would also throw it.
          entry.on("error", () => {});
        });
      } catch (error) {
        throw await writeError(open, error);
      }
      inShard += 1;
      bytes += body.length;
      total += 1;
    }
    await close();
  } catch (error) {
    // The source (or a write) failed mid-shard: end the open file before it is removed.
    const open = shard as OpenShard | null;
    if (open !== null) {
      open.pack.destroy();
      await open.done.catch(() => {});
    }
    throw error;
  }
  return total;
}

async function remove(dir: string, names: readonly string[]): Promise<void> {
  try {
    for (const name of names) await rm(join(dir, name));
  } catch (error) {
    throw outError(dir, error);
  }
}

function outError(dir: string, error: unknown): AiosError {
  return new AiosError("IO", `cannot write shards into --out ${dir}: ${(error as Error).message}`, {
    hint: "pass --out a directory path you can write (it is created if missing)",
  });
}
