import { createReadStream, createWriteStream } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createInterface } from "node:readline";
import type { Readable, Writable } from "node:stream";
import { finished, pipeline } from "node:stream/promises";
import { createGunzip, createGzip } from "node:zlib";
import { AiosError, errnoCode } from "../../../core/errors.js";

/** `.gz` files are (de)compressed on the fly; `-` is stdin. */
function isGzip(path: string): boolean {
  return path.endsWith(".gz");
}

/** Numbered lines of a JSON Lines file, blank lines skipped. */
export async function* readLines(path: string): AsyncGenerator<{ line: string; number: number }> {
  let input: Readable;
  if (path === "-") input = process.stdin;
  else {
    const file = createReadStream(path);
    await new Promise<void>((resolve, reject) => {
      file.once("open", () => resolve());
      file.once("error", (error) =>
        reject(
          new AiosError(
            "IO",
            `Cannot read ${path}: ${errnoCode(error) === "ENOENT" ? "no such file" : String(error)}`,
          ),
        ),
      );
    });
    input = isGzip(path) ? file.pipe(createGunzip()) : file;
  }
  let number = 0;
  for await (const line of createInterface({ input, crlfDelay: Number.POSITIVE_INFINITY })) {
    number += 1;
    if (line.trim() !== "") yield { line, number };
  }
}

/** An input that can be read more than once (a check pass, then a write pass). */
export interface ReplayableInput {
  /** A path `readLines` reads: the file itself, or the temporary copy of stdin. */
  readonly path: string;
  /** How messages name the input: the path, or "stdin". */
  readonly name: string;
  /** Removes the temporary copy, if any. */
  cleanup(): Promise<void>;
}

/**
 * `path` as an input that can be read twice. A file already can; stdin (`-`) cannot, so it is
 * streamed into a temporary file first: memory stays bounded whatever its size.
 */
export async function replayableInput(path: string): Promise<ReplayableInput> {
  if (path !== "-") return { path, name: path, cleanup: async () => {} };
  const dir = await mkdtemp(join(tmpdir(), "aios-stdin-"));
  const cleanup = () => rm(dir, { recursive: true, force: true });
  const copy = join(dir, "stdin.jsonl");
  try {
    await pipeline(process.stdin, createWriteStream(copy));
  } catch (error) {
    await cleanup();
    throw new AiosError("IO", `Cannot copy stdin to ${copy}: ${String(error)}`, {
      hint: "check that the temporary directory (TMPDIR) is writable and has room for the input",
    });
  }
  return { path: copy, name: "stdin", cleanup };
}

/** A line writer honouring backpressure; `close()` flushes and reports write errors. */
export interface LineWriter {
  write(line: string): Promise<void>;
  close(): Promise<void>;
}

/** Resolves on 'drain' or 'error' (reported by the caller), removing both listeners. */
function drained(stream: Writable): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      stream.off("drain", done);
      stream.off("error", done);
      resolve();
    };
    stream.on("drain", done);
    stream.on("error", done);
  });
}

export function writeLines(path: string): LineWriter {
  const file = createWriteStream(path);
  const out: Writable = isGzip(path) ? createGzip() : file;
  if (out !== file) (out as ReturnType<typeof createGzip>).pipe(file);
  let failure: unknown = null;
  const remember = (error: unknown) => {
    failure ??= error;
  };
  file.on("error", remember);
  out.on("error", remember);
  const check = () => {
    if (failure !== null) throw new AiosError("IO", `Cannot write ${path}: ${String(failure)}`);
  };
  return {
    async write(line) {
      check();
      if (!out.write(`${line}\n`)) await drained(out);
      check();
    },
    async close() {
      out.end();
      await finished(file).catch(remember);
      check();
    },
  };
}
