import { createReadStream } from "node:fs";
import type { Readable } from "node:stream";
import { createGunzip } from "node:zlib";
import { AiosError } from "../../core/errors.js";
import type { DatasetFile } from "./dataset-file.js";

/** The file's bytes, gunzipped on the fly for `.gz` files. */
export function openBytes(file: DatasetFile): Readable {
  const raw = file.open?.() ?? createReadStream(file.path);
  if (!file.gzip) return raw;
  const gunzip = createGunzip();
  // pipe() does not forward errors: a read error must still end the gunzip stream.
  raw.on("error", (error: Error) => gunzip.destroy(error));
  return raw.pipe(gunzip);
}

/** A read or gunzip failure, as an error that names the file. */
export function readError(file: DatasetFile, error: unknown): AiosError {
  if (error instanceof AiosError) return error;
  const what = file.gzip ? "read or decompress" : "read";
  return new AiosError("IO", `cannot ${what} ${file.path}: ${errorMessage(error)}`, {
    hint: file.gzip
      ? "check that the file is a complete gzip file"
      : "check the file's permissions",
    cause: error,
  });
}

export function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/**
 * Lines of a UTF-8 text file without their terminators (`\n` or `\r\n`), streamed: memory stays
 * at one chunk however large the file. A leading byte-order mark is dropped.
 */
export async function* readLines(file: DatasetFile): AsyncGenerator<string> {
  const bytes = openBytes(file);
  // Streaming decode: a multi-byte character split across two chunks is joined, not mangled.
  const decoder = new TextDecoder("utf-8");
  let pending = "";
  try {
    for await (const chunk of bytes) {
      pending += decoder.decode(chunk as Uint8Array, { stream: true });
      let start = 0;
      for (let end = pending.indexOf("\n"); end !== -1; end = pending.indexOf("\n", start)) {
        yield stripCr(pending.slice(start, end));
        start = end + 1;
      }
      pending = pending.slice(start);
    }
  } catch (error) {
    throw readError(file, error);
  } finally {
    // Reached early by `break` in a consumer (preview, resume): release the file handle now.
    bytes.destroy();
  }
  pending += decoder.decode();
  if (pending !== "") yield stripCr(pending);
}

/** The whole file as text, for formats that cannot be streamed row by row (`.json`). */
export async function readWholeText(file: DatasetFile): Promise<string> {
  const chunks: Buffer[] = [];
  try {
    for await (const chunk of openBytes(file)) chunks.push(chunk as Buffer);
  } catch (error) {
    throw readError(file, error);
  }
  return new TextDecoder("utf-8").decode(Buffer.concat(chunks));
}

function stripCr(line: string): string {
  return line.endsWith("\r") ? line.slice(0, -1) : line;
}
