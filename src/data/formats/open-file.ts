import { createReadStream } from "node:fs";
import type { Readable } from "node:stream";
import { createGunzip, type ZlibOptions } from "node:zlib";
import { AiosError } from "../../core/errors.js";
import type { DatasetFile } from "./dataset-file.js";
import { DatasetTextDecoder } from "./decode-text.js";
import { type EncodingErrors, invalidEncodingError } from "./encoding-errors.js";

/** Bytes of decompressed output per chunk of a gunzip stream. */
const GUNZIP_CHUNK = 256 * 1024;

/** The file's bytes, gunzipped on the fly for `.gz` files. */
export function openBytes(file: DatasetFile): Readable {
  const raw = file.open?.() ?? createReadStream(file.path);
  if (!file.gzip) return raw;
  // Larger output chunks than the 16 KiB default (fewer hops to the thread pool and back), and
  // room for a few of them, so that the thread pool inflates ahead while rows are parsed.
  const gunzip = createGunzip({
    chunkSize: GUNZIP_CHUNK,
    readableHighWaterMark: 4 * GUNZIP_CHUNK,
  } as ZlibOptions);
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

/** A file's text as it is decoded; `decoder` says the encoding and whether invalid bytes were met. */
export interface FileText {
  readonly decoder: DatasetTextDecoder;
  readonly chunks: AsyncGenerator<string>;
}

/**
 * The file's text, streamed chunk by chunk: memory stays at one chunk however large the file.
 * Decoded by its byte-order mark, else as UTF-8 (see `DatasetTextDecoder`); with
 * `--encoding-errors strict` the first invalid byte is a DATASET_ENCODING error naming the
 * file and line.
 */
export function openText(file: DatasetFile, encodingErrors: EncodingErrors): FileText {
  const decoder = new DatasetTextDecoder();
  const checked = (text: string): string => {
    if (decoder.invalid && encodingErrors === "strict") {
      throw invalidEncodingError(file.path, decoder);
    }
    return text;
  };
  async function* chunks(): AsyncGenerator<string> {
    const bytes = openBytes(file);
    try {
      for await (const chunk of bytes) {
        const text = checked(decoder.decode(chunk as Uint8Array));
        if (text !== "") yield text;
      }
      const rest = checked(decoder.end());
      if (rest !== "") yield rest;
    } catch (error) {
      throw readError(file, error);
    } finally {
      // Reached early by `break` in a consumer (preview, resume): release the file handle now.
      bytes.destroy();
    }
  }
  return { decoder, chunks: chunks() };
}

/** Lines of a file read together: those one chunk of its bytes completed. */
export interface LineBatch {
  /** 1-based number of the first line. */
  readonly first: number;
  /** Without their terminators (`\n` or `\r\n`). */
  readonly lines: readonly string[];
}

/**
 * The file's lines, as `linesOf(openText(file, encodingErrors).chunks)` gives them one by one,
 * in batches of what each chunk read completes: a reader handles a batch in a plain loop (no
 * generator hop per line), and UTF-8 is decoded line by line (`DatasetTextDecoder.decodeLines`).
 * `--encoding-errors strict` refuses the batch holding the first invalid byte, as `openText`
 * refuses its chunk.
 */
export function openLines(
  file: DatasetFile,
  encodingErrors: EncodingErrors,
): { decoder: DatasetTextDecoder; batches: AsyncGenerator<LineBatch> } {
  const decoder = new DatasetTextDecoder();
  let number = 1;
  const batch = (lines: string[]): LineBatch => {
    if (decoder.invalid && encodingErrors === "strict") {
      throw invalidEncodingError(file.path, decoder);
    }
    const out = { first: number, lines };
    number += lines.length;
    return out;
  };
  async function* batches(): AsyncGenerator<LineBatch> {
    const bytes = openBytes(file);
    try {
      for await (const chunk of bytes) {
        const lines: string[] = [];
        decoder.decodeLines(chunk as Uint8Array, lines);
        if (lines.length > 0) yield batch(lines);
      }
      const lines: string[] = [];
      decoder.endLines(lines);
      if (lines.length > 0) yield batch(lines);
    } catch (error) {
      throw readError(file, error);
    } finally {
      // Reached early by `break` in a consumer (preview, resume): release the file handle now.
      bytes.destroy();
    }
  }
  return { decoder, batches: batches() };
}

/** A line of text without its terminator (`\n` or `\r\n`), with its 1-based number. */
export interface TextLine {
  readonly text: string;
  readonly number: number;
}

/** The lines of decoded text chunks. Each chunk is searched once, however long a line runs. */
export async function* linesOf(chunks: AsyncIterable<string>): AsyncGenerator<TextLine> {
  let pending = "";
  let number = 0;
  for await (const chunk of chunks) {
    let end = chunk.indexOf("\n");
    if (end === -1) {
      pending += chunk;
      continue;
    }
    yield { text: stripCr(pending + chunk.slice(0, end)), number: ++number };
    let start = end + 1;
    for (end = chunk.indexOf("\n", start); end !== -1; end = chunk.indexOf("\n", start)) {
      yield { text: stripCr(chunk.slice(start, end)), number: ++number };
      start = end + 1;
    }
    pending = chunk.slice(start);
  }
  if (pending !== "") yield { text: stripCr(pending), number: ++number };
}

/** The whole file as text, for formats that cannot be streamed row by row (a `.json` array). */
export async function readWholeText(
  file: DatasetFile,
  encodingErrors: EncodingErrors,
): Promise<{ text: string; decoder: DatasetTextDecoder }> {
  const { decoder, chunks } = openText(file, encodingErrors);
  const parts: string[] = [];
  for await (const chunk of chunks) parts.push(chunk);
  return { text: parts.join(""), decoder };
}

function stripCr(line: string): string {
  return line.endsWith("\r") ? line.slice(0, -1) : line;
}
